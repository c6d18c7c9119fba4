// Spindle's pools, live. Every element with data-spindle-pools="ROOT/" becomes a view of the pools of the dashboard
// mounted at ROOT/: one EventSource on ROOT/api/events, and for each pool a card with tiles, a calls/s chart and a
// card per worker. Built with DOM calls and textContent only (no innerHTML with data), so nothing the server relays
// can inject markup. SpindleDashboard.el and SpindleDashboard.drawChart serve pages that show more than pools.
'use strict';
window.SpindleDashboard = (function () {
  const SVG = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v; else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function mib(bytes) { return bytes == null ? '–' : (bytes / 1048576).toFixed(1) + ' MiB'; }
  function pct(value) { return value == null ? '–' : value.toFixed(0) + ' %'; }

  // A chart of points {time, perSecond} over the last minute, in a figure holding an svg and .peak and .now labels.
  function drawChart(figure, points, unit) {
    const chart = figure.querySelector('svg');
    const width = 600, height = 160, top = 14, span = 60000;
    const now = points.length ? Date.parse(points[points.length - 1].time) : Date.now();
    const max = Math.max(1, ...points.map((p) => p.perSecond)) * 1.15;
    const x = (t) => width - ((now - t) / span) * width;
    const y = (v) => height - (v / max) * (height - top);
    chart.replaceChildren();
    for (const f of [0.25, 0.5, 0.75]) {
      chart.append(svg('line', { class: 'grid', x1: 0, x2: width, y1: y(max * f), y2: y(max * f) }));
    }
    const visible = points.filter((p) => now - Date.parse(p.time) <= span);
    if (visible.length > 1) {
      const coords = visible.map((p) => x(Date.parse(p.time)).toFixed(1) + ',' + y(p.perSecond).toFixed(1));
      const first = x(Date.parse(visible[0].time)).toFixed(1), last = x(Date.parse(visible[visible.length - 1].time)).toFixed(1);
      chart.append(
        svg('polygon', { class: 'area', points: coords.join(' ') + ' ' + last + ',' + height + ' ' + first + ',' + height }),
        svg('polyline', { class: 'line', points: coords.join(' ') }));
    }
    figure.querySelector('.peak').textContent = 'peak ' + (max / 1.15).toFixed(1) + ' ' + unit;
    figure.querySelector('.now').textContent = 'now: ' + (points.length ? points[points.length - 1].perSecond : 0).toFixed(1) + ' ' + unit;
  }

  function chartFigure(label) {
    const chart = svg('svg', { viewBox: '0 0 600 160', preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
    return el('figure', { class: 'chart' }, chart,
      el('p', { class: 'axis' }, el('span', {}, '−60 s'), el('span', { class: 'peak' }, 'peak –'), el('span', { class: 'now' }, 'now: –')));
  }

  const TILES = [['workers', 'workers'], ['busy', 'busy'], ['queued', 'calls queued'], ['calls', 'calls done'],
    ['rate', 'calls/s'], ['crashes', 'crashes'], ['restarts', 'restarts'], ['retries', 'retries']];

  // One view of the pools of the dashboard mounted at root.
  function mount(box) {
    const root = box.dataset.spindlePools;
    const readOnly = box.dataset.readOnly === 'true';
    const live = box.dataset.live ? document.getElementById(box.dataset.live) : null;
    const sections = new Map();

    // A pool's key encoded twice, dots too: the server decodes a path once but keeps %2F, and a '.' or '..' segment,
    // escaped once or not, would be dropped on the way (PoolKeySegment.cs).
    function poolSegment(pool) {
      return encodeURIComponent(encodeURIComponent(pool).replaceAll('.', '%2E'));
    }

    function kill(pool, pid, button) {
      button.disabled = true;
      fetch(root + 'api/pools/' + poolSegment(pool) + '/workers/' + pid + '/kill', { method: 'POST' })
        .then((r) => { button.textContent = r.ok ? 'killed' : 'gone'; })
        .catch(() => { button.textContent = 'failed'; });
    }

    function order(pool, agent, what, button) {
      button.disabled = true;
      fetch(root + 'api/pools/' + poolSegment(pool) + '/agents/' + encodeURIComponent(agent) + '/' + what, { method: 'POST' })
        .then((r) => { button.textContent = r.ok ? (what === 'drain' ? 'draining' : 'killed') : 'gone'; })
        .catch(() => { button.textContent = 'failed'; });
    }

    function poolSection(pool) {
      const tiles = {};
      const tileBox = el('div', { class: 'tiles' });
      for (const [name, label] of TILES) {
        tiles[name] = el('b', {}, '–');
        tileBox.append(el('div', { class: 'tile', 'data-tile': name }, tiles[name], el('span', {}, label)));
      }
      const title = el('small', {});
      const chart = chartFigure('calls per second of pool ' + pool.name + ' over time');
      const workers = el('div', { class: 'workers' });
      const agents = el('div', { class: 'agents' });
      const section = el('section', { class: 'card pool', 'data-pool': pool.key },
        el('h2', {}, pool.name + ' ', title), tileBox, chart, workers);
      if (pool.agents) section.append(el('h3', {}, 'Agents'), agents);
      return { section, title, tiles, chart, workers, agents, cards: new Map(), agentCards: new Map() };
    }

    // Cards are kept per worker and updated in place: rebuilding them twice a second would swallow a click that lands
    // between mouse-down and mouse-up.
    function workerCard(pool, w) {
      // A cluster pool's workers are slots for calls in flight on agents: no pid here, nothing to kill (agents are).
      const process = pool.isolation === 'process' && !pool.agents;
      const values = {};
      const stats = el('dl', {});
      for (const name of process ? ['CPU', 'RSS', 'calls', 'crashes', 'restarts'] : ['calls', 'crashes', 'restarts']) {
        values[name] = el('dd', {});
        stats.append(el('dt', {}, name), values[name]);
      }
      const state = el('span', { class: 'state' });
      const attrs = { class: 'worker', 'data-worker': w.id };
      if (process) attrs['data-pid'] = w.pid;
      const label = process ? 'pid ' + w.pid : pool.agents ? 'slot ' + w.id : 'thread ' + w.id;
      const card = el('div', attrs, el('div', { class: 'head' }, el('span', { class: 'pid' }, label), state), stats);
      if (process && !readOnly) {
        const button = el('button', { type: 'button', class: 'kill', title: 'Kill this worker process (SIGKILL); the pool starts a new one' }, 'kill');
        button.addEventListener('click', () => kill(pool.key, w.pid, button));
        card.append(button);
      }
      return { card, state, values };
    }

    function drawWorkers(entry, pool) {
      const seen = new Set(pool.workers.map((w) => w.id));
      for (const [id, card] of entry.cards) {
        if (!seen.has(id)) { card.card.remove(); entry.cards.delete(id); }
      }
      entry.workers.querySelectorAll('.empty').forEach((n) => n.remove());
      if (!pool.workers.length) {
        entry.workers.append(el('p', { class: 'empty' }, 'No workers running.'));
        return;
      }
      pool.workers.forEach((w, index) => {
        let card = entry.cards.get(w.id);
        if (!card) { card = workerCard(pool, w); entry.cards.set(w.id, card); }
        card.card.className = 'worker ' + w.state;
        card.state.textContent = w.state;
        if (card.values.CPU) card.values.CPU.textContent = pct(w.cpuPercent);
        if (card.values.RSS) card.values.RSS.textContent = mib(w.rssBytes);
        card.values.calls.textContent = w.callsDone;
        card.values.crashes.textContent = w.crashes;
        card.values.restarts.textContent = w.restarts;
        if (entry.workers.children[index] !== card.card) entry.workers.insertBefore(card.card, entry.workers.children[index] || null);
      });
    }

    // A cluster pool's agents: a card per agent (kept and updated in place, as worker cards are), with its worker
    // processes and, unless read-only, drain and kill buttons.
    const AGENT_STATS = ['host', 'cores', 'busy', 'CPU', 'RSS', 'calls', 'crashes', 'heartbeat'];

    function agentCard(pool, a) {
      const values = {};
      const stats = el('dl', {});
      for (const name of AGENT_STATS) {
        values[name] = el('dd', {});
        stats.append(el('dt', {}, name), values[name]);
      }
      const processes = el('ul', { class: 'processes' });
      const card = el('div', { class: 'agent', 'data-agent': a.name }, el('div', { class: 'head' }, el('span', { class: 'pid' }, a.name)), stats, processes);
      if (!readOnly) {
        const drain = el('button', { type: 'button', class: 'drain', title: 'Stop fetching calls, finish the ones it holds, leave the cluster, exit 0' }, 'drain');
        const kill = el('button', { type: 'button', class: 'kill', title: 'Stop now, with its worker processes: their calls are retried elsewhere' }, 'kill');
        drain.addEventListener('click', () => order(pool.key, a.name, 'drain', drain));
        kill.addEventListener('click', () => order(pool.key, a.name, 'kill', kill));
        card.append(el('div', { class: 'actions' }, drain, kill));
      }
      return { card, values, processes };
    }

    function drawAgents(entry, pool) {
      const list = pool.agents.list;
      const seen = new Set(list.map((a) => a.name));
      for (const [name, card] of entry.agentCards) {
        if (!seen.has(name)) { card.card.remove(); entry.agentCards.delete(name); }
      }
      entry.agents.querySelectorAll('.empty').forEach((n) => n.remove());
      if (pool.agents.error) entry.agents.append(el('p', { class: 'empty' }, pool.agents.error));
      if (!list.length) entry.agents.append(el('p', { class: 'empty' }, 'No agents registered: start one with spindle agent.'));
      list.forEach((a, index) => {
        let card = entry.agentCards.get(a.name);
        if (!card) { card = agentCard(pool, a); entry.agentCards.set(a.name, card); }
        const v = card.values;
        v.host.textContent = a.host;
        v.cores.textContent = a.cores;
        v.busy.textContent = a.busy + '/' + a.workers;
        v.CPU.textContent = pct(a.cpuPercent);
        v.RSS.textContent = mib(a.rssBytes);
        v.calls.textContent = a.callsDone;
        v.crashes.textContent = a.crashes;
        v.heartbeat.textContent = Math.max(0, (Date.now() - Date.parse(a.heartbeat)) / 1000).toFixed(0) + ' s ago';
        card.processes.replaceChildren(...a.workerProcesses.map((w) =>
          el('li', { 'data-pid': w.pid }, 'pid ' + w.pid + ' · ' + (w.busy ? 'busy' : 'idle') + ' · ' + pct(w.cpuPercent) + ' · ' + mib(w.rssBytes) + ' · ' + w.callsDone + ' calls')));
        if (entry.agents.children[index] !== card.card) entry.agents.insertBefore(card.card, entry.agents.children[index] || null);
      });
    }

    function drawPool(entry, pool) {
      const t = entry.tiles;
      entry.title.textContent = pool.isolation + ' pool · ' + pool.state;
      t.workers.textContent = pool.workers.filter((w) => w.state !== 'abandoned').length + '/' + pool.maxWorkers;
      t.busy.textContent = pool.workers.filter((w) => w.state === 'busy').length;
      t.queued.textContent = pool.queuedCalls;
      t.calls.textContent = pool.totals.callsDone;
      t.rate.textContent = (pool.throughput.length ? pool.throughput[pool.throughput.length - 1].perSecond : 0).toFixed(1);
      t.crashes.textContent = pool.totals.crashes;
      t.restarts.textContent = pool.totals.restarts;
      t.retries.textContent = pool.totals.retries;
      drawChart(entry.chart, pool.throughput, 'calls/s');
      drawWorkers(entry, pool);
      if (pool.agents) drawAgents(entry, pool);
    }

    function draw(status) {
      const seen = new Set(status.pools.map((p) => p.key));
      for (const [key, entry] of sections) {
        if (!seen.has(key)) { entry.section.remove(); sections.delete(key); }
      }
      box.querySelectorAll(':scope > .empty').forEach((n) => n.remove());
      if (!status.pools.length) box.append(el('p', { class: 'empty' }, 'No pools to show.'));
      status.pools.forEach((pool, index) => {
        let entry = sections.get(pool.key);
        if (!entry) { entry = poolSection(pool); sections.set(pool.key, entry); }
        drawPool(entry, pool);
        if (box.children[index] !== entry.section) box.insertBefore(entry.section, box.children[index] || null);
      });
      const app = { pid: status.app.pid, cpu: pct(status.app.cpuPercent), rss: mib(status.app.rssBytes), threads: status.app.threadPoolThreads };
      for (const [name, value] of Object.entries(app)) {
        document.querySelectorAll('[data-app=' + name + ']').forEach((n) => { n.textContent = value; });
      }
    }

    const events = new EventSource(root + 'api/events');
    if (live) {
      events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'pill on'; });
      events.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.className = 'pill off'; });
    }
    events.addEventListener('status', (e) => draw(JSON.parse(e.data)));
  }

  document.querySelectorAll('[data-spindle-pools]').forEach(mount);
  return { el, drawChart };
})();
