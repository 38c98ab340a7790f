/**
 * Small plain-SVG plotting helpers for the report: scales with nice ticks,
 * axes, scatter/line plots, grouped box-and-strip plots and bar charts.
 *
 * Every function returns an `<svg>` string meant to be inlined in HTML (no
 * xmlns needed, no ids, so any number can share a page). Coordinates are in
 * viewBox units; the SVG scales to its container's width, never above its
 * natural size.
 */

// ---------------------------------------------------------------------------
// Text and numbers
// ---------------------------------------------------------------------------

/** Escape text for HTML/SVG content and attribute values. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Compact number formatting for labels: 3 significant digits, no trailing zeros. */
export const fmt = (v: number, digits = 3): string => {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(Math.max(0, digits - 1)).split('e');
    return `${String(Number(m))}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(digits)));
};

/** A number rounded to at most 3 decimals, as SVG coordinates. */
const r = (v: number): string => String(Math.round(v * 100) / 100);

// ---------------------------------------------------------------------------
// Scales
// ---------------------------------------------------------------------------

export interface Scale {
  (v: number): number;
  readonly kind: 'linear' | 'log';
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly ticks: readonly number[];
  readonly format: (v: number) => string;
}

/** Step of 1, 2 or 5 × 10^k giving about `count` intervals over [lo, hi]. */
export const niceStep = (lo: number, hi: number, count: number): number => {
  const span = Math.abs(hi - lo) || Math.abs(hi) || 1;
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
};

/** Round ticks covering [lo, hi] (inclusive of the nice ends). */
export const niceTicks = (lo: number, hi: number, count = 5): number[] => {
  if (lo === hi) return [lo];
  const step = niceStep(lo, hi, count);
  const start = Math.ceil(lo / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
};

/** Extend [lo, hi] to nice boundaries; a degenerate range is widened. */
export const niceDomain = (lo: number, hi: number, count = 5): [number, number] => {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(lo, hi, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
};

export const linearScale = (
  domain: readonly [number, number],
  range: readonly [number, number],
  opts: { nice?: boolean; ticks?: number; format?: (v: number) => string } = {},
): Scale => {
  const count = opts.ticks ?? 5;
  const d: [number, number] = opts.nice === false ? [domain[0], domain[1] === domain[0] ? domain[0] + 1 : domain[1]] : niceDomain(domain[0], domain[1], count);
  const [d0, d1] = d;
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0)) as Scale;
  const step = niceStep(d0, d1, count);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const format = opts.format ?? ((v: number) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? fmt(v) : v.toFixed(Math.min(digits, 6))));
  return Object.assign(f, { kind: 'linear' as const, domain: d, range, ticks: niceTicks(d0, d1, count), format });
};

const SUPERSCRIPT: Readonly<Record<string, string>> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10 to an integer power, as text with a superscript exponent ("10⁻³"). */
export const pow10 = (e: number): string => `10${String(e).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;

/** The same scale with other tick positions. */
export const withTicks = (s: Scale, ticks: readonly number[]): Scale =>
  Object.assign((v: number) => s(v), { kind: s.kind, domain: s.domain, range: s.range, format: s.format, ticks });

/** Base-10 log scale; the domain is widened to whole decades. */
export const logScale = (domain: readonly [number, number], range: readonly [number, number]): Scale => {
  const lo = Math.max(domain[0], Number.MIN_VALUE);
  const hi = Math.max(domain[1], lo * 10);
  const e0 = Math.floor(Math.log10(lo) + 1e-9);
  const e1 = Math.max(e0 + 1, Math.ceil(Math.log10(hi) - 1e-9));
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((Math.log10(Math.max(v, Math.pow(10, e0))) - e0) / (e1 - e0)) * (r1 - r0)) as Scale;
  const ticks: number[] = [];
  const every = Math.max(1, Math.ceil((e1 - e0) / 6));
  for (let e = e0; e <= e1; e += every) ticks.push(Math.pow(10, e));
  const format = (v: number): string => {
    const e = Math.round(Math.log10(v));
    return e >= -2 && e <= 3 ? String(Number(v.toPrecision(3))) : pow10(e);
  };
  return Object.assign(f, { kind: 'log' as const, domain: [Math.pow(10, e0), Math.pow(10, e1)] as const, range, ticks, format });
};

// ---------------------------------------------------------------------------
// Statistics for box plots
// ---------------------------------------------------------------------------

/** Linear-interpolation quantile (type 7) of sorted values. */
export const quantileSorted = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
};

