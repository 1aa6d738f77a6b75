/* stormshift console: a small single-page app over the console's REST API. No framework: the
 * page re-renders its sections from the API on each live update (Server-Sent Events, checked every
 * 3 s by default, ?refresh=ms), or polls at that interval without them (?live=poll). Every
 * value comes from the API as is, so the page shows exactly what /jobs and /api/v1 answer. */
'use strict';

const params = new URLSearchParams(location.search);
const REFRESH_MS = Math.max(500, Number(params.get('refresh')) || 3000);
const app = document.getElementById('app');
let timer = null;
let refreshes = 0;
const history = new Map(); // jid -> { t: [], v: [] } throughput samples for the sparkline
let plot = null;

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path, init) {
  const res = await fetch(path, { headers: { 'content-type': 'application/json' }, ...init });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.errorMessage || `HTTP ${res.status}`);
  return body;
}

function fmt(n, digits = 0) {
  return typeof n === 'number'
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : String(n);
}
const pct = (r) => `${Math.round(r * 100)}%`;
const badge = (level) => h('span', { class: `badge ${level}` }, level);
const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');

function table(headers, rows, attrs) {
  return h(
    'table',
    attrs || {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

/** Asks before any action; resolves true only on Confirm. */
function confirmStep(text) {
  const box = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  box.hidden = false;
  return new Promise((resolve) => {
    const done = (ok) => {
      box.hidden = true;
      document.getElementById('confirm-ok').onclick = null;
      document.getElementById('confirm-cancel').onclick = null;
      resolve(ok);
    };
    document.getElementById('confirm-ok').onclick = () => done(true);
    document.getElementById('confirm-cancel').onclick = () => done(false);
  });
}

let lastMessage = null; // survives re-renders until the next action

function resultBox() {
  return h(
    'div',
    { id: 'action-result', class: lastMessage ? lastMessage.cls : '', 'data-testid': 'action-result' },
    lastMessage ? lastMessage.text : '',
  );
}

function showResult(cls, text) {
  lastMessage = { cls, text };
  document.getElementById('action-result')?.replaceWith(resultBox());
}

function actionButton(label, question, run, testid) {
  return h(
    'button',
    {
      type: 'button',
      'data-testid': testid,
      onclick: async (e) => {
        if (!(await confirmStep(question))) return;
        e.target.disabled = true;
        try {
          showResult('message', await run());
        } catch (err) {
          showResult('message error', `${label} failed: ${err.message}`);
        } finally {
          e.target.disabled = false;
          refresh();
        }
      },
    },
    label,
  );
}

// --- job list ---------------------------------------------------------------------------------

async function renderList() {
  const overview = await api('/jobs/overview');
  let runs = null;
  try {
    runs = (await api('/console/runs')).runs;
  } catch {
    /* not the standalone console */
  }
  document.getElementById('mode').textContent = runs ? 'all jobs on this machine' : '';
  const rows = [];
  for (const j of overview.jobs) rows.push(jobRow(j, ''));
  for (const run of runs || []) {
    for (const j of run.overview || []) rows.push(jobRow(j, run.url));
    if (!run.overview)
      rows.push(
        h(
          'tr',
          {},
          h('td', {}, run.jobs.map((j) => j.name).join(', ')),
          h('td', {}, 'no console'),
          h('td', {}, run.file),
          h('td', {}),
          h('td', {}),
        ),
      );
  }
  const parts = [
    h('h1', {}, 'Jobs'),
    table(['Job', 'State', 'Kind', 'Started', 'Tasks'], rows, { 'data-testid': 'job-list' }),
  ];
  if (runs) parts.push(startForm(runs));
  app.replaceChildren(...parts, resultBox());
}

function jobRow(j, base) {
  const href =
    j.kind === 'storm-topology' ? `#/topology/${encodeURIComponent(j.jid)}` : `#/job/${encodeURIComponent(j.jid)}`;
  return h(
    'tr',
    { 'data-jid': j.jid },
    h('td', {}, h('a', { href: base ? `${base}/${href}` : href }, j.name)),
    h('td', { class: 'state' }, j.state),
    h('td', {}, j.kind),
    h('td', {}, time(j['start-time'])),
    h('td', { class: 'num' }, j.tasks.total),
  );
}

let startFormEl = null; // built once, so a refresh never wipes what the user typed

async function loadSavepoints(select) {
  const chosen = select.value;
  const options = [h('option', { value: '' }, 'fresh start')];
  try {
    for (const s of (await api('/console/savepoints')).savepoints) {
      options.push(
        h(
          'option',
          { value: s.path, selected: s.path === chosen },
          `${s.job}: savepoint ${s.id} (${time(s.timestamp)})`,
        ),
      );
    }
  } catch {
    /* not the standalone console */
  }
  select.replaceChildren(...options);
}

function startForm(runs) {
  if (startFormEl) return startFormEl;
  const file = h('input', { name: 'file', placeholder: 'path/to/job.ts', 'data-testid': 'start-file' });
  const args = h('input', { name: 'args', placeholder: 'arguments (space separated)', 'data-testid': 'start-args' });
  const savepoint = h(
    'select',
    { name: 'restore', 'data-testid': 'start-savepoint', onfocus: () => loadSavepoints(savepoint) },
    h('option', { value: '' }, 'fresh start'),
  );
  void loadSavepoints(savepoint);
  startFormEl = h(
    'div',
    {},
    h('h2', {}, 'Start a job'),
    h(
      'form',
      {
        class: 'start',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!(await confirmStep(`Start ${file.value}${savepoint.value ? ' from the chosen savepoint' : ''}?`)))
            return;
          try {
            const r = await api('/console/start', {
              method: 'POST',
              body: JSON.stringify({
                file: file.value,
                args: args.value.split(' ').filter(Boolean),
                restore: savepoint.value,
              }),
            });
            showResult('message', `started pid ${r.pid} (log ${r.log})`);
          } catch (err) {
            showResult('message error', err.message);
          }
        },
      },
      file,
      args,
      savepoint,
      h('button', { type: 'submit', 'data-testid': 'start-submit' }, 'Start'),
      h('button', { type: 'button', onclick: () => loadSavepoints(savepoint) }, 'Reload savepoints'),
    ),
  );
  return startFormEl;
}

// --- job page (Flink-style) --------------------------------------------------------------------

function levelColor(v) {
  if (v['backpressure-level'] === 'high') return '#d64541';
  if (v['backpressure-level'] === 'low') return '#e0a526';
  // Busy shades the node from white to blue when it is not backpressured.
  const b = Math.min(1, v.busyRatio);
  return `rgb(${Math.round(255 - 120 * b)}, ${Math.round(255 - 90 * b)}, 255)`;
}

function graph(job) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 20, ranksep: 60, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const v of job.vertices) g.setNode(v.id, { width: 170, height: 58, v });
  for (const n of job.plan.nodes) for (const i of n.inputs) g.setEdge(i.id, n.id, { label: i.ship_strategy });
  dagre.layout(g);
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', String(g.graph().width + 20));
  svg.setAttribute('height', String(g.graph().height + 20));
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  for (const e of g.edges()) {
    const pts = g.edge(e).points;
    svg.append(
      el('polyline', {
        points: pts.map((p) => `${p.x},${p.y}`).join(' '),
        fill: 'none',
        stroke: '#8a93a3',
        'stroke-width': 1.5,
      }),
    );
  }
  for (const id of g.nodes()) {
    const n = g.node(id);
    const v = n.v;
    const group = el('g', {
      'data-testid': `node-${v.id}`,
      'data-level': v['backpressure-level'],
      transform: `translate(${n.x - n.width / 2},${n.y - n.height / 2})`,
    });
    group.append(el('rect', { width: n.width, height: n.height, rx: 6, fill: levelColor(v), stroke: '#4b5563' }));
    group.append(
      el('text', { x: 8, y: 18, 'font-weight': 600 }, v.name.length > 24 ? `${v.name.slice(0, 23)}…` : v.name),
    );
    group.append(el('text', { x: 8, y: 35 }, `busy ${pct(v.busyRatio)} · bp ${pct(v.backPressuredRatio)}`));
    group.append(el('text', { x: 8, y: 51 }, `×${v.parallelism} · out ${fmt(v.metrics['write-records'])}`));
    svg.append(group);
  }
  return svg;
}

