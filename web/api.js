// rollcalld's JSON API and its fleet-wide event stream, with the bearer
// token in the Authorization header (never in a URL).
import { SseParser } from './sse.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async call(method, path, body) {
    const init = { method, headers: this.headers(body ? { 'Content-Type': 'application/json' } : {}), cache: 'no-store' };
    if (body) init.body = JSON.stringify(body);
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, `rollcalld does not answer (${e.message})`);
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) throw new ApiError(response.status, (json && json.error) || `HTTP ${response.status}`);
    return json;
  }

  get(path) {
    return this.call('GET', path);
  }

  post(path, body) {
    return this.call('POST', path, body || {});
  }
}

// Follows GET /v1/events until `signal` aborts: each event to `onEvent`
// ({id, event, data}), the connection's state to `onStatus` ("live",
// "reconnecting", "unauthorized"). A dropped stream reconnects with the
// last id seen (`lastId()`), after 1 s doubling to 15 s, so no event is
// lost; `onGap` is told when it reconnects without one (events may have
// been missed: read everything again).
export async function followEvents(api, lastId, onEvent, onStatus, onGap, signal) {
  let delay = 1000;
  let first = true;
  while (!signal.aborted) {
    const id = lastId();
    const headers = api.headers({ Accept: 'text/event-stream' });
    if (id > 0) headers['Last-Event-ID'] = String(id);
    else if (!first) onGap();
    first = false;
    try {
      const response = await fetch('/v1/events', { headers, signal, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        onStatus('unauthorized');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      onStatus('live');
      delay = 1000;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const e of parser.feed(decoder.decode(value, { stream: true }))) {
          let data = null;
          try {
            data = JSON.parse(e.data);
          } catch {
            continue;
          }
          onEvent({ id: e.id, event: e.event, data });
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    onStatus('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 15000);
  }
}