export interface BoxStats {
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly mean: number;
  /** Whiskers: most extreme values within 1.5 IQR of the box. */
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

export const boxStats = (values: readonly number[]): BoxStats | undefined => {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const q1 = quantileSorted(s, 0.25);
  const median = quantileSorted(s, 0.5);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  const lo = s.find((v) => v >= q1 - 1.5 * iqr) ?? q1;
  let hi = q3;
  for (let i = s.length - 1; i >= 0; i--) {
    if ((s[i] as number) <= q3 + 1.5 * iqr) {
      hi = s[i] as number;
      break;
    }
  }
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { q1, median, q3, mean, lo, hi, n: s.length };
};

// ---------------------------------------------------------------------------
// Frame, axes, legend
// ---------------------------------------------------------------------------

export interface Margin {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly margin: Margin;
}

export const inner = (f: Frame) => ({
  x0: f.margin.left,
  x1: f.width - f.margin.right,
  y0: f.margin.top,
  y1: f.height - f.margin.bottom,
});

/** Wrap plot content in an accessible, responsive `<svg>`. */
export const svgDoc = (width: number, height: number, body: string, opts: { title: string; className?: string }): string =>
  `<svg class="plot${opts.className !== undefined ? ` ${esc(opts.className)}` : ''}" viewBox="0 0 ${width} ${height}" ` +
  `width="${width}" height="${height}" style="width:100%;max-width:${width}px;height:auto" role="img" ` +
  `aria-label="${esc(opts.title)}" font-family="inherit"><title>${esc(opts.title)}</title>${body}</svg>`;

export interface AxisOpts {
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Draw horizontal grid lines at the y ticks (default true). */
  readonly yGrid?: boolean;
  /** Draw vertical grid lines at the x ticks (default false). */
  readonly xGrid?: boolean;
  /** Skip the x axis ticks/labels (for categorical x). */
  readonly noXTicks?: boolean;
}

/** Axis lines, ticks, tick labels, grid lines and axis titles. */
export const axes = (frame: Frame, x: Scale | undefined, y: Scale, opts: AxisOpts = {}): string => {
  const { x0, x1, y0, y1 } = inner(frame);
  const parts: string[] = [];
  for (const t of y.ticks) {
    const yy = y(t);
    if (yy < y0 - 0.5 || yy > y1 + 0.5) continue;
    if (opts.yGrid !== false) parts.push(`<line class="grid" x1="${r(x0)}" x2="${r(x1)}" y1="${r(yy)}" y2="${r(yy)}" stroke="#e6e8ec" />`);
    parts.push(`<line x1="${r(x0 - 4)}" x2="${r(x0)}" y1="${r(yy)}" y2="${r(yy)}" stroke="#8a919c" />`);
    parts.push(`<text class="tick" x="${r(x0 - 7)}" y="${r(yy)}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#4b5563">${esc(y.format(t))}</text>`);
  }
  if (x !== undefined && opts.noXTicks !== true) {
    for (const t of x.ticks) {
      const xx = x(t);
      if (xx < x0 - 0.5 || xx > x1 + 0.5) continue;
      if (opts.xGrid === true) parts.push(`<line class="grid" x1="${r(xx)}" x2="${r(xx)}" y1="${r(y0)}" y2="${r(y1)}" stroke="#e6e8ec" />`);
      parts.push(`<line x1="${r(xx)}" x2="${r(xx)}" y1="${r(y1)}" y2="${r(y1 + 4)}" stroke="#8a919c" />`);
      parts.push(`<text class="tick" x="${r(xx)}" y="${r(y1 + 16)}" text-anchor="middle" font-size="11" fill="#4b5563">${esc(x.format(t))}</text>`);
    }
  }
  parts.push(`<line x1="${r(x0)}" x2="${r(x0)}" y1="${r(y0)}" y2="${r(y1)}" stroke="#8a919c" />`);
  parts.push(`<line x1="${r(x0)}" x2="${r(x1)}" y1="${r(y1)}" y2="${r(y1)}" stroke="#8a919c" />`);
  if (opts.xLabel !== undefined) {
    parts.push(`<text class="axis-label" x="${r((x0 + x1) / 2)}" y="${r(frame.height - 6)}" text-anchor="middle" font-size="12" fill="#1f2937">${esc(opts.xLabel)}</text>`);
  }
  if (opts.yLabel !== undefined) {
    const cy = (y0 + y1) / 2;
    parts.push(`<text class="axis-label" transform="translate(14 ${r(cy)}) rotate(-90)" text-anchor="middle" font-size="12" fill="#1f2937">${esc(opts.yLabel)}</text>`);
  }
  return parts.join('');
};

export type Marker = 'circle' | 'diamond' | 'square';

export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dash?: boolean;
  readonly marker?: Marker;
  readonly hollow?: boolean;
  /** 'line' draws a short line, 'box' a filled square, 'marker' the marker only. */
  readonly swatch?: 'line' | 'box' | 'marker';
}