function sparkline(jid, job) {
  const series = history.get(jid) || { t: [], v: [] };
  history.set(jid, series);
  const rate = job.vertices
    .filter((v) => job.plan.nodes.find((n) => n.id === v.id && n.operator === 'Source'))
    .reduce((a, v) => a + v.metrics['write-records-per-second'], 0);
  series.t.push(Date.now() / 1000);
  series.v.push(rate);
  if (series.t.length > 120) {
    series.t.shift();
    series.v.shift();
  }
  const box = h('div', { id: 'sparkline', 'data-testid': 'sparkline' });
  const opts = {
    width: 520,
    height: 140,
    legend: { show: false },
    series: [{}, { label: 'records/s', stroke: '#2563eb', fill: 'rgba(37,99,235,.12)' }],
    axes: [{}, { size: 60 }],
  };
  plot?.destroy();
  plot = new uPlot(opts, [series.t, series.v], box);
  return h('div', {}, h('h2', {}, `Throughput (source records/s): ${fmt(rate, 1)}`), box);
}

async function renderJob(jid) {
  const base = `/jobs/${encodeURIComponent(jid)}`;
  const [job, cps, exc] = await Promise.all([api(base), api(`${base}/checkpoints`), api(`${base}/exceptions`)]);
  const marks = await Promise.all(job.vertices.map((v) => api(`${base}/vertices/${v.id}/watermarks`).catch(() => [])));
  const running = job.state === 'RUNNING';
  const buttons = [
    actionButton(
      'Trigger checkpoint',
      `Trigger a checkpoint of ${job.name}?`,
      async () =>
        `checkpoint ${(await api(`${base}/checkpoints`, { method: 'POST' })).operation.checkpointId} completed`,
      'btn-checkpoint',
    ),
    actionButton(
      'Savepoint',
      `Take a savepoint of ${job.name}?`,
      async () =>
        `savepoint written to ${(await api(`${base}/savepoints`, { method: 'POST', body: '{}' })).operation.location}`,
      'btn-savepoint',
    ),
    actionButton(
      'Stop with savepoint',
      `Take a savepoint of ${job.name}, then stop it?`,
      async () =>
        `stopped; savepoint at ${(await api(`${base}/stop`, { method: 'POST', body: '{}' })).operation.location}`,
      'btn-stop',
    ),
    actionButton(
      'Cancel',
      `Cancel ${job.name} without a savepoint?`,
      async () => (await api(`${base}/cancel`, { method: 'POST' }), 'cancelled'),
      'btn-cancel',
    ),
  ];
  if (job.kind === 'storm-topology') {
    const topo = `/api/v1/topology/${encodeURIComponent(jid)}`;
    buttons.push(
      actionButton(
        'Deactivate',
        `Deactivate ${job.name} (spouts stop emitting)?`,
        async () => (await api(`${topo}/deactivate`, { method: 'POST' })).status,
        'btn-deactivate',
      ),
    );
    buttons.push(
      actionButton(
        'Activate',
        `Activate ${job.name}?`,
        async () => (await api(`${topo}/activate`, { method: 'POST' })).status,
        'btn-activate',
      ),
    );
  }
  for (const b of buttons) b.disabled = !running;
  const vertexRows = job.vertices.map((v) =>
    h(
      'tr',
      { 'data-vertex': v.id },
      h('td', {}, v.name),
      h('td', { class: 'num' }, v.parallelism),
      h('td', { class: 'num', 'data-field': 'read-records' }, v.metrics['read-records']),
      h('td', { class: 'num', 'data-field': 'write-records' }, v.metrics['write-records']),
      h('td', { class: 'num' }, fmt(v.metrics['write-records-per-second'], 1)),
      h('td', { class: 'num', 'data-field': 'busy' }, pct(v.busyRatio)),
      h('td', { class: 'num', 'data-field': 'backpressure' }, pct(v.backPressuredRatio)),
      h('td', { 'data-field': 'level' }, badge(v['backpressure-level'])),
    ),
  );
  const cpRows = cps.history.map((c) =>
    h(
      'tr',
      {},
      h('td', {}, c.id ?? '-'),
      h('td', {}, c.status),
      h('td', {}, time(c.latest_ack_timestamp)),
      h('td', { class: 'num' }, fmt(c.end_to_end_duration)),
      h('td', { class: 'num' }, fmt(c.state_size)),
      h('td', {}, c.failure_message || ''),
    ),
  );
  const wmRows = job.vertices.flatMap((v, i) =>
    marks[i].map((m) =>
      h(
        'tr',
        {},
        h('td', {}, v.name),
        h('td', {}, m.id.split('.')[0]),
        h('td', {}, m.value === null ? 'none yet' : new Date(m.value).toISOString()),
      ),
    ),
  );
  const excRows = exc.exceptionHistory.entries.map((e) =>
    h(
      'tr',
      {},
      h('td', {}, time(e.timestamp)),
      h('td', {}, e.exceptionName),
      h('td', {}, e.message),
      h('td', {}, e.taskName || ''),
    ),
  );
  const links =
    job.kind === 'storm-topology'
      ? h('a', { href: `#/topology/${encodeURIComponent(jid)}` }, 'Storm topology page')
      : null;
  // What the ratios on this render cover, for readers that must know (tests, the curious).
  document.body.dataset.ratiosFrom = String(job['ratios-from'] ?? '');
  app.replaceChildren(
    h('h1', {}, job.name, ' ', h('span', { class: 'state', 'data-testid': 'job-state' }, job.state), ' ', links),
    h('div', { class: 'toolbar' }, buttons),
    resultBox(),
    h('div', { class: 'grid' }, h('div', { id: 'graph' }, graph(job)), sparkline(jid, job)),
    h('h2', {}, 'Operators'),
    table(
      ['Vertex', 'Parallelism', 'Records in', 'Records out', 'Out/s', 'Busy', 'Backpressured', 'Level'],
      vertexRows,
      { 'data-testid': 'vertices' },
    ),
    h('h2', {}, `Checkpoints: ${cps.counts.completed} completed, ${cps.counts.failed} failed`),
    table(['ID', 'Status', 'Acknowledged', 'Duration (ms)', 'Size (bytes)', 'Failure'], cpRows, {
      'data-testid': 'checkpoints',
    }),
    h('h2', {}, 'Watermarks'),
    table(['Vertex', 'Subtask', 'Input watermark'], wmRows),
    h('h2', {}, 'Exceptions'),
    table(['Time', 'Exception', 'Message', 'Task'], excRows, { 'data-testid': 'exceptions' }),
  );
}

