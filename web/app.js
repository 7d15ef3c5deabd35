// The dashboard: reads the JSON API, follows GET /v1/events, and draws.
// The token is asked once and kept in sessionStorage (this tab only); a
// read token sees everything, an admin token also gets the controls.
import { Api, ApiError, followEvents } from './api.js';
import { FleetMap } from './fleetmap.js';
import { formatAge } from './format.js';
import {
  activeRollouts, applyEvent, applyFleet, applyRollout, cellState, createState, groupTenants, labelKeys,
} from './state.js';
import {
  auditRows, channelRows, el, historyRows, legend, releaseView, replace, rolloutCard, tenantDetail,
} from './views.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'rollcall.token';
const LIVE_EVERY_MS = 250;  // the live card redraws at most this often

const state = createState();
let api = null;
let stream = null;
let map = null;
let selected = null;
let shownRollout = '';  // a finished rollout opened from the history
let sort = { key: '', ascending: true };
let loading = true;
let buffered = [];
const dirty = { map: true, cells: new Set(), live: true, lists: true };
let frame = 0;
let lastLive = 0;
let liveTimer = 0;
const fetching = new Map();  // what is being read again, so events do not pile up requests
const again = new Set();     // asked for while being read: read once more after

function status(text, kind = '') {
  const node = $('conn');
  node.textContent = text;
  node.className = kind;
}

function showError(text) {
  const node = $('message');
  node.textContent = text;
  node.hidden = !text;
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function markAll() {
  dirty.map = dirty.live = dirty.lists = true;
  schedule();
}

// ---- reading ----

// One read of `key` at a time; a read asked for meanwhile runs once more
// after it (its answer may predate the event that asked).
async function once(key, fn) {
  if (fetching.has(key)) {
    again.add(key);
    return fetching.get(key);
  }
  const p = fn().finally(() => {
    fetching.delete(key);
    if (again.delete(key)) once(key, fn).catch(report);
  });
  fetching.set(key, p);
  return p;
}

async function readFleet() {
  return once('fleet', async () => {
    applyFleet(state, await api.get('/v1/fleet'));
    dirty.map = dirty.lists = true;
    schedule();
  });
}

async function readRollout(id) {
  return once(`rollout:${id}`, async () => {
    applyRollout(state, await api.get(`/v1/rollouts/${encodeURIComponent(id)}`));
    markAll();
  });
}

async function readChannels() {
  return once('channels', async () => {
    state.channels = (await api.get('/v1/channels')).channels || [];
    dirty.lists = true;
    schedule();
  });
}

async function readAudit() {
  const params = new URLSearchParams({ limit: '200' });
  if ($('audit-actor').value.trim()) params.set('actor', $('audit-actor').value.trim());
  if ($('audit-kind').value.trim()) params.set('kind', $('audit-kind').value.trim());
  state.audit = (await api.get(`/v1/audit?${params}`)).entries || [];
  dirty.lists = true;
  schedule();
}

async function readEverything() {
  const [fleet, listed] = await Promise.all([api.get('/v1/fleet'), api.get('/v1/rollouts?limit=50')]);
  applyFleet(state, fleet);
  for (const r of listed.rollouts || []) applyRollout(state, r);
  // Rows for what runs, and for the latest that ended (the tenants' last results).
  const ids = (listed.rollouts || []).filter((r) => ['pending', 'running', 'paused'].includes(r.state)).map((r) => r.id);
  const ended = (listed.rollouts || []).find((r) => !['pending', 'running', 'paused'].includes(r.state));
  if (ended) ids.push(ended.id);
  await Promise.all([...ids.map(readRollout), readChannels(), readAudit()]);
}

// ---- the event stream ----

function onEvent(e) {
  if (loading) {
    buffered.push(e);
    return;
  }
  handle(e);
}

function handle(e) {
  const want = applyEvent(state, e);
  const d = e.data || {};
  if (d.slug) dirty.cells.add(d.slug);
  if (e.event === 'tenant_started' || e.event === 'tenant_finished' || e.event === 'rollout_state') dirty.live = true;
  if (e.event === 'rollout_state' || e.event === 'audit') dirty.lists = true;
  if (want.rollout) readRollout(want.rollout).catch(report);
  if (want.fleet) readFleet().catch(report);
  if (want.channels) readChannels().catch(report);
  schedule();
}

function report(e) {
  if (e instanceof ApiError && e.status === 401) return signOut('the token was refused');
  showError(e.message || String(e));
}

// ---- drawing ----

function cellCounts() {
  const counts = {};
  for (const slug of state.tenants.keys()) {
    const c = cellState(state, slug);
    counts[c] = (counts[c] || 0) + 1;
  }
  return counts;
}

function render() {
  frame = 0;
  const now = Date.now();
  if (dirty.map) {
    const groupBy = $('group-by').value;
    const keys = labelKeys(state);
    const select = $('group-by');
    if (select.options.length !== keys.length + 1) {
      replace(select, el('option', { value: '' }, 'no grouping'), keys.map((k) => el('option', { value: k }, `by ${k}`)));
      select.value = keys.includes(groupBy) ? groupBy : '';
    }
    map.setGroups(groupTenants(state, select.value, $('filter-state').value, $('search').value));
    if (!window.rollcallFirstRender && state.tenants.size > 0) {
      window.rollcallFirstRender = performance.now();  // read by the load benchmark
      performance.mark('rollcall-first-render');
    }
  } else if (dirty.cells.size) {
    map.redraw(dirty.cells);
  }
  if (dirty.map || dirty.cells.size) {
    const counts = cellCounts();
    replace($('legend'), legend(counts));
    $('fleetmap').setAttribute('aria-label', `fleet map: ${state.tenants.size} tenants, ` +
      Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', '));
    replace($('detail'), tenantDetail(state, selected, selected ? cellState(state, selected) : ''));
  }
  if (dirty.live && now - lastLive < LIVE_EVERY_MS) {
    if (!liveTimer) {
      liveTimer = setTimeout(() => {
        liveTimer = 0;
        schedule();
      }, LIVE_EVERY_MS);
    }
  } else if (dirty.live) {
    lastLive = now;
    renderLive(now);
    dirty.live = false;
  }
  if (dirty.lists) renderLists(now);
  dirty.map = dirty.lists = false;
  dirty.cells.clear();
}