const markerShape = (m: Marker, x: number, y: number, size: number, fill: string, stroke: string): string => {
  if (m === 'diamond') {
    const s = size * 1.3;
    return `<path d="M${r(x)} ${r(y - s)}L${r(x + s)} ${r(y)}L${r(x)} ${r(y + s)}L${r(x - s)} ${r(y)}Z" fill="${fill}" stroke="${stroke}" stroke-width="1.6" />`;
  }
  if (m === 'square') return `<rect x="${r(x - size)}" y="${r(y - size)}" width="${r(size * 2)}" height="${r(size * 2)}" fill="${fill}" stroke="${stroke}" stroke-width="1.4" />`;
  return `<circle cx="${r(x)}" cy="${r(y)}" r="${r(size)}" fill="${fill}" stroke="${stroke}" stroke-width="1.4" />`;
};

/** A horizontal legend laid out left to right from (x, y), wrapping at maxWidth. */
export const legend = (items: readonly LegendItem[], x: number, y: number, maxWidth: number): { svg: string; height: number } => {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const it of items) {
    const w = 26 + it.name.length * 6.6 + 14;
    if (cx + w > x + maxWidth && cx > x) {
      cx = x;
      cy += 18;
    }
    const swatch = it.swatch ?? (it.marker !== undefined ? 'marker' : 'line');
    if (swatch === 'box') {
      parts.push(`<rect x="${r(cx)}" y="${r(cy - 5)}" width="18" height="10" rx="2" fill="${it.color}" fill-opacity="${it.hollow === true ? 0.25 : 0.85}" stroke="${it.color}" />`);
    } else if (swatch === 'line') {
      parts.push(`<line x1="${r(cx)}" x2="${r(cx + 18)}" y1="${r(cy)}" y2="${r(cy)}" stroke="${it.color}" stroke-width="2.2"${it.dash === true ? ' stroke-dasharray="4 3"' : ''} />`);
      if (it.marker !== undefined) parts.push(markerShape(it.marker, cx + 9, cy, 3.2, it.hollow === true ? '#fff' : it.color, it.color));
    } else {
      parts.push(markerShape(it.marker ?? 'circle', cx + 9, cy, 4, it.hollow === true ? '#fff' : it.color, it.color));
    }
    parts.push(`<text x="${r(cx + 24)}" y="${r(cy)}" dominant-baseline="middle" font-size="11.5" fill="#374151">${esc(it.name)}</text>`);
    cx += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: cy - y + 18 };
};

// ---------------------------------------------------------------------------
// Scatter and line plots
// ---------------------------------------------------------------------------

export interface XYPoint {
  readonly x: number;
  readonly y: number;
  /** Text drawn beside the point. */
  readonly label?: string;
}

export interface XYSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly XYPoint[];
  /** Connect the points in order (default false for scatter, true for line plots). */
  readonly line?: boolean;
  readonly dash?: boolean;
  readonly marker?: Marker | 'none';
  readonly hollow?: boolean;
  /** Omit from the legend. */
  readonly noLegend?: boolean;
}

export interface XYPlotOpts {
  readonly title: string;
  readonly series: readonly XYSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /** Include these values in the automatic domains (e.g. 0). */
  readonly xInclude?: readonly number[];
  readonly yInclude?: readonly number[];
  readonly yLog?: boolean;
  readonly xFormat?: (v: number) => string;
  readonly yFormat?: (v: number) => string;
  /** Explicit x tick positions (instead of nice ticks). */
  readonly xTicks?: readonly number[];
  readonly legend?: boolean;
  readonly className?: string;
  /** Horizontal reference lines. */
  readonly hLines?: readonly { readonly y: number; readonly label: string; readonly color: string; readonly labelAt?: 'left' | 'right' }[];
}

