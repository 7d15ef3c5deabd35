// The dashboard's DOM: built with createElement and textContent only, so
// text from the API (slugs, errors, reasons) is never markup.
import { between, describeRelease, formatAge, formatSeconds, safeText, shortSha } from './format.js';
import { rolloutCounts, rolloutPhase, sortRows } from './state.js';
import { STATE_STYLE } from './fleetmap.js';

// el('td', {class: 'x', data: {count: 'verified'}}, 'text', child...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'data') for (const [k, v] of Object.entries(value)) node.dataset[k] = v;
    else if (key === 'on') for (const [k, v] of Object.entries(value)) node.addEventListener(k, v);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(safeText(child)));
  }
  return node;
}

export function replace(container, ...children) {
  container.replaceChildren(...children.flat().filter(Boolean));
}

const MAX_ROWS = 200;  // a live table of 10,000 rows helps nobody: problems first, then these

function countsList(c) {
  const item = (key, label, n) => el('li', { class: `count count-${key}`, data: { count: key } },
    el('span', { class: 'n' }, String(n)), ` ${label}`);
  return el('ul', { class: 'counts', 'aria-label': 'tenant counts' },
    item('done', `of ${c.total} done`, c.done), item('inflight', 'in flight', c.inFlight),
    item('verified', 'verified', c.verified), item('quarantined', 'quarantined', c.quarantined),
    item('failed', 'failed', c.failed), item('skipped', 'skipped', c.skipped));
}

function progressBar(c) {
  const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(c.total),
    'aria-valuenow': String(c.done), 'aria-label': 'tenants done' });
  for (const [key, n] of [['verified', c.verified], ['quarantined', c.quarantined], ['failed', c.failed],
    ['skipped', c.skipped + c.cancelled], ['inflight', c.inFlight]]) {
    if (n <= 0 || c.total <= 0) continue;
    const part = el('span', { class: `part part-${key}` });
    part.style.width = `${(100 * n) / c.total}%`;  // CSSOM, allowed by the CSP
    bar.append(part);
  }
  return bar;
}

function rowsTable(r, sort, onSort) {
  const columns = [['slug', 'Tenant'], ['phase', 'Phase'], ['status', 'Status'], ['exit_code', 'Exit'],
    ['healthz_ok', 'Healthz'], ['verified_on_target', 'On target'], ['running_image', 'Running image'],
    ['duration_ms', 'Duration'], ['error', 'Error']];
  const head = el('tr', {}, columns.map(([key, label]) => el('th', { scope: 'col',
    'aria-sort': sort.key === key ? (sort.ascending ? 'ascending' : 'descending') : null },
  el('button', { type: 'button', class: 'sort', on: { click: () => onSort(key) } }, label))));
  const rows = sortRows(r.rows.values(), sort.key, sort.ascending);
  const body = rows.slice(0, MAX_ROWS).map((row) => el('tr', {
    class: row.verified_on_target || row.status === 'DryRun' ? '' : 'problem', data: { slug: row.slug } },
  el('td', {}, row.slug), el('td', {}, row.phase || ''), el('td', { data: { status: row.status } }, row.status),
  el('td', {}, row.exit_code ?? '-'), el('td', {}, row.healthz_ok ? '✓' : '✗'),
  el('td', {}, row.verified_on_target ? '✓ yes' : '✗ no'), el('td', {}, row.running_image || '-'),
  el('td', {}, formatSeconds(row.duration_ms)), el('td', {}, row.error || '')));
  const more = rows.length > MAX_ROWS ? el('p', { class: 'note' }, `and ${rows.length - MAX_ROWS} more (rollcall status ${r.id})`) : null;
  return [el('div', { class: 'scroll' }, el('table', { class: 'rows' }, el('thead', {}, head), el('tbody', {}, body))), more];
}

// One rollout as a card: what it is, where it is, its counts, stragglers,
// rows, and the controls an admin token may use.
export function rolloutCard(state, r, now, sort, handlers) {
  const c = rolloutCounts(r);
  const active = ['pending', 'running', 'paused'].includes(r.state);
  const title = el('h3', {}, `${describeRelease(r.release)} `, el('span', { class: 'rid' }, r.id));
  const took = between(r.started_at, r.finished_at);
  const meta = el('p', { class: 'meta' },
    el('span', { class: `state state-${r.state}`, data: { rolloutState: r.state } }, r.state),
    active ? [' · phase ', el('strong', { data: { phase: '' } }, rolloutPhase(r, now))] : null,
    r.created_by ? ` · by ${r.created_by}` : '', r.rollback ? ` · rollback: ${r.reason || ''}` : '',
    active && r.started_at ? ` · running ${formatAge(now - Date.parse(r.started_at))}` : '',
    !active && took !== null ? ` · took ${formatAge(took)}` : '');
  const controls = state.role === 'admin' && !state.standby && active ? el('div', { class: 'controls', role: 'group', 'aria-label': 'control' },
    r.state === 'paused'
      ? el('button', { type: 'button', data: { action: 'resume' }, on: { click: () => handlers.control(r.id, 'resume') } }, 'Resume')
      : el('button', { type: 'button', data: { action: 'pause' }, on: { click: () => handlers.control(r.id, 'pause') } }, 'Pause'),
    el('button', { type: 'button', class: 'danger', data: { action: 'cancel' },
      on: { click: () => handlers.control(r.id, 'cancel') } }, 'Cancel')) : null;
  const stragglers = r.stragglers.length ? el('div', { class: 'stragglers' },
    el('h4', {}, r.state === 'succeeded' ? '⚠ Stragglers (quarantined)' : '✗ Not landed'),
    el('ul', {}, r.stragglers.map((slug) => {
      const row = r.rows.get(slug);
      return el('li', { data: { straggler: slug } }, el('strong', {}, slug), ': ',
        row ? `${row.status}${row.error ? ` — ${row.error}` : ''}` : 'no result row');
    }))) : null;
  const error = r.error ? el('p', { class: 'error', role: 'alert' }, r.error) : null;
  return el('article', { class: 'rollout', data: { rollout: r.id } }, title, meta, controls, progressBar(c), countsList(c),
    error, stragglers, rowsTable(r, sort, (key) => handlers.sort(key)));
}

