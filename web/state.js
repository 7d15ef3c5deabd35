// The dashboard's state and the rules that read it: a plain object updated
// by the API's answers and the fleet-wide event stream (GET /v1/events).
// Pure, so node --test covers it; applying the same event twice changes
// nothing (counts are derived from rows, never incremented), which makes a
// replay after a reconnect safe.

const ACTIVE = new Set(['pending', 'running', 'paused']);
const PROBLEM_STATUSES = new Set(['Failed', 'TimedOut', 'Unhealthy', 'OffTarget']);

export function createState() {
  return {
    name: '',          // the token's name
    role: '',          // "admin" or "read"
    standby: '',       // the leader's URL when this controller is a standby
    tenants: new Map(),  // slug -> the /v1/fleet entry (+ labels)
    desired: null,     // the desired release
    freeze: null,      // {reason, since} or null
    rollouts: new Map(),  // id -> rollout (header; rows in .rows: slug -> row)
    channels: [],
    audit: [],         // newest first
    lastEventId: 0,
    lastRow: new Map(),  // slug -> {row, rollout_id}: the latest result row seen
    active: null,        // activeRollouts' cache; null once a rollout's state moved
  };
}

function rollout(state, id) {
  let r = state.rollouts.get(id);
  if (!r) {
    statesMoved(state);
    r = { id, state: 'pending', enumerated: [], rows: new Map(), inFlight: new Set(), stragglers: [], partial: true };
    state.rollouts.set(id, r);
  }
  return r;
}

function recordRow(state, r, row) {
  r.rows.set(row.slug, row);
  r.inFlight.delete(row.slug);
  const seen = state.lastRow.get(row.slug);
  if (!seen || seen.rollout_id === r.id || (seen.at || '') <= (row.finished_at || '')) {
    state.lastRow.set(row.slug, { row, rollout_id: r.id, at: row.finished_at || '' });
  }
}

// GET /v1/fleet (with labels).
export function applyFleet(state, fleet) {
  state.desired = fleet.desired_release || null;
  state.freeze = fleet.freeze || null;
  const seen = new Set();
  for (const t of fleet.tenants || []) {
    state.tenants.set(t.slug, t);
    seen.add(t.slug);
  }
  for (const slug of [...state.tenants.keys()]) if (!seen.has(slug)) state.tenants.delete(slug);
}

// A rollout as GET /v1/rollouts/{id} answers (with results) or as listed
// (GET /v1/rollouts: counts, no rows).
export function applyRollout(state, json) {
  const r = rollout(state, json.id);
  // An answer read before the rollout's end arrived never undoes the end.
  const ended = !ACTIVE.has(r.state);
  if (ended && ACTIVE.has(json.state)) json = { ...json, state: r.state };
  for (const key of ['release', 'policy', 'state', 'error', 'created_by', 'created_at', 'started_at', 'finished_at',
    'rollback', 'reason', 'recovery', 'counts', 'verified', 'tenants']) {
    if (key in json) r[key] = json[key];
  }
  if (Array.isArray(json.stragglers)) r.stragglers = json.stragglers;
  if (Array.isArray(json.enumerated)) {
    r.enumerated = json.enumerated;
    r.planned = new Set(json.enumerated);
  }
  if (Array.isArray(json.results)) {
    r.partial = false;
    for (const row of json.results) recordRow(state, r, row);
  }
  if (!ACTIVE.has(r.state)) r.inFlight.clear();
  statesMoved(state);
  return r;
}