const extent = (vs: readonly number[]): [number, number] => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vs) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
};

/** Scatter plot (or line plot when series set `line`), with optional point labels and a legend. */
export const xyPlot = (o: XYPlotOpts): string => {
  const width = o.width ?? 560;
  const showLegend = o.legend !== false && o.series.some((s) => s.noLegend !== true);
  const legendItems: LegendItem[] = o.series
    .filter((s) => s.noLegend !== true)
    .map((s) => ({
      name: s.name,
      color: s.color,
      dash: s.dash,
      hollow: s.hollow,
      ...(s.marker !== undefined && s.marker !== 'none' ? { marker: s.marker } : s.line === true ? {} : { marker: 'circle' as const }),
      swatch: s.line === true ? ('line' as const) : ('marker' as const),
    }));
  const lg = showLegend ? legend(legendItems, 60, 14, width - 80) : { svg: '', height: 0 };
  const top = showLegend ? 14 + lg.height + 6 : 14;
  const height = (o.height ?? 340) + (showLegend ? lg.height : 0);
  const frame: Frame = { width, height, margin: { top, right: 24, bottom: 44, left: 60 } };
  const { x0, x1, y0, y1 } = inner(frame);
  const all = o.series.flatMap((s) => s.points);
  const hl = (o.hLines ?? []).map((h) => h.y);
  const xs = extent([...all.map((p) => p.x), ...(o.xInclude ?? [])]);
  const ys = extent([...all.map((p) => p.y), ...(o.yInclude ?? []), ...hl]);
  const allLines = o.series.every((s) => s.line === true && (s.marker === undefined || s.marker === 'none'));
  const padX = allLines ? 0 : (xs[1] - xs[0]) * 0.06 || 0.05;
  // Pad the automatic domains, but never across 0 when the data are non-negative (alignments, accuracies).
  const padLo = (lo: number, pad: number): number => (lo >= 0 && lo - pad < 0 ? 0 : lo - pad);
  const xBase = linearScale(o.xDomain ?? [padLo(xs[0], padX), xs[1] + padX], [x0, x1], { format: o.xFormat, nice: o.xDomain === undefined });
  const x = o.xTicks !== undefined ? withTicks(xBase, o.xTicks) : xBase;
  const y =
    o.yLog === true
      ? logScale(o.yDomain ?? [Math.max(ys[0], 1e-9), ys[1]], [y1, y0])
      : linearScale(o.yDomain ?? [padLo(ys[0], (ys[1] - ys[0]) * 0.06), ys[1] + (ys[1] - ys[0]) * 0.06], [y1, y0], { format: o.yFormat, nice: o.yDomain === undefined });
  const clampX = (v: number) => Math.min(x1, Math.max(x0, x(v)));
  const clampY = (v: number) => Math.min(y1, Math.max(y0, y(v)));
  const body: string[] = [axes(frame, x, y, { xLabel: o.xLabel, yLabel: o.yLabel, xGrid: true })];
  for (const h of o.hLines ?? []) {
    const yy = clampY(h.y);
    body.push(`<line class="ref-line" x1="${r(x0)}" x2="${r(x1)}" y1="${r(yy)}" y2="${r(yy)}" stroke="${h.color}" stroke-dasharray="5 4" stroke-width="1.3" />`);
    const left = h.labelAt === 'left';
    body.push(
      `<text x="${r(left ? x0 + 6 : x1 - 4)}" y="${r(yy - 5)}" text-anchor="${left ? 'start' : 'end'}" font-size="10.5" fill="${h.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(h.label)}</text>`,
    );
  }
  const labels: PointLabel[] = [];
  const markers: Rect[] = [];
  for (const s of o.series) {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (s.line === true && pts.length > 1) {
      const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(clampX(p.x))} ${r(clampY(p.y))}`).join('');
      body.push(`<path class="series-line" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dash === true ? ' stroke-dasharray="5 4"' : ''} />`);
    }
    const marker = s.marker ?? (s.line === true ? 'none' : 'circle');
    for (const p of pts) {
      const px = clampX(p.x);
      const py = clampY(p.y);
      if (marker !== 'none') {
        body.push(markerShape(marker, px, py, 4.6, s.hollow === true ? '#fff' : s.color, s.hollow === true ? s.color : '#fff'));
        markers.push({ x0: px - 6, y0: py - 6, x1: px + 6, y1: py + 6 });
      }
      if (p.label !== undefined) labels.push({ px, py, text: p.label, color: s.color });
    }
  }
  body.push(placeLabels(labels, { x0: x0 + 2, y0: y0 + 2, x1: x1 - 2, y1: y1 - 2 }, markers));
  body.push(lg.svg);
  return svgDoc(width, height, body.join(''), { title: o.title, className: o.className });
};

// ---------------------------------------------------------------------------
// Point labels that avoid each other
// ---------------------------------------------------------------------------

interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

interface PointLabel {
  readonly px: number;
  readonly py: number;
  readonly text: string;
  readonly color: string;
}

const overlaps = (a: Rect, b: Rect): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** Approximate width of text at 11px in the page's sans-serif font. */
const textWidth = (t: string, size = 11): number => t.length * size * 0.56;

/**
 * Greedy label placement: for each point try eight directions at growing
 * distances, keep the first spot inside `bounds` that overlaps no marker and
 * no label placed before; far spots get a leader line back to the point.
 */
export const placeLabels = (labels: readonly PointLabel[], bounds: Rect, markers: readonly Rect[]): string => {
  const placed: Rect[] = [];
  const out: string[] = [];
  const dirs: readonly [number, number][] = [
    [1, -1], [1, 1], [-1, -1], [-1, 1], [0, -1], [0, 1], [1, 0], [-1, 0],
  ];
  for (const l of labels) {
    const w = textWidth(l.text);
    const h = 12;
    let best: { rect: Rect; x: number; y: number; anchor: string; far: boolean } | undefined;
    let first: typeof best;
    outer: for (const dist of [1, 1.9, 3, 4.4, 6]) {
      for (const [dx, dy] of dirs) {
        const ox = dx * 8 * dist;
        const oy = dy * 8 * dist;
        const anchor = dx > 0 ? 'start' : dx < 0 ? 'end' : 'middle';
        const x = l.px + ox;
        const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
        // baseline: above the point for dy < 0, below for dy > 0, centred for dy = 0
        const top = dy < 0 ? l.py + oy - h : dy > 0 ? l.py + oy : l.py - h / 2;
        const rect: Rect = { x0: left - 1, y0: top, x1: left + w + 1, y1: top + h };
        const cand = { rect, x, y: top + h - 2.5, anchor, far: dist > 1.9 };
        first ??= cand;
        if (rect.x0 < bounds.x0 || rect.x1 > bounds.x1 || rect.y0 < bounds.y0 || rect.y1 > bounds.y1) continue;
        if (placed.some((p) => overlaps(p, rect)) || markers.some((m) => overlaps(m, rect))) continue;
        best = cand;
        break outer;
      }
    }
    const c = best ?? (first as NonNullable<typeof first>);
    placed.push(c.rect);
    if (c.far) {
      const tx = Math.min(Math.max(l.px, c.rect.x0), c.rect.x1);
      const ty = Math.min(Math.max(l.py, c.rect.y0), c.rect.y1);
      out.push(`<line class="leader" x1="${r(l.px)}" y1="${r(l.py)}" x2="${r(tx)}" y2="${r(ty)}" stroke="${l.color}" stroke-opacity="0.55" stroke-width="0.9" />`);
    }
    out.push(
      `<text class="point-label" x="${r(c.x)}" y="${r(c.y)}" text-anchor="${c.anchor}" font-size="11" fill="${l.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(l.text)}</text>`,
    );
  }
  return `<g class="labels">${out.join('')}</g>`;
};

