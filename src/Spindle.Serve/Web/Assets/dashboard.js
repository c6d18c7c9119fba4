// spindle serve's dashboard, the render-job side: one EventSource on /api/events; each 'status' event redraws the
// tiles, the frames/s chart and the jobs. The farm's pool is drawn by the Spindle dashboard's pools.js (loaded first,
// from /pools/assets/), whose SpindleDashboard.el and .drawChart this reuses. DOM calls and textContent only.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const el = window.SpindleDashboard.el;

  function drawTiles(s) {
    $('t-queue-jobs').textContent = s.queue.jobs;
    $('t-jobs-done').textContent = s.totals.jobsDone;
    $('t-frames').textContent = s.totals.framesRendered;
    $('t-threads').textContent = s.server.threadPoolThreads;
    $('server-pid').textContent = s.server.pid;
    $('requests').textContent = s.server.requests;
    // Where jobs are kept; a store that failed a write (the cluster's server away) says so until one succeeds.
    $('storage').textContent = s.storage.description + (s.storage.error ? ' Last write failed: ' + s.storage.error : '');
  }

  const jobRows = new Map();

  function jobRow(j) {
    const fill = el('div', {});
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
    const counts = el('span', {});
    const state = el('span', {});
    const download = el('span', {});
    const error = el('span', { class: 'error' });
    const row = el('li', { 'data-job': j.id },
      el('div', { class: 'line' }, el('a', { href: j.url }, '#' + j.id + ' ' + j.scene + ' ' + j.width + '×' + j.height), el('span', {}, counts, state, download)),
      bar, error);
    return { row, fill, bar, counts, state, download, error, done: false };
  }

  function drawJobs(jobs) {
    const list = $('jobs');
    const seen = new Set(jobs.map((j) => j.id));
    for (const [id, entry] of jobRows) {
      if (!seen.has(id)) { entry.row.remove(); jobRows.delete(id); }
    }
    list.querySelectorAll('.empty').forEach((n) => n.remove());
    if (!jobs.length) {
      list.append(el('li', { class: 'empty' }, 'No jobs yet.'));
      return;
    }
    jobs.forEach((j, index) => {
      let entry = jobRows.get(j.id);
      if (!entry) { entry = jobRow(j); jobRows.set(j.id, entry); }
      entry.fill.style.width = j.percent + '%';
      entry.bar.setAttribute('aria-valuenow', j.percent);
      entry.counts.textContent = j.framesDone + '/' + j.frames + ' frames · ' + j.percent + ' % · ';
      entry.state.className = 'state ' + j.state;
      entry.state.textContent = j.state;
      entry.error.textContent = j.error || '';
      if (j.state === 'done' && !entry.done) {
        entry.done = true;
        entry.download.replaceChildren(' · ', el('a', { href: j.resultUrl, download: 'spindle-job-' + j.id + '.png' }, 'download'));
      }
      if (list.children[index] !== entry.row) list.insertBefore(entry.row, list.children[index] || null);
    });
  }

  const live = $('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'pill on'; });
  events.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.className = 'pill off'; });
  events.addEventListener('status', (e) => {
    const s = JSON.parse(e.data);
    drawTiles(s);
    window.SpindleDashboard.drawChart($('throughput'), s.throughput, 'frames/s');
    drawJobs(s.jobs);
  });
})();