function renderLive(now) {
  const handlers = {
    control: (id, action) => control(id, action),
    sort: (key) => {
      sort = sort.key === key ? { key, ascending: !sort.ascending } : { key, ascending: true };
      dirty.live = true;
      schedule();
    },
  };
  const shown = [...activeRollouts(state)];  // a copy: the cache is shared
  let title = 'Running now';
  if (!shown.length) {
    const opened = shownRollout && state.rollouts.get(shownRollout);
    const latest = opened || [...state.rollouts.values()].filter((r) => r.created_at)
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
    if (latest) shown.push(latest);
    title = opened ? `Rollout ${opened.id}` : 'Last rollout';
  }
  $('live-title').textContent = shown.length ? title : 'No rollout yet';
  replace($('live'), shown.map((r) => rolloutCard(state, r, now, sort, handlers)));
}

function renderLists(now) {
  const listed = [...state.rollouts.values()].filter((r) => r.created_at)
    .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  replace($('history-body'), historyRows(listed.slice(0, 100), now));
  let onTarget = 0;
  let drifted = 0;
  let quarantined = 0;
  for (const slug of state.tenants.keys()) {
    const c = cellState(state, slug);
    if (c === 'on-target') onTarget += 1;
    if (c === 'drifted') drifted += 1;
    if (state.tenants.get(slug).quarantined) quarantined += 1;
  }
  replace($('release'), releaseView(state, { onTarget, drifted, quarantined, total: state.tenants.size }));
  replace($('channels-body'), channelRows(state.channels, openChannel));
  replace($('audit-body'), auditRows(state.audit));
  const banner = $('freeze');
  banner.hidden = !state.freeze;
  banner.textContent = state.freeze
    ? `Fleet frozen since ${state.freeze.since} (${formatAge(now - Date.parse(state.freeze.since))}): ${state.freeze.reason}` : '';
}