// ---------------------------------------------------------------------------
// Grouped box + strip plots
// ---------------------------------------------------------------------------

export interface BoxItem {
  /** Sub-label, e.g. 'S' or 'F'. */
  readonly key: string;
  readonly color: string;
  readonly values: readonly number[];
  /** Draw the box hatched/light (e.g. for F next to S). */
  readonly light?: boolean;
  /** Summary to draw when there are no values (q1/median/q3 or just the mean). */
  readonly summary?: { readonly mean: number; readonly q1?: number; readonly median?: number; readonly q3?: number };
}

export interface BoxGroup {
  readonly name: string;
  readonly items: readonly BoxItem[];
}

export interface BoxPlotOpts {
  readonly title: string;
  readonly groups: readonly BoxGroup[];
  readonly yLabel: string;
  /** 'auto': log when the positive values span more than two decades. */
  readonly log?: boolean | 'auto';
  readonly width?: number;
  readonly height?: number;
  readonly hLines?: readonly { readonly y: number; readonly label: string; readonly color: string }[];
  readonly legend?: readonly LegendItem[];
  readonly className?: string;
  /** Largest number of points drawn per strip (deterministic subsample). */
  readonly maxStrip?: number;
}

/** Deterministic jitter in [-0.5, 0.5) (golden-ratio sequence). */
const jitter = (i: number): number => ((i * 0.6180339887498949) % 1) - 0.5;