// One event of GET /v1/events. Returns what to fetch again: {fleet,
// channels, rollout: id} flags, for what events only announce.
export function applyEvent(state, event) {
  const want = {};
  if (event.id && event.id <= state.lastEventId) return want;  // a replay after a reconnect
  if (event.id) state.lastEventId = event.id;
  const d = event.data || {};
  switch (event.event) {
    case 'tenant_started': {
      const r = rollout(state, d.rollout_id);
      if (!r.rows.has(d.slug)) r.inFlight.add(d.slug);
      if (r.partial && !r.release) want.rollout = d.rollout_id;
      break;
    }
    case 'tenant_finished': {
      const r = rollout(state, d.rollout_id);
      const row = d.result || d;
      recordRow(state, r, row);
      if (r.partial && !r.release) want.rollout = d.rollout_id;
      break;
    }
    case 'rollout_state': {
      const r = rollout(state, d.rollout_id);
      const fresh = !r.release;
      if (fresh) want.fleet = true;  // a new rollout may have moved the desired release
      r.state = d.state;
      statesMoved(state);
      if ('error' in d) r.error = d.error;
      if (Array.isArray(d.stragglers)) r.stragglers = d.stragglers;
      if (!ACTIVE.has(r.state)) {
        r.inFlight.clear();
        want.rollout = d.rollout_id;  // its final header and rows
        want.fleet = true;            // running images, quarantine
      } else if (fresh) {
        want.rollout = d.rollout_id;
      }
      break;
    }
    case 'quarantine': {
      const t = state.tenants.get(d.slug);
      if (t) {
        t.quarantined = !!d.quarantined;
        t.quarantine_reason = d.quarantined ? d.reason : null;
      }
      break;
    }
    case 'drift': {
      const t = state.tenants.get(d.slug);
      if (t) {
        t.observed = { ...(t.observed || {}), state: d.state, since: d.since, detail: d.detail, image: d.image };
      }
      break;
    }
    case 'audit':
      state.audit.unshift(d);
      if (state.audit.length > 500) state.audit.length = 500;
      break;
    case 'fleet':  // the registry or the freeze changed
      want.fleet = true;
      break;
    case 'channel':
      want.channels = true;
      break;
    default:
      break;
  }
  return want;
}

function active(state, id) {
  const r = state.rollouts.get(id);
  return !!r && ACTIVE.has(r.state);
}

// What a fleet-map cell shows, most urgent first: cordoned, in flight,
// quarantined, failed, waiting its turn, drifted, on target, unknown.

export function cellState(state, slug) {
  const t = state.tenants.get(slug);
  if (!t) return 'unknown';
  if (t.state === 'cordoned') return 'cordoned';
  const running = activeRollouts(state);  // a few at most: every cell asks
  for (const r of running) if (r.inFlight.has(slug)) return 'in-flight';
  if (t.quarantined) return 'quarantined';
  const last = state.lastRow.get(slug);
  if (last && PROBLEM_STATUSES.has(last.row.status) && !last.row.verified_on_target) return 'failed';
  for (const r of running) if (r.planned && r.planned.has(slug) && !r.rows.has(slug)) return 'waiting';
  const observed = t.observed && t.observed.state;
  if (observed === 'drifted' || observed === 'unhealthy' || observed === 'unreachable') return 'drifted';
  // Just proven by a rollout, before the fleet is read again.
  if (last && last.row.verified_on_target && active(state, last.rollout_id)) return 'on-target';
  if (!state.desired) return 'unknown';  // nothing to be on yet
  if (t.drift === true) return 'drifted';
  if (observed === 'on_target' || t.drift === false) return 'on-target';
  return 'unknown';
}

// A rollout's counts as the CLI's recap computes them: verified rows; the
// stragglers of a rollout that succeeded are quarantined; other rows not
// verified count by their status.
export function rolloutCounts(r) {
  const total = r.enumerated.length || (typeof r.tenants === 'number' ? r.tenants : r.rows.size);
  const c = { total, done: r.rows.size, inFlight: r.inFlight.size, verified: 0, quarantined: 0, failed: 0, skipped: 0,
    cancelled: 0 };
  const quarantined = r.state === 'succeeded' ? new Set(r.stragglers) : new Set();
  for (const row of r.rows.values()) {
    if (row.status === 'DryRun') continue;  // planned, not deployed
    if (row.verified_on_target) c.verified += 1;
    else if (quarantined.has(row.slug)) c.quarantined += 1;
    else if (row.status === 'Skipped') c.skipped += 1;
    else if (row.status === 'Cancelled') c.cancelled += 1;
    else c.failed += 1;
  }
  if (r.rows.size === 0 && r.counts) {  // a listing: counts, no rows
    c.done = Object.values(r.counts).reduce((a, b) => a + b, 0);
    c.verified = typeof r.verified === 'number' ? r.verified : 0;
    c.skipped = r.counts.Skipped || 0;
    c.cancelled = r.counts.Cancelled || 0;
    c.quarantined = r.state === 'succeeded' ? r.stragglers.length : 0;
    c.failed = Math.max(0, c.done - c.verified - c.skipped - c.cancelled - c.quarantined - (r.counts.DryRun || 0));
  }
  return c;
}

