// The fleet map: every tenant a cell on one canvas (10,000 cells cost one
// draw, not 10,000 DOM nodes), grouped by a label, coloured by state, with
// a symbol besides the colour for the states that need eyes (quarantined:
// stripes, failed: a cross, in flight: a dot, cordoned: an outline).
// Mouse and keyboard both select a cell; the page shows its details.

export const STATE_STYLE = {
  'in-flight': { fill: '#3b82f6', label: 'in flight', symbol: '●' },
  quarantined: { fill: '#f59e0b', label: 'quarantined', symbol: '▨' },
  failed: { fill: '#dc2626', label: 'failed', symbol: '✕' },
  waiting: { fill: '#bfdbfe', label: 'waiting its turn', symbol: '○' },
  drifted: { fill: '#a855f7', label: 'drifted', symbol: '◆' },
  cordoned: { fill: '#9ca3af', label: 'cordoned', symbol: '□' },
  'on-target': { fill: '#16a34a', label: 'on target', symbol: '■' },
  unknown: { fill: '#d1d5db', label: 'not observed', symbol: '·' },
};

const GAP = 2;
const HEADER = 20;

export class FleetMap {
  // `canvas`: the element; `onSelect(slug|null)`; `stateOf(slug)`.
  constructor(canvas, stateOf, onSelect) {
    this.canvas = canvas;
    this.stateOf = stateOf;
    this.onSelect = onSelect;
    this.groups = [];
    this.order = [];      // every drawn slug, in drawing order (keyboard moves)
    this.cells = new Map();  // slug -> {x, y}
    this.size = 12;
    this.columns = 1;
    this.selected = null;
    this.hovered = null;
    canvas.addEventListener('mousemove', (e) => this.hover(this.hit(e)));
    canvas.addEventListener('mouseleave', () => this.hover(null));
    canvas.addEventListener('click', (e) => this.select(this.hit(e)));
    canvas.addEventListener('keydown', (e) => this.key(e));
  }

  // `groups`: [{name, slugs}] as groupTenants returns them.
  setGroups(groups) {
    this.groups = groups;
    this.order = groups.flatMap((g) => g.slugs);
    this.layout();
    this.draw();
  }

  layout() {
    const width = Math.max(this.canvas.clientWidth || 600, 200);
    const n = Math.max(this.order.length, 1);
    // Cells as large as fit ~600 px of height, between 6 and 18 px.
    const ideal = Math.floor(Math.sqrt((width * 600) / n)) - GAP;
    this.size = Math.max(6, Math.min(18, ideal));
    const pitch = this.size + GAP;
    this.columns = Math.max(1, Math.floor(width / pitch));
    this.cells.clear();
    let y = 0;
    for (const g of this.groups) {
      if (g.name) y += HEADER;
      g.top = y;
      g.slugs.forEach((slug, i) => {
        this.cells.set(slug, { x: (i % this.columns) * pitch, y: y + Math.floor(i / this.columns) * pitch });
      });
      y += Math.ceil(g.slugs.length / this.columns) * pitch + (g.name ? 6 : 0);
    }
    const ratio = window.devicePixelRatio || 1;
    this.height = Math.max(y, 40);
    this.canvas.style.height = `${this.height}px`;
    this.canvas.width = Math.floor(width * ratio);
    this.canvas.height = Math.floor(this.height * ratio);
    this.ratio = ratio;
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const g of this.groups) {
      if (!g.name) continue;
      ctx.fillStyle = '#111827';
      ctx.fillText(`${g.name} (${g.slugs.length})`, 0, g.top - HEADER / 2);
    }
    for (const [slug, at] of this.cells) this.cell(ctx, at, this.stateOf(slug), slug);
  }

  cell(ctx, at, state, slug) {
    const s = this.size;
    const style = STATE_STYLE[state] || STATE_STYLE.unknown;
    ctx.fillStyle = style.fill;
    ctx.fillRect(at.x, at.y, s, s);
    ctx.strokeStyle = '#111827';
    ctx.lineWidth = 1;
    if (state === 'quarantined') {  // stripes
      ctx.beginPath();
      for (let d = -s; d < s; d += 4) {
        ctx.moveTo(at.x + Math.max(d, 0), at.y + Math.max(-d, 0));
        ctx.lineTo(at.x + Math.min(s, s + d), at.y + Math.min(s, s - d));
      }
      ctx.stroke();
    } else if (state === 'failed') {  // a cross
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(at.x + 2, at.y + 2);
      ctx.lineTo(at.x + s - 2, at.y + s - 2);
      ctx.moveTo(at.x + s - 2, at.y + 2);
      ctx.lineTo(at.x + 2, at.y + s - 2);
      ctx.stroke();
    } else if (state === 'in-flight') {  // a dot
      ctx.fillStyle = '#ffffff';
      ctx.beginPath();
      ctx.arc(at.x + s / 2, at.y + s / 2, Math.max(1.5, s / 5), 0, 2 * Math.PI);
      ctx.fill();
    } else if (state === 'waiting') {  // a ring
      ctx.strokeStyle = '#1d4ed8';
      ctx.beginPath();
      ctx.arc(at.x + s / 2, at.y + s / 2, Math.max(1.5, s / 4), 0, 2 * Math.PI);
      ctx.stroke();
    } else if (state === 'cordoned') {
      ctx.strokeRect(at.x + 0.5, at.y + 0.5, s - 1, s - 1);
    }
    if (slug === this.selected || slug === this.hovered) {
      ctx.strokeStyle = slug === this.selected ? '#000000' : '#374151';
      ctx.lineWidth = 2;
      ctx.strokeRect(at.x - 1, at.y - 1, s + 2, s + 2);
    }
  }

  // Redraws the cells of `slugs` only (events touch a few at a time).
  redraw(slugs) {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    for (const slug of slugs) {
      const at = this.cells.get(slug);
      if (!at) continue;
      ctx.clearRect(at.x - 2, at.y - 2, this.size + 4, this.size + 4);
      this.cell(ctx, at, this.stateOf(slug), slug);
    }
  }

  hit(e) {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const pitch = this.size + GAP;
    for (const g of this.groups) {
      const col = Math.floor(x / pitch);
      const row = Math.floor((y - g.top) / pitch);
      if (row < 0 || col < 0 || col >= this.columns) continue;
      const slug = g.slugs[row * this.columns + col];
      const at = slug && this.cells.get(slug);
      if (at && x - at.x <= this.size && y - at.y <= this.size && y >= at.y) return slug;
    }
    return null;
  }

  hover(slug) {
    if (slug === this.hovered) return;
    const before = this.hovered;
    this.hovered = slug;
    this.canvas.title = slug || '';
    this.redraw([before, slug].filter(Boolean));
  }

  select(slug) {
    const before = this.selected;
    this.selected = slug;
    this.redraw([before, slug].filter(Boolean));
    this.onSelect(slug);
  }

  key(e) {
    if (!this.order.length) return;
    const i = this.selected ? this.order.indexOf(this.selected) : -1;
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: this.columns, ArrowUp: -this.columns, Home: -Infinity,
      End: Infinity };
    if (e.key === 'Escape') {
      this.select(null);
    } else if (e.key in moves) {
      const next = Math.max(0, Math.min(this.order.length - 1, (i < 0 ? 0 : i + moves[e.key])));
      this.select(this.order[Number.isFinite(next) ? next : 0]);
    } else {
      return;
    }
    e.preventDefault();
  }
}