/** Whether log scale is needed to show values spanning several decades. */
export const wantsLog = (values: readonly number[]): boolean => {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return false;
  const [lo, hi] = extent(pos);
  return hi / lo > 100;
};

export const boxStripPlot = (o: BoxPlotOpts): string => {
  const width = o.width ?? 560;
  const lg = o.legend !== undefined && o.legend.length > 0 ? legend(o.legend, 60, 14, width - 80) : { svg: '', height: 0 };
  const top = lg.height > 0 ? 14 + lg.height + 4 : 16;
  const height = (o.height ?? 320) + lg.height;
  const frame: Frame = { width, height, margin: { top, right: 18, bottom: 46, left: 60 } };
  const { x0, x1, y0, y1 } = inner(frame);
  const allValues = o.groups.flatMap((g) => g.items.flatMap((it) => (it.values.length > 0 ? it.values : [it.summary?.mean ?? 0, it.summary?.q1 ?? it.summary?.mean ?? 0, it.summary?.q3 ?? it.summary?.mean ?? 0])));
  const refs = (o.hLines ?? []).map((h) => h.y);
  const useLog = o.log === 'auto' || o.log === undefined ? wantsLog([...allValues, ...refs]) : o.log;
  const positive = [...allValues, ...refs].filter((v) => v > 0);
  const [lo, hi] = extent(positive.length > 0 ? positive : [1e-3, 1]);
  const floor = useLog ? Math.max(lo, 1e-7) : 0;
  const y = useLog ? logScale([floor, Math.min(1, hi * 1.5)], [y1, y0]) : linearScale([0, Math.min(1, Math.max(hi * 1.08, 1e-6))], [y1, y0]);
  const yv = (v: number) => Math.min(y1, Math.max(y0, y(useLog ? Math.max(v, floor) : v)));
  const body: string[] = [axes(frame, undefined, y, { yLabel: o.yLabel + (useLog ? ' (log scale)' : '') })];
  const band = (x1 - x0) / Math.max(1, o.groups.length);
  const maxStrip = o.maxStrip ?? 300;
  o.groups.forEach((g, gi) => {
    const gx = x0 + band * gi;
    const slot = (band * 0.82) / Math.max(1, g.items.length);
    const boxW = Math.min(46, slot * 0.62);
    if (gi % 2 === 1) body.push(`<rect x="${r(gx)}" y="${r(y0)}" width="${r(band)}" height="${r(y1 - y0)}" fill="#f7f8fa" />`);
    g.items.forEach((it, ii) => {
      const cx = gx + band * 0.09 + slot * (ii + 0.5);
      const st = boxStats(it.values);
      const fillOp = it.light === true ? 0.12 : 0.22;
      if (st !== undefined) {
        body.push(`<line x1="${r(cx)}" x2="${r(cx)}" y1="${r(yv(st.lo))}" y2="${r(yv(st.hi))}" stroke="${it.color}" stroke-width="1.3" />`);
        for (const w of [st.lo, st.hi]) body.push(`<line x1="${r(cx - boxW / 4)}" x2="${r(cx + boxW / 4)}" y1="${r(yv(w))}" y2="${r(yv(w))}" stroke="${it.color}" stroke-width="1.3" />`);
        const top3 = yv(st.q3);
        body.push(
          `<rect class="box" x="${r(cx - boxW / 2)}" y="${r(top3)}" width="${r(boxW)}" height="${r(Math.max(1, yv(st.q1) - top3))}" rx="2" fill="${it.color}" fill-opacity="${fillOp}" stroke="${it.color}" stroke-width="1.4"${it.light === true ? ' stroke-dasharray="4 2"' : ''} />`,
        );
        const stride = Math.max(1, Math.ceil(it.values.length / maxStrip));
        for (let i = 0; i < it.values.length; i += stride) {
          const v = it.values[i] as number;
          body.push(`<circle cx="${r(cx + jitter(i) * boxW * 1.1)}" cy="${r(yv(v))}" r="1.9" fill="${it.color}" fill-opacity="0.55" />`);
        }
        body.push(`<line x1="${r(cx - boxW / 2)}" x2="${r(cx + boxW / 2)}" y1="${r(yv(st.median))}" y2="${r(yv(st.median))}" stroke="${it.color}" stroke-width="2.6" />`);
        body.push(markerShape('diamond', cx, yv(st.mean), 3.2, '#fff', it.color));
      } else if (it.summary !== undefined) {
        const s = it.summary;
        if (s.q1 !== undefined && s.q3 !== undefined) {
          const top3 = yv(s.q3);
          body.push(`<rect class="box" x="${r(cx - boxW / 2)}" y="${r(top3)}" width="${r(boxW)}" height="${r(Math.max(1, yv(s.q1) - top3))}" rx="2" fill="${it.color}" fill-opacity="${fillOp}" stroke="${it.color}" stroke-width="1.4" />`);
        }
        if (s.median !== undefined) body.push(`<line x1="${r(cx - boxW / 2)}" x2="${r(cx + boxW / 2)}" y1="${r(yv(s.median))}" y2="${r(yv(s.median))}" stroke="${it.color}" stroke-width="2.6" />`);
        body.push(markerShape('diamond', cx, yv(s.mean), 3.6, '#fff', it.color));
      }
      body.push(`<text x="${r(cx)}" y="${r(y1 + 14)}" text-anchor="middle" font-size="10.5" fill="#6b7280">${esc(it.key)}</text>`);
    });
    body.push(`<text class="category" x="${r(gx + band / 2)}" y="${r(y1 + 30)}" text-anchor="middle" font-size="12" font-weight="600" fill="#1f2937">${esc(g.name)}</text>`);
  });
  for (const h of o.hLines ?? []) {
    const yy = yv(h.y);
    body.push(`<line class="ref-line" x1="${r(x0)}" x2="${r(x1)}" y1="${r(yy)}" y2="${r(yy)}" stroke="${h.color}" stroke-dasharray="5 4" stroke-width="1.2" />`);
    body.push(`<text x="${r(x1 - 4)}" y="${r(yy - 4)}" text-anchor="end" font-size="10" fill="${h.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(h.label)}</text>`);
  }
  body.push(lg.svg);
  return svgDoc(width, height, body.join(''), { title: o.title, className: o.className });
};