// --- Storm topology page ----------------------------------------------------------------------

let stormWindow = ':all-time';

async function renderTopology(id) {
  const t = await api(`/api/v1/topology/${encodeURIComponent(id)}?window=${encodeURIComponent(stormWindow)}`);
  const select = h(
    'select',
    {
      'data-testid': 'window',
      onchange: (e) => {
        stormWindow = e.target.value;
        refresh();
      },
    },
    t.topologyStats.map((s) => h('option', { value: s.window, selected: s.window === stormWindow }, s.windowPretty)),
  );
  const summary = table(
    ['Name', 'Id', 'Status', 'Uptime', 'Workers', 'Executors', 'Tasks', 'Msg timeout'],
    [
      h(
        'tr',
        {},
        h('td', {}, t.name),
        h('td', {}, t.id),
        h('td', { 'data-testid': 'topology-status' }, t.status),
        h('td', {}, t.uptime),
        h('td', { class: 'num' }, t.workersTotal),
        h('td', { class: 'num' }, t.executorsTotal),
        h('td', { class: 'num' }, t.tasksTotal),
        h('td', { class: 'num' }, t.msgTimeout),
      ),
    ],
  );
  const stats = table(
    ['Window', 'Emitted', 'Transferred', 'Complete latency (ms)', 'Acked', 'Failed'],
    t.topologyStats.map((s) =>
      h(
        'tr',
        {},
        h('td', {}, s.windowPretty),
        h('td', { class: 'num' }, s.emitted),
        h('td', { class: 'num' }, s.transferred),
        h('td', { class: 'num' }, s.completeLatency),
        h('td', { class: 'num' }, s.acked),
        h('td', { class: 'num' }, s.failed),
      ),
    ),
  );
  const spouts = table(
    ['Id', 'Executors', 'Tasks', 'Emitted', 'Transferred', 'Complete latency (ms)', 'Acked', 'Failed', 'Last error'],
    t.spouts.map((s) =>
      h(
        'tr',
        { 'data-component': s.spoutId },
        h('td', {}, s.spoutId),
        h('td', { class: 'num' }, s.executors),
        h('td', { class: 'num' }, s.tasks),
        h('td', { class: 'num', 'data-field': 'emitted' }, s.emitted),
        h('td', { class: 'num', 'data-field': 'transferred' }, s.transferred),
        h('td', { class: 'num' }, s.completeLatency),
        h('td', { class: 'num', 'data-field': 'acked' }, s.acked),
        h('td', { class: 'num', 'data-field': 'failed' }, s.failed),
        h('td', {}, s.lastError),
      ),
    ),
    { 'data-testid': 'spouts' },
  );
  const bolts = table(
    [
      'Id',
      'Executors',
      'Tasks',
      'Emitted',
      'Transferred',
      'Capacity',
      'Execute latency (ms)',
      'Executed',
      'Process latency (ms)',
      'Acked',
      'Failed',
      'Last error',
    ],
    t.bolts.map((b) =>
      h(
        'tr',
        { 'data-component': b.boltId },
        h('td', {}, b.boltId),
        h('td', { class: 'num' }, b.executors),
        h('td', { class: 'num' }, b.tasks),
        h('td', { class: 'num', 'data-field': 'emitted' }, b.emitted),
        h('td', { class: 'num', 'data-field': 'transferred' }, b.transferred),
        h('td', { class: 'num', 'data-field': 'capacity' }, b.capacity),
        h('td', { class: 'num' }, b.executeLatency),
        h('td', { class: 'num', 'data-field': 'executed' }, b.executed),
        h('td', { class: 'num' }, b.processLatency),
        h('td', { class: 'num', 'data-field': 'acked' }, b.acked),
        h('td', { class: 'num', 'data-field': 'failed' }, b.failed),
        h('td', {}, b.lastError),
      ),
    ),
    { 'data-testid': 'bolts' },
  );
  const topo = `/api/v1/topology/${encodeURIComponent(id)}`;
  const alive = t.status !== 'KILLED';
  const buttons = [
    actionButton(
      'Activate',
      `Activate ${t.name}?`,
      async () => (await api(`${topo}/activate`, { method: 'POST' })).status,
      'btn-activate',
    ),
    actionButton(
      'Deactivate',
      `Deactivate ${t.name}?`,
      async () => (await api(`${topo}/deactivate`, { method: 'POST' })).status,
      'btn-deactivate',
    ),
    actionButton(
      'Kill',
      `Kill ${t.name} (wait 0 s)?`,
      async () => (await api(`${topo}/kill/0`, { method: 'POST' })).status,
      'btn-kill',
    ),
  ];
  for (const b of buttons) b.disabled = !alive;
  app.replaceChildren(
    h('h1', {}, `Topology ${t.name} `, h('a', { href: `#/job/${encodeURIComponent(id)}` }, 'job graph')),
    h('div', { class: 'toolbar' }, buttons, h('span', { class: 'muted' }, 'Window: '), select),
    resultBox(),
    h('h2', {}, 'Topology summary'),
    summary,
    h('h2', {}, 'Topology stats'),
    stats,
    h('h2', {}, `Spouts (${t.windowHint})`),
    spouts,
    h('h2', {}, `Bolts (${t.windowHint})`),
    bolts,
  );
}

