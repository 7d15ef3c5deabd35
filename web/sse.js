// A text/event-stream parser fed arbitrary chunks (fetch streaming hands
// them over as they arrive). Pure.
export class SseParser {
  constructor() {
    this.pending = '';
    this.reset();
  }

  reset() {
    this.current = { id: 0, event: 'message', data: [] };
  }

  // Appends `chunk`; returns the events it completed: {id, event, data}.
  feed(chunk) {
    this.pending += chunk;
    const events = [];
    let newline;
    while ((newline = this.pending.search(/\r\n|\r|\n/)) !== -1) {
      const line = this.pending.slice(0, newline);
      const width = this.pending.startsWith('\r\n', newline) ? 2 : 1;
      this.pending = this.pending.slice(newline + width);
      this.line(line, events);
    }
    return events;
  }

  line(line, events) {
    if (line === '') {
      if (this.current.data.length) {
        events.push({ id: this.current.id, event: this.current.event, data: this.current.data.join('\n') });
      }
      this.reset();  // each of rollcalld's events carries its own id
      return;
    }
    if (line.startsWith(':')) return;  // a comment: keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.current.data.push(value);
    else if (field === 'event') this.current.event = value;
    else if (field === 'id') this.current.id = Number.parseInt(value, 10) || 0;
  }
}
