// A job's page, live: follows /api/events and updates the bar; when the job ends, reloads so the server renders
// the download link (the same page works without JavaScript through a meta refresh).
'use strict';
(function () {
  const id = document.body.dataset.job;
  if (document.body.dataset.state === 'done' || document.body.dataset.state === 'failed') return;
  const $ = (name) => document.getElementById(name);

  function show(job) {
    $('bar-fill').style.width = job.percent + '%';
    $('frames-done').textContent = job.framesDone;
    $('percent').textContent = job.percent;
    $('fps').textContent = job.framesPerSecond.toFixed(1);
    $('eta').textContent = job.etaSeconds == null ? '–' : job.etaSeconds.toFixed(1) + ' s';
    $('crashes').textContent = job.crashesSurvived;
    $('resumed').textContent = job.framesResumed;
    const state = $('state');
    state.textContent = job.state;
    state.className = 'state ' + job.state;
    if (job.state === 'done' || job.state === 'failed') {
      events.close();
      location.reload();
    }
  }

  const events = new EventSource('/api/events');
  events.addEventListener('status', (e) => {
    const job = JSON.parse(e.data).jobs.find((j) => j.id === id);
    if (job) {
      show(job);
    } else {
      // Older than the jobs the stream carries: ask for it directly.
      fetch('/api/jobs/' + encodeURIComponent(id)).then((r) => (r.ok ? r.json() : null)).then((j) => { if (j) show(j); });
    }
  });
})();