export function historyRows(rollouts, now) {
  return rollouts.map((r) => {
    const c = rolloutCounts(r);
    const took = between(r.started_at, r.finished_at);
    return el('tr', { data: { rollout: r.id } },
      el('td', {}, el('a', { href: `#rollout-${r.id}`, data: { open: r.id } }, r.id)),
      el('td', { class: `state-${r.state}` }, r.state + (r.policy && r.policy.dry_run ? ' (dry run)' : '')),
      el('td', {}, describeRelease(r.release)), el('td', {}, r.created_by || '-'),
      el('td', {}, r.created_at ? `${formatAge(now - Date.parse(r.created_at))} ago` : '-'),
      el('td', {}, took === null ? '-' : formatAge(took)), el('td', {}, `${c.verified}/${c.total}`),
      el('td', {}, String(r.stragglers.length)));
  });
}

export function tenantDetail(state, slug, cell) {
  const t = state.tenants.get(slug);
  if (!t) return el('p', { class: 'note' }, 'Select a tenant on the map (click, or focus it and use the arrow keys).');
  const last = state.lastRow.get(slug);
  const style = STATE_STYLE[cell] || STATE_STYLE.unknown;
  const dl = el('dl', {},
    el('dt', {}, 'State'), el('dd', { data: { cell } }, `${style.symbol} ${style.label}`),
    el('dt', {}, 'Running image'), el('dd', {}, t.running_image || '-'),
    el('dt', {}, 'Running seq'), el('dd', {}, t.running_seq ?? '-'),
    el('dt', {}, 'Desired image'), el('dd', {}, t.desired_image || '-'),
    t.observed ? [el('dt', {}, 'Observed'), el('dd', {}, `${t.observed.state}${t.observed.detail ? ` — ${t.observed.detail}` : ''}`)] : null,
    t.quarantined ? [el('dt', {}, 'Quarantined'), el('dd', { data: { reason: '' } }, t.quarantine_reason || '')] : null,
    last ? [el('dt', {}, 'Last result'), el('dd', {}, `${last.row.status} in ${last.rollout_id} · exit ${last.row.exit_code ?? '-'} · ` +
      `healthz ${last.row.healthz_ok ? 'ok' : 'no'} · proof ${last.row.verified_on_target ? 'on target' : 'not on target'} · ` +
      `${formatSeconds(last.row.duration_ms)}${last.row.error ? ` · ${last.row.error}` : ''}`)] : null,
    Object.keys(t.labels || {}).length ? [el('dt', {}, 'Labels'),
      el('dd', {}, Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(', '))] : null);
  return [el('h3', {}, slug), dl];
}

export function legend(counts) {
  return el('ul', { class: 'legend' }, Object.entries(STATE_STYLE).map(([key, s]) => el('li', { data: { stateCount: key } },
    el('span', { class: `swatch swatch-${key}`, 'aria-hidden': 'true' }, s.symbol), ` ${s.label} `,
    el('span', { class: 'n' }, String(counts[key] || 0)))));
}

export function releaseView(state, drift) {
  const d = state.desired;
  // What the fence turned away: rollouts and promotions of an older release.
  const fenced = state.audit.filter((e) => e.data && e.data.status === 409 && e.data.error === 'superseded').slice(0, 10);
  return [
    el('p', {}, 'Desired release: ', el('strong', { data: { desired: '' } }, describeRelease(d)),
      d && d.git_sha ? ` · sha ${shortSha(d.git_sha)}` : '',
      d && d.seq !== null && d.seq !== undefined ? ` · older releases are refused unless rolled back with a reason` : ''),
    el('p', {}, `${drift.onTarget} on target, ${drift.drifted} drifted, ${drift.quarantined} quarantined of ${drift.total}`),
    fenced.length ? el('div', { class: 'fenced' }, el('h3', {}, 'Refused by the fence'), el('ul', {}, fenced.map((e) => {
      const wanted = e.data.release || e.data.to || {};
      const newer = e.data.newer || {};
      return el('li', {}, `${e.at}: ${e.actor} asked ${e.kind} of ${describeRelease(wanted)}; the fleet is on ${describeRelease(newer)}`);
    }))) : null,
  ];
}

export function channelRows(channels, onOpen) {
  return channels.map((c) => el('tr', { data: { channel: c.channel } },
    el('td', {}, el('button', { type: 'button', class: 'link', on: { click: () => onOpen(c.channel) } }, c.channel)),
    el('td', {}, c.tag), el('td', {}, c.seq ?? '-'), el('td', { class: 'digest' }, c.digest),
    el('td', {}, c.promoted_at || '-'), el('td', {}, c.created_by || '-')));
}

export function auditRows(entries) {
  return entries.map((e) => {
    const data = e.data || {};
    const why = data.error ? `refused: ${typeof data.error === 'string' ? data.error : JSON.stringify(data.error)}` : '';
    return el('tr', {}, el('td', {}, e.at || ''), el('td', {}, e.actor || ''), el('td', {}, e.kind || ''),
      el('td', {}, e.target || '-'), el('td', {}, data.status ?? '-'), el('td', {}, [why, e.reason].filter(Boolean).join(' — ')));
  });
}