async function openChannel(name) {
  try {
    const c = await api.get(`/v1/channels/${encodeURIComponent(name)}`);
    replace($('channel-history'), el('h3', {}, `Promotions of ${name}`), el('table', {},
      el('thead', {}, el('tr', {}, ['Tag', 'Seq', 'Digest', 'Promoted', 'By', 'Rollback'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, [...(c.history || [])].reverse().map((p) => el('tr', {}, el('td', {}, p.tag), el('td', {}, p.seq ?? '-'),
        el('td', { class: 'digest' }, p.digest), el('td', {}, p.promoted_at), el('td', {}, p.created_by || '-'),
        el('td', {}, p.rollback ? `yes: ${p.reason || ''}` : 'no'))))));
  } catch (e) {
    report(e);
  }
}

async function control(id, action) {
  try {
    showError('');
    applyRollout(state, await api.post(`/v1/rollouts/${encodeURIComponent(id)}/${action}`));
    markAll();
  } catch (e) {
    report(e);
  }
}

// ---- signing in and out ----

function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (stream) stream.abort();
  $('app').hidden = true;
  $('login').hidden = false;
  $('signout').hidden = true;
  $('login-error').textContent = why || '';
}

async function start(token) {
  window.rollcallSignedIn = performance.now();  // the load benchmark times the first render from here
  api = new Api(token);
  let me;
  try {
    me = await api.get('/v1/whoami');
  } catch (e) {
    signOut(e instanceof ApiError && e.status === 401 ? 'rollcalld refused that token' : e.message);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.name = me.name;
  state.role = me.role;
  // A standby sends mutations on to the leader (307), another origin this
  // page may not call: its controls live on the leader's dashboard.
  const leader = await api.get('/v1/leader').catch(() => null);
  state.standby = leader && leader.role === 'standby' ? (leader.url || 'the leader') : '';
  const note = $('standby');
  note.hidden = !state.standby;
  note.textContent = state.standby ? `This controller is a standby: pause, resume and cancel on the leader's dashboard, ${state.standby}` : '';
  $('who').textContent = `${me.name} (${me.role})`;
  document.body.dataset.role = me.role;
  $('login').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  stream = new AbortController();
  loading = true;
  buffered = [];
  followEvents(api, () => state.lastEventId, onEvent, (s) => {
    if (s === 'unauthorized') return signOut('the token was refused');
    status(s === 'live' ? '● live' : '○ reconnecting…', s);
  }, () => readEverything().catch(report), stream.signal);
  try {
    await readEverything();
  } catch (e) {
    report(e);
  }
  loading = false;
  for (const e of buffered) handle(e);
  buffered = [];
  markAll();
}

function wire() {
  map = new FleetMap($('fleetmap'), (slug) => cellState(state, slug), (slug) => {
    selected = slug;
    replace($('detail'), tenantDetail(state, slug, slug ? cellState(state, slug) : ''));
  });
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    $('token').value = '';
    if (token) start(token);
  });
  $('signout').addEventListener('click', () => signOut(''));
  for (const id of ['group-by', 'filter-state']) $(id).addEventListener('change', () => { dirty.map = true; schedule(); });
  $('search').addEventListener('input', () => { dirty.map = true; schedule(); });
  $('search').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    // Draw the search's matches now: the map may not have caught up with
    // the last keystrokes yet.
    if (frame) cancelAnimationFrame(frame);
    dirty.map = true;
    render();
    const needle = $('search').value.trim().toLowerCase();
    const hit = map.order.find((slug) => slug === needle) || map.order[0];
    if (hit) map.select(hit);
  });
  $('audit-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    readAudit().catch(report);
  });
  $('history-body').addEventListener('click', (e) => {
    const id = e.target.dataset && e.target.dataset.open;
    if (!id) return;
    e.preventDefault();
    shownRollout = id;
    readRollout(id).then(() => $('live-section').scrollIntoView()).catch(report);
  });
  window.addEventListener('resize', () => { dirty.map = true; schedule(); });
  setInterval(() => { dirty.live = true; schedule(); }, 1000);  // the soak countdown and ages move
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) start(saved);
}

wire();