// ---------------------------------------------------------------------------
// Bar charts
// ---------------------------------------------------------------------------

export interface Bar {
  readonly name: string;
  readonly value: number;
  readonly color?: string;
  /** Text at the end of the bar (default: the formatted value). */
  readonly label?: string;
}

export interface BarChartOpts {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly xLabel: string;
  readonly width?: number;
  /** Height of one bar's row. */
  readonly rowHeight?: number;
  /** Colour of positive (and, when not signed, all) bars. */
  readonly color?: string;
  /** Colour of negative bars. */
  readonly negativeColor?: string;
  readonly log?: boolean;
  readonly className?: string;
  /** Vertical reference line. */
  readonly vLine?: { readonly x: number; readonly label: string; readonly color: string };
  readonly labelWidth?: number;
}

/** Horizontal bar chart; negative values extend left of a zero line. */
export const barChart = (o: BarChartOpts): string => {
  const width = o.width ?? 520;
  const rowH = o.rowHeight ?? 30;
  const labelW = o.labelWidth ?? Math.min(200, Math.max(70, Math.max(...o.bars.map((b) => b.name.length)) * 7 + 16));
  const height = 30 + rowH * o.bars.length + 46;
  const frame: Frame = { width, height, margin: { top: 22, right: 56, bottom: 46, left: labelW } };
  const { x0, x1, y0, y1 } = inner(frame);
  const vals = o.bars.map((b) => b.value);
  const refs = o.vLine !== undefined ? [o.vLine.x] : [];
  let x: Scale;
  if (o.log === true) {
    const pos = [...vals, ...refs].filter((v) => v > 0);
    const [lo, hi] = extent(pos.length > 0 ? pos : [0.1, 1]);
    x = logScale([Math.min(lo, 1), hi * 1.2], [x0, x1]);
  } else {
    const [lo, hi] = extent([...vals, ...refs, 0]);
    x = linearScale([lo, hi], [x0, x1]);
  }
  const base = o.log === true ? x(x.domain[0]) : x(0);
  const parts: string[] = [];
  for (const t of x.ticks) {
    const xx = x(t);
    parts.push(`<line class="grid" x1="${r(xx)}" x2="${r(xx)}" y1="${r(y0)}" y2="${r(y1)}" stroke="#e6e8ec" />`);
    parts.push(`<text class="tick" x="${r(xx)}" y="${r(y1 + 16)}" text-anchor="middle" font-size="11" fill="#4b5563">${esc(x.format(t))}</text>`);
  }
  o.bars.forEach((b, i) => {
    const cy = y0 + 8 + rowH * (i + 0.5);
    const v = o.log === true ? Math.max(b.value, x.domain[0]) : b.value;
    const xv = x(v);
    const color = b.color ?? (b.value < 0 ? (o.negativeColor ?? '#2166ac') : (o.color ?? '#b2182b'));
    const bx = Math.min(base, xv);
    const bw = Math.max(1, Math.abs(xv - base));
    parts.push(`<rect class="bar" x="${r(bx)}" y="${r(cy - rowH * 0.32)}" width="${r(bw)}" height="${r(rowH * 0.64)}" rx="2.5" fill="${color}" fill-opacity="0.85" />`);
    parts.push(`<text x="${r(x0 - 8)}" y="${r(cy)}" text-anchor="end" dominant-baseline="middle" font-size="12" fill="#1f2937">${esc(b.name)}</text>`);
    const right = b.value >= 0 || o.log === true;
    parts.push(
      `<text x="${r(right ? Math.max(xv, base) + 5 : Math.min(xv, base) - 5)}" y="${r(cy)}" text-anchor="${right ? 'start' : 'end'}" dominant-baseline="middle" font-size="11" fill="#374151">${esc(b.label ?? fmt(b.value))}</text>`,
    );
  });
  parts.push(`<line x1="${r(base)}" x2="${r(base)}" y1="${r(y0)}" y2="${r(y1)}" stroke="#6b7280" />`);
  parts.push(`<line x1="${r(x0)}" x2="${r(x1)}" y1="${r(y1)}" y2="${r(y1)}" stroke="#8a919c" />`);
  if (o.vLine !== undefined) {
    const xx = x(o.vLine.x);
    parts.push(`<line class="ref-line" x1="${r(xx)}" x2="${r(xx)}" y1="${r(y0 - 6)}" y2="${r(y1)}" stroke="${o.vLine.color}" stroke-dasharray="5 4" stroke-width="1.3" />`);
    parts.push(`<text x="${r(xx + 4)}" y="${r(y0 - 8)}" font-size="10.5" fill="${o.vLine.color}">${esc(o.vLine.label)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${r((x0 + x1) / 2)}" y="${r(height - 6)}" text-anchor="middle" font-size="12" fill="#1f2937">${esc(o.xLabel + (o.log === true ? ' (log scale)' : ''))}</text>`);
  return svgDoc(width, height, parts.join(''), { title: o.title, className: o.className });
};

// ---------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------

const hex = (rgb: readonly [number, number, number]): string =>
  `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;

/** Interpolate between colour stops (t in [0, 1]). */
export const interpolate = (stops: readonly (readonly [number, number, number])[], t: number): [number, number, number] => {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i] as readonly [number, number, number];
  const b = stops[i + 1] as readonly [number, number, number];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
};

/** Sequential palette for a λ sweep (dark blue-violet → teal → green), readable on white. */
const SEQ: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [53, 183, 121],
  [144, 200, 50],
];

/** Colour for item i of n along the sequential palette. */
export const sequentialColor = (i: number, n: number): string => hex(interpolate(SEQ, n <= 1 ? 0.35 : (i / (n - 1)) * 0.92));

/** Categorical palette (colour-blind friendly, Okabe–Ito based). */
export const CATEGORICAL: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#8C6D31', '#F0E442'];

export const NOISE_COLOR = '#7b8494';