// What the live view says the rollout is doing: "canary", "soak 42s",
// "window", "batch-3", "paused", or its final state.
export function rolloutPhase(r, nowMs) {
  if (!ACTIVE.has(r.state)) return r.state;
  if (r.state === 'paused') return 'paused';
  const policy = r.policy || {};
  const canaries = policy.canary || [];
  let latest = null;
  let canaryEnd = 0;
  for (const row of r.rows.values()) {
    if (!latest || (row.started_at || '') > (latest.started_at || '')) latest = row;
    if (row.phase === 'canary') canaryEnd = Math.max(canaryEnd, Date.parse(row.finished_at || '') || 0);
  }
  const canariesDone = canaries.length > 0 && canaries.every((slug) => r.rows.has(slug));
  const fanoutBegun = [...r.rows.values()].some((row) => row.phase !== 'canary') ||
    [...r.inFlight].some((slug) => !canaries.includes(slug));
  if (canaries.length && !canariesDone) return 'canary';
  if (canariesDone && !fanoutBegun && policy.soak_seconds > 0 && canaryEnd > 0) {
    const left = canaryEnd + policy.soak_seconds * 1000 - nowMs;
    if (left > 0) return `soak ${Math.ceil(left / 1000)}s`;
  }
  return latest && latest.phase !== 'canary' ? latest.phase : (policy.strategy === 'batches' ? 'batch' : 'window');
}

// Rows with the problems first (not verified, then the slowest), for the
// per-tenant table; `key` sorts instead when given.
export function sortRows(rows, key = '', ascending = true) {
  const list = [...rows];
  if (key) {
    list.sort((a, b) => {
      const x = a[key] ?? '';
      const y = b[key] ?? '';
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    return list;
  }
  const rank = (row) => (row.verified_on_target || row.status === 'DryRun' ? 1 : 0);
  list.sort((a, b) => rank(a) - rank(b) || (b.duration_ms || 0) - (a.duration_ms || 0) || (a.slug < b.slug ? -1 : 1));
  return list;
}

// The tenants to draw, grouped by the value of label `groupBy` ("" = one
// group), filtered by a cell state and a slug search. Groups and slugs sorted.
export function groupTenants(state, groupBy, stateFilter, search) {
  const groups = new Map();
  const needle = (search || '').trim().toLowerCase();
  for (const [slug, t] of state.tenants) {
    if (needle && !slug.includes(needle)) continue;
    if (stateFilter && cellState(state, slug) !== stateFilter) continue;
    const key = groupBy ? ((t.labels && t.labels[groupBy]) || '(none)') : '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(slug);
  }
  return [...groups.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, slugs]) => ({ name, slugs: slugs.sort() }));
}

// Label keys present in the fleet, for the group-by choice.
export function labelKeys(state) {
  const keys = new Set();
  for (const t of state.tenants.values()) for (const k of Object.keys(t.labels || {})) keys.add(k);
  return [...keys].sort();
}

// The rollouts still running, kept until a rollout's state moves (cellState
// asks for them once per tenant).
export function activeRollouts(state) {
  if (!state.active) state.active = [...state.rollouts.values()].filter((r) => ACTIVE.has(r.state));
  return state.active;
}

function statesMoved(state) {
  state.active = null;
}
