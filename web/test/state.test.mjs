// The dashboard's pure parts: run with `node --test web/test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  applyEvent, applyFleet, applyRollout, cellState, createState, groupTenants, rolloutCounts, rolloutPhase, sortRows,
} from '../state.js';
import { SseParser } from '../sse.js';
import { describeRelease, formatAge, formatSeconds, safeText } from '../format.js';

function fleet(slugs) {
  return {
    desired_release: { tag: 'v2', seq: 2, git_sha: 'abc1234def' },
    freeze: null,
    tenants: slugs.map((slug, i) => ({
      slug, state: 'active', drift: false, quarantined: false, labels: { region: i % 2 ? 'us' : 'eu' },
    })),
  };
}

const row = (slug, status, extra = {}) => ({
  slug, status, phase: 'window', verified_on_target: status === 'Success', duration_ms: 1000,
  finished_at: '2026-12-01T10:00:01.000Z', ...extra,
});

test('events move a rollout: in flight, rows, final state; a replay changes nothing', () => {
  const s = createState();
  applyFleet(s, fleet(['a', 'b', 'c']));
  applyRollout(s, { id: 'r1', state: 'running', enumerated: ['a', 'b', 'c'], release: { tag: 'v2' }, results: [] });
  applyEvent(s, { id: 1, event: 'tenant_started', data: { rollout_id: 'r1', slug: 'a' } });
  applyEvent(s, { id: 2, event: 'tenant_started', data: { rollout_id: 'r1', slug: 'b' } });
  assert.equal(cellState(s, 'a'), 'in-flight');
  applyEvent(s, { id: 3, event: 'tenant_finished', data: { rollout_id: 'r1', slug: 'a', result: row('a', 'Success') } });
  applyEvent(s, { id: 4, event: 'tenant_finished', data: { rollout_id: 'r1', slug: 'b', result: row('b', 'OffTarget') } });
  let c = rolloutCounts(s.rollouts.get('r1'));
  assert.deepEqual([c.done, c.verified, c.failed, c.inFlight], [2, 1, 1, 0]);
  assert.equal(cellState(s, 'b'), 'failed');
  // The same events again after a reconnect: ignored.
  applyEvent(s, { id: 4, event: 'tenant_finished', data: { rollout_id: 'r1', slug: 'b', result: row('b', 'OffTarget') } });
  assert.equal(rolloutCounts(s.rollouts.get('r1')).done, 2);
  const want = applyEvent(s, { id: 5, event: 'rollout_state', data: { rollout_id: 'r1', state: 'succeeded', stragglers: ['b'] } });
  assert.equal(want.fleet, true);
  c = rolloutCounts(s.rollouts.get('r1'));
  assert.deepEqual([c.verified, c.quarantined, c.failed], [1, 1, 0]);
  applyEvent(s, { id: 6, event: 'quarantine', data: { slug: 'b', quarantined: true, reason: 'rollout r1: OffTarget' } });
  assert.equal(cellState(s, 'b'), 'quarantined');
  assert.equal(s.tenants.get('b').quarantine_reason, 'rollout r1: OffTarget');
});

test('an unknown rollout asks for its header', () => {
  const s = createState();
  const want = applyEvent(s, { id: 9, event: 'rollout_state', data: { rollout_id: 'r9', state: 'running' } });
  assert.equal(want.rollout, 'r9');
});

test('cells: cordoned, drifted, on target, nothing desired yet', () => {
  const s = createState();
  const f = fleet(['a', 'b', 'c']);
  f.tenants[0].state = 'cordoned';
  f.tenants[1].observed = { state: 'drifted' };
  applyFleet(s, f);
  assert.deepEqual(['a', 'b', 'c'].map((x) => cellState(s, x)), ['cordoned', 'drifted', 'on-target']);
  s.desired = null;
  assert.equal(cellState(s, 'c'), 'unknown');
});

test('a listing counts from the server, not rows', () => {
  const s = createState();
  const r = applyRollout(s, { id: 'r2', state: 'failed', tenants: 10, verified: 7, stragglers: ['x', 'y', 'z'],
    counts: { Success: 7, Unhealthy: 2, Skipped: 1 } });
  const c = rolloutCounts(r);
  assert.deepEqual([c.total, c.done, c.verified, c.failed, c.skipped, c.quarantined], [10, 10, 7, 2, 1, 0]);
});

