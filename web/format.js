// Formatting for the dashboard: pure functions, tested with node --test.

// "45s", "3m12s", "2h05m", "3d04h" (as the CLI prints ages).
export function formatAge(ms) {
  const s = Math.floor(Math.max(ms, 0) / 1000);
  const pad = (n) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

// "1.5 s" for a row's duration_ms.
export function formatSeconds(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '-';
  return `${(ms / 1000).toFixed(1)} s`;
}

// The milliseconds between two RFC 3339 times, or null.
export function between(from, to) {
  const a = Date.parse(from || '');
  const b = Date.parse(to || '');
  return Number.isNaN(a) || Number.isNaN(b) || b < a ? null : b - a;
}

export function shortSha(sha) {
  return typeof sha === 'string' ? sha.slice(0, 7) : '';
}

// "v42 (seq 42, abc1234)" for a release object.
export function describeRelease(release) {
  if (!release || typeof release !== 'object') return 'none';
  const parts = [];
  if (release.seq !== null && release.seq !== undefined) parts.push(`seq ${release.seq}`);
  if (release.git_sha) parts.push(shortSha(release.git_sha));
  return parts.length ? `${release.tag} (${parts.join(', ')})` : String(release.tag);
}

// Text from outside for a DOM text node: control characters shown, never
// interpreted (textContent already keeps markup inert).
export function safeText(value) {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