// --- routing and refresh ------------------------------------------------------------------------
// Live updates: the server announces changed numbers on an EventSource stream (GET /events, checked
// at the refresh interval) and the page re-renders then. Without EventSource, with ?live=poll, or
// while the stream is down, the page polls every REFRESH_MS instead.

let live = 'poll'; // 'sse' while the event stream is open
let rendering = null;
let again = null;

function showLiveMode() {
  document.body.dataset.live = live;
  const el = document.getElementById('live');
  el.textContent = live === 'sse' ? 'live' : `polling every ${REFRESH_MS / 1000} s`;
}

async function refresh(cause = 'poll') {
  // One render at a time; an update arriving meanwhile renders once more afterwards.
  if (rendering) {
    again = cause;
    return rendering;
  }
  clearTimeout(timer);
  timer = null;
  rendering = render();
  try {
    await rendering;
  } finally {
    rendering = null;
  }
  refreshes++;
  document.body.dataset.refreshes = String(refreshes);
  document.body.dataset.lastUpdate = cause;
  document.getElementById('refreshed').textContent = `refreshed ${new Date().toLocaleTimeString()}`;
  if (live !== 'sse') timer = setTimeout(() => refresh('poll'), REFRESH_MS);
  if (again !== null) {
    const next = again;
    again = null;
    refresh(next);
  }
}

async function render() {
  const route = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (route[0] === 'job' && route[1]) await renderJob(route[1]);
    else if (route[0] === 'topology' && route[1]) await renderTopology(route[1]);
    else await renderList();
  } catch (err) {
    // The last action's outcome stays: a stop ends the process that served this page.
    app.replaceChildren(resultBox(), h('div', { class: 'message error' }, `Cannot load: ${err.message}`));
  }
}

function connectLive() {
  if (params.get('live') === 'poll' || typeof EventSource !== 'function') return;
  const events = new EventSource(`/events?interval=${REFRESH_MS}`);
  events.addEventListener('open', () => {
    live = 'sse';
    clearTimeout(timer);
    timer = null;
    showLiveMode();
  });
  events.addEventListener('update', () => refresh('sse'));
  // EventSource reconnects by itself; until it does (or for good, once it gave up), poll.
  events.addEventListener('error', () => {
    if (live !== 'sse') return;
    live = 'poll';
    showLiveMode();
    if (!timer && !rendering) timer = setTimeout(() => refresh('poll'), REFRESH_MS);
  });
}

addEventListener('hashchange', () => {
  plot?.destroy();
  plot = null;
  refresh('navigation');
});
showLiveMode();
connectLive();
refresh('load');