test('the phase: canary, then the soak countdown, then the fan-out', () => {
  const s = createState();
  const r = applyRollout(s, { id: 'r3', state: 'running', enumerated: ['c', 'a'],
    policy: { canary: ['c'], soak_seconds: 60, strategy: 'window' }, results: [] });
  assert.equal(rolloutPhase(r, 0), 'canary');
  const end = Date.parse('2026-12-01T10:00:00.000Z');
  applyEvent(s, { id: 1, event: 'tenant_finished', data: { rollout_id: 'r3', slug: 'c',
    result: row('c', 'Success', { phase: 'canary', finished_at: '2026-12-01T10:00:00.000Z' }) } });
  assert.equal(rolloutPhase(r, end + 18_000), 'soak 42s');
  applyEvent(s, { id: 2, event: 'tenant_started', data: { rollout_id: 'r3', slug: 'a' } });
  assert.equal(rolloutPhase(r, end + 61_000), 'window');
  r.state = 'paused';
  assert.equal(rolloutPhase(r, 0), 'paused');
});

test('rows: problems first, then sortable by any column', () => {
  const rows = [row('a', 'Success'), row('b', 'Unhealthy', { duration_ms: 5 }), row('c', 'TimedOut', { duration_ms: 9 })];
  assert.deepEqual(sortRows(rows).map((r) => r.slug), ['c', 'b', 'a']);
  assert.deepEqual(sortRows(rows, 'slug', false).map((r) => r.slug), ['c', 'b', 'a']);
  assert.deepEqual(sortRows(rows, 'status').map((r) => r.slug), ['a', 'c', 'b']);
});

test('groups by a label, filters by state and slug', () => {
  const s = createState();
  applyFleet(s, fleet(['t0', 't1', 't2', 'x3']));
  assert.deepEqual(groupTenants(s, 'region', '', '').map((g) => [g.name, g.slugs.length]), [['eu', 2], ['us', 2]]);
  assert.deepEqual(groupTenants(s, '', '', 't')[0].slugs, ['t0', 't1', 't2']);
  assert.equal(groupTenants(s, '', 'failed', '').length, 0);
});

test('SSE: chunks split anywhere, comments skipped, ids kept', () => {
  const p = new SseParser();
  let events = p.feed('id: 7\nevent: tenant_fin');
  assert.equal(events.length, 0);
  events = p.feed('ished\ndata: {"slug":"a"}\n\n: keep-alive\n\nid: 8\r\nevent: audit\r\ndata: {}\r\n\r\n');
  assert.deepEqual(events, [{ id: 7, event: 'tenant_finished', data: '{"slug":"a"}' }, { id: 8, event: 'audit', data: '{}' }]);
});

test('formatting', () => {
  assert.equal(formatAge(192_000), '3m12s');
  assert.equal(formatAge(46 * 3_600_000), '1d22h');
  assert.equal(formatSeconds(1500), '1.5 s');
  assert.equal(describeRelease({ tag: 'v2', seq: 2, git_sha: 'abc1234def' }), 'v2 (seq 2, abc1234)');
  assert.equal(describeRelease(null), 'none');
  assert.equal(safeText('a\u001b[31m'), 'a\\x1b[31m');
});

test('an answer read before the end never undoes it', () => {
  const s = createState();
  applyRollout(s, { id: 'r5', state: 'running', enumerated: ['a'], results: [] });
  applyEvent(s, { id: 1, event: 'rollout_state', data: { rollout_id: 'r5', state: 'succeeded', stragglers: [] } });
  applyRollout(s, { id: 'r5', state: 'running', enumerated: ['a'], results: [] });  // a late answer
  assert.equal(s.rollouts.get('r5').state, 'succeeded');
});

test('a tenant a running rollout just verified shows on target before the fleet is read again', () => {
  const s = createState();
  applyFleet(s, { desired_release: null, freeze: null, tenants: [{ slug: 'a', state: 'active', drift: false }] });
  applyRollout(s, { id: 'r6', state: 'running', enumerated: ['a'], results: [] });
  assert.equal(cellState(s, 'a'), 'waiting');
  applyEvent(s, { id: 1, event: 'tenant_finished', data: { rollout_id: 'r6', slug: 'a', result: row('a', 'Success') } });
  assert.equal(cellState(s, 'a'), 'on-target');
});

test('a tenant a running rollout has not reached yet waits its turn', () => {
  const s = createState();
  applyFleet(s, fleet(['a', 'b']));
  applyRollout(s, { id: 'r7', state: 'running', enumerated: ['a', 'b'], results: [] });
  applyEvent(s, { id: 1, event: 'tenant_started', data: { rollout_id: 'r7', slug: 'a' } });
  assert.deepEqual(['a', 'b'].map((x) => cellState(s, x)), ['in-flight', 'waiting']);
});

test('fleet and channel events ask for the fleet and the channels again', () => {
  const s = createState();
  assert.equal(applyEvent(s, { id: 1, event: 'fleet', data: { change: 'fleet.freeze' } }).fleet, true);
  assert.equal(applyEvent(s, { id: 2, event: 'channel', data: { channel: 'latest' } }).channels, true);
  applyEvent(s, { id: 3, event: 'audit', data: { kind: 'fleet.freeze', actor: 'ci' } });
  assert.equal(s.audit[0].actor, 'ci');
});
