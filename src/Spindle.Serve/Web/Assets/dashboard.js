// The live dashboard: one EventSource on /api/events; each 'status' event redraws tiles, chart, workers and jobs.
// Built with DOM calls and textContent only (no innerHTML with data), so nothing the server relays can inject markup.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v; else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function mib(bytes) { return bytes == null ? '–' : (bytes / 1048576).toFixed(1) + ' MiB'; }
  function pct(value) { return value == null ? '–' : value.toFixed(0) + ' %'; }

  function drawTiles(s) {
    $('t-workers').textContent = s.workers.length + '/' + s.server.poolSize;
    $('t-busy').textContent = s.workers.filter((w) => w.state === 'busy').length;
    $('t-queue-calls').textContent = s.queue.calls;
    $('t-queue-jobs').textContent = s.queue.jobs;
    $('t-frames').textContent = s.totals.framesRendered;
    $('t-crashes').textContent = s.totals.crashes;
    $('t-restarts').textContent = s.totals.restarts;
    $('t-threads').textContent = s.server.threadPoolThreads;
    $('server-pid').textContent = s.server.pid;
    $('requests').textContent = s.server.requests;
    $('pool-state').textContent = s.server.poolState;
  }

  function drawChart(points) {
    const svg = $('chart');
    const width = 600, height = 160, top = 14, span = 60000;
    const now = points.length ? Date.parse(points[points.length - 1].time) : Date.now();
    const max = Math.max(1, ...points.map((p) => p.framesPerSecond)) * 1.15;
    const x = (t) => width - ((now - t) / span) * width;
    const y = (v) => height - (v / max) * (height - top);
    svg.replaceChildren();
    for (const f of [0.25, 0.5, 0.75]) {
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('class', 'grid');
      line.setAttribute('x1', 0); line.setAttribute('x2', width);
      line.setAttribute('y1', y(max * f)); line.setAttribute('y2', y(max * f));
      svg.append(line);
    }
    $('chart-max').textContent = 'peak ' + (max / 1.15).toFixed(1) + ' frames/s';
    const visible = points.filter((p) => now - Date.parse(p.time) <= span);
    if (visible.length > 1) {
      const coords = visible.map((p) => x(Date.parse(p.time)).toFixed(1) + ',' + y(p.framesPerSecond).toFixed(1));
      const area = document.createElementNS(SVG, 'polygon');
      area.setAttribute('class', 'area');
      area.setAttribute('points', coords.join(' ') + ' ' + x(Date.parse(visible[visible.length - 1].time)).toFixed(1) + ',' + height + ' ' + x(Date.parse(visible[0].time)).toFixed(1) + ',' + height);
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('class', 'line');
      line.setAttribute('points', coords.join(' '));
      svg.append(area, line);
    }
    const last = points.length ? points[points.length - 1].framesPerSecond : 0;
    $('chart-now').textContent = 'now: ' + last.toFixed(1) + ' frames/s';
  }

  function kill(pid, button) {
    button.disabled = true;
    fetch('/api/workers/' + pid + '/kill', { method: 'POST' })
      .then((r) => { button.textContent = r.ok ? 'killed' : 'gone'; })
      .catch(() => { button.textContent = 'failed'; });
  }

  // Cards are kept per pid and updated in place: rebuilding them twice a second would swallow a click that lands
  // between mouse-down and mouse-up.
  const workerCards = new Map();

  function workerCard(pid) {
    const button = el('button', { type: 'button', class: 'kill', title: 'Kill this worker process (SIGKILL); the pool starts a new one' }, 'kill');
    button.addEventListener('click', () => kill(pid, button));
    const values = {};
    const stats = el('dl', {});
    for (const name of ['CPU', 'RSS', 'calls', 'crashes', 'restarts']) {
      values[name] = el('dd', {});
      stats.append(el('dt', {}, name), values[name]);
    }
    const state = el('span', { class: 'state' });
    const card = el('div', { class: 'worker', 'data-pid': pid },
      el('div', { class: 'head' }, el('span', { class: 'pid' }, 'pid ' + pid), state), stats, button);
    return { card, state, values };
  }

  function drawWorkers(workers) {
    const box = $('workers');
    const seen = new Set(workers.map((w) => w.pid));
    for (const [pid, entry] of workerCards) {
      if (!seen.has(pid)) { entry.card.remove(); workerCards.delete(pid); }
    }
    box.querySelectorAll('.empty').forEach((n) => n.remove());
    if (!workers.length) {
      box.append(el('p', { class: 'empty' }, 'No workers running.'));
      return;
    }
    workers.forEach((w, index) => {
      let entry = workerCards.get(w.pid);
      if (!entry) { entry = workerCard(w.pid); workerCards.set(w.pid, entry); }
      entry.card.className = 'worker ' + w.state;
      entry.state.textContent = w.state;
      entry.values.CPU.textContent = pct(w.cpuPercent);
      entry.values.RSS.textContent = mib(w.rssBytes);
      entry.values.calls.textContent = w.callsDone;
      entry.values.crashes.textContent = w.crashes;
      entry.values.restarts.textContent = w.restarts;
      if (box.children[index] !== entry.card) box.insertBefore(entry.card, box.children[index] || null);
    });
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
    drawChart(s.throughput);
    drawWorkers(s.workers);
    drawJobs(s.jobs);
  });
})();
