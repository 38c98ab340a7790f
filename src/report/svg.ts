/**
 * Plain-SVG plots for the report: line and scatter plots with error bars and bands, grouped box
 * and strip plots, and row charts (bars or points with intervals and per-seed dots).
 *
 * Scales, ticks and quantiles come from d3-scale and d3-array, paths from d3-shape: none of them
 * needs a DOM, so the report stays a static page without scripts. Every function returns `Markup`
 * (./markup.ts) meant to be inlined in HTML (no ids, so any number can share a page); coordinates
 * are in viewBox units and the SVG scales to its container's width, never above its natural size.
 */
import { extent as d3extent, quantileSorted } from 'd3-array';
import { scaleLinear, scaleLog } from 'd3-scale';
import { area, line } from 'd3-shape';
import { EMPTY, html, joinMarkup, type Markup } from './markup.ts';

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

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

/** A coordinate rounded to 2 decimals. */
const r = (v: number): number => Math.round(v * 100) / 100;

const SUPERSCRIPT: Readonly<Record<string, string>> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10 to an integer power, as text with a superscript exponent ("10⁻³"). */
export const pow10 = (e: number): string => `10${String(e).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;

/** [min, max] of the finite values; [0, 1] when there are none. */
export const finiteExtent = (vs: readonly number[]): [number, number] => {
  const [lo, hi] = d3extent(vs.filter((v) => Number.isFinite(v)));
  return lo === undefined || hi === undefined ? [0, 1] : [lo, hi];
};

// ---------------------------------------------------------------------------
// Scales (d3-scale)
// ---------------------------------------------------------------------------

export interface Scale {
  (v: number): number;
  readonly kind: 'linear' | 'log';
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  readonly format: (v: number) => string;
}

const asScale = (f: (v: number) => number, kind: Scale['kind'], domain: readonly [number, number], ticks: readonly number[], format: (v: number) => string): Scale =>
  Object.assign((v: number) => f(v), { kind, domain, ticks, format });

/** A linear scale; unless `nice` is false its domain is extended to round ticks (a point domain is widened). */
export const linearScale = (domain: readonly [number, number], range: readonly [number, number], opts: { nice?: boolean; ticks?: number; format?: (v: number) => string } = {}): Scale => {
  const count = opts.ticks ?? 5;
  let [lo, hi] = domain;
  if (lo === hi) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const s = scaleLinear().domain([lo, hi]).range([range[0], range[1]]);
  if (opts.nice !== false) s.nice(count);
  const [d0, d1] = s.domain() as [number, number];
  return asScale(s, 'linear', [d0, d1], s.ticks(count), opts.format ?? s.tickFormat(count));
};

/** The same scale with other tick positions. */
export const withTicks = (s: Scale, ticks: readonly number[]): Scale => asScale(s, s.kind, s.domain, ticks, s.format);

/** Base-10 log scale over whole decades, ticked at powers of ten. */
export const logScale = (domain: readonly [number, number], range: readonly [number, number]): Scale => {
  const lo = Math.max(domain[0], Number.MIN_VALUE);
  const s = scaleLog().domain([lo, Math.max(domain[1], lo * 10)]).range([range[0], range[1]]).nice().clamp(true);
  const [d0, d1] = s.domain() as [number, number];
  const decades = s.ticks().filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
  const every = Math.max(1, Math.ceil((decades.length - 1) / 6));
  const format = (v: number): string => {
    const e = Math.round(Math.log10(v));
    return e >= -2 && e <= 3 ? String(Number(v.toPrecision(3))) : pow10(e);
  };
  return asScale(s, 'log', [d0, d1], decades.filter((_, i) => i % every === 0), format);
};

// ---------------------------------------------------------------------------
// Box statistics (d3-array quantiles, type 7)
// ---------------------------------------------------------------------------

export interface BoxStats {
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly mean: number;
  /** Whiskers: the most extreme values within 1.5 IQR of the box. */
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

export const boxStats = (values: readonly number[]): BoxStats | undefined => {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(s, p) as number;
  const [q1, median, q3] = [q(0.25), q(0.5), q(0.75)];
  const iqr = q3 - q1;
  const inside = s.filter((v) => v >= q1 - 1.5 * iqr && v <= q3 + 1.5 * iqr);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { q1, median, q3, mean, lo: inside[0] ?? q1, hi: inside[inside.length - 1] ?? q3, n: s.length };
};

// ---------------------------------------------------------------------------
// Frame, axes, legend
// ---------------------------------------------------------------------------

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly margin: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number };
}

export const inner = (f: Frame) => ({ x0: f.margin.left, x1: f.width - f.margin.right, y0: f.margin.top, y1: f.height - f.margin.bottom });

/** Wrap plot content in an accessible, responsive `<svg>`. */
export const svgDoc = (width: number, height: number, body: Markup, opts: { title: string; className?: string | undefined }): Markup =>
  html`<svg class="plot ${opts.className ?? ''}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" style="width:100%;max-width:${width}px;height:auto" role="img" aria-label="${opts.title}" font-family="inherit"><title>${opts.title}</title>${body}</svg>`;

export interface AxisOpts {
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Draw vertical grid lines at the x ticks (default false); horizontal ones are always drawn. */
  readonly xGrid?: boolean;
}

const TICK = '#8a919c';
const GRID = '#e6e8ec';

/** Axis lines, ticks, tick labels, grid lines and axis titles; `x` undefined for a categorical x. */
export const axes = (frame: Frame, x: Scale | undefined, y: Scale, opts: AxisOpts = {}): Markup => {
  const { x0, x1, y0, y1 } = inner(frame);
  const yTicks = y.ticks.filter((t) => y(t) >= y0 - 0.5 && y(t) <= y1 + 0.5);
  const xTicks = x === undefined ? [] : x.ticks.filter((t) => x(t) >= x0 - 0.5 && x(t) <= x1 + 0.5);
  return html`${yTicks.map((t) => {
    const yy = r(y(t));
    return html`<line class="grid" x1="${x0}" x2="${x1}" y1="${yy}" y2="${yy}" stroke="${GRID}" /><line x1="${x0 - 4}" x2="${x0}" y1="${yy}" y2="${yy}" stroke="${TICK}" /><text class="tick" x="${x0 - 7}" y="${yy}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#4b5563">${y.format(t)}</text>`;
  })}${xTicks.map((t) => {
    const xx = r((x as Scale)(t));
    return html`${opts.xGrid === true ? html`<line class="grid" x1="${xx}" x2="${xx}" y1="${y0}" y2="${y1}" stroke="${GRID}" />` : EMPTY}<line x1="${xx}" x2="${xx}" y1="${y1}" y2="${y1 + 4}" stroke="${TICK}" /><text class="tick" x="${xx}" y="${y1 + 16}" text-anchor="middle" font-size="11" fill="#4b5563">${(x as Scale).format(t)}</text>`;
  })}<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y1}" stroke="${TICK}" /><line x1="${x0}" x2="${x1}" y1="${y1}" y2="${y1}" stroke="${TICK}" />${
    opts.xLabel !== undefined ? html`<text class="axis-label" x="${r((x0 + x1) / 2)}" y="${frame.height - 6}" text-anchor="middle" font-size="12" fill="#1f2937">${opts.xLabel}</text>` : EMPTY
  }${opts.yLabel !== undefined ? html`<text class="axis-label" transform="translate(14 ${r((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="#1f2937">${opts.yLabel}</text>` : EMPTY}`;
};

export type Marker = 'circle' | 'diamond' | 'square';

export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dash?: boolean | undefined;
  readonly marker?: Marker | undefined;
  readonly hollow?: boolean | undefined;
  /** 'line' draws a short line, 'box' a filled square, 'marker' the marker only, 'band' a translucent strip. */
  readonly swatch?: 'line' | 'box' | 'marker' | 'band';
}

export const markerShape = (m: Marker, x: number, y: number, size: number, fill: string, stroke: string): Markup => {
  if (m === 'diamond') {
    const s = size * 1.3;
    return html`<path d="M${r(x)} ${r(y - s)}L${r(x + s)} ${r(y)}L${r(x)} ${r(y + s)}L${r(x - s)} ${r(y)}Z" fill="${fill}" stroke="${stroke}" stroke-width="1.6" />`;
  }
  if (m === 'square') return html`<rect x="${r(x - size)}" y="${r(y - size)}" width="${r(size * 2)}" height="${r(size * 2)}" fill="${fill}" stroke="${stroke}" stroke-width="1.4" />`;
  return html`<circle cx="${r(x)}" cy="${r(y)}" r="${r(size)}" fill="${fill}" stroke="${stroke}" stroke-width="1.4" />`;
};

const swatchOf = (it: LegendItem, cx: number, cy: number): Markup => {
  const swatch = it.swatch ?? (it.marker !== undefined ? 'marker' : 'line');
  if (swatch === 'box' || swatch === 'band') {
    const op = swatch === 'band' ? 0.2 : it.hollow === true ? 0.25 : 0.85;
    return html`<rect x="${r(cx)}" y="${r(cy - 5)}" width="18" height="10" rx="2" fill="${it.color}" fill-opacity="${op}" stroke="${swatch === 'band' ? 'none' : it.color}" />`;
  }
  if (swatch === 'line') {
    return html`<line x1="${r(cx)}" x2="${r(cx + 18)}" y1="${r(cy)}" y2="${r(cy)}" stroke="${it.color}" stroke-width="2.2"${it.dash === true ? html` stroke-dasharray="4 3"` : EMPTY} />${
      it.marker !== undefined ? markerShape(it.marker, cx + 9, cy, 3.2, it.hollow === true ? '#fff' : it.color, it.color) : EMPTY
    }`;
  }
  return markerShape(it.marker ?? 'circle', cx + 9, cy, 4, it.hollow === true ? '#fff' : it.color, it.color);
};

/** A horizontal legend laid out left to right from (x, y), wrapping at maxWidth. */
export const legend = (items: readonly LegendItem[], x: number, y: number, maxWidth: number): { svg: Markup; height: number } => {
  const parts: Markup[] = [];
  let cx = x;
  let cy = y;
  for (const it of items) {
    const w = 26 + textWidth(it.name, 11.5) + 14;
    if (cx + w > x + maxWidth && cx > x) {
      cx = x;
      cy += 18;
    }
    parts.push(html`${swatchOf(it, cx, cy)}<text x="${r(cx + 24)}" y="${r(cy)}" dominant-baseline="middle" font-size="11.5" fill="#374151">${it.name}</text>`);
    cx += w;
  }
  return { svg: items.length === 0 ? EMPTY : html`<g class="legend">${parts}</g>`, height: items.length === 0 ? 0 : cy - y + 18 };
};

/** Approximate width of text in the page's sans-serif font. */
const textWidth = (t: string, size = 11): number => t.length * size * 0.56;

export interface RefLine {
  readonly at: number;
  readonly label: string;
  readonly color: string;
  /** Where the label goes: 'start' puts it at the left end (horizontal) or left of the line (vertical). */
  readonly labelAt?: 'start' | 'end';
}

/** Dashed reference lines across the plot: horizontal at y values, or vertical at x values. */
const refLines = (lines: readonly RefLine[], orient: 'h' | 'v', pos: (v: number) => number, box: ReturnType<typeof inner>): Markup =>
  joinMarkup(
    lines.map((l) => {
      const p = r(pos(l.at));
      if (orient === 'h') {
        const start = l.labelAt === 'start';
        return html`<line class="ref-line" x1="${box.x0}" x2="${box.x1}" y1="${p}" y2="${p}" stroke="${l.color}" stroke-dasharray="5 4" stroke-width="1.3" /><text x="${start ? box.x0 + 6 : box.x1 - 4}" y="${p - 5}" text-anchor="${start ? 'start' : 'end'}" font-size="10.5" fill="${l.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${l.label}</text>`;
      }
      const before = l.labelAt === 'start';
      return html`<line class="ref-line" x1="${p}" x2="${p}" y1="${box.y0 - 4}" y2="${box.y1}" stroke="${l.color}" stroke-dasharray="5 4" stroke-width="1.3" /><text x="${before ? p - 4 : p + 4}" y="${box.y0 + 6}" text-anchor="${before ? 'end' : 'start'}" font-size="10.5" fill="${l.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${l.label}</text>`;
    }),
  );

// ---------------------------------------------------------------------------
// Line and scatter plots with error bars and bands
// ---------------------------------------------------------------------------

export interface XYPoint {
  readonly x: number;
  readonly y: number;
  /** Text drawn beside the point. */
  readonly label?: string;
  /** Interval in x and in y, drawn as error bars. */
  readonly xErr?: readonly [number, number];
  readonly yErr?: readonly [number, number];
}

export interface XYSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly XYPoint[];
  /** Connect the points in order (default false). */
  readonly line?: boolean;
  readonly dash?: boolean;
  readonly marker?: Marker | 'none';
  readonly hollow?: boolean;
  /** Marker radius (default 4.6); small translucent markers show per-seed values. */
  readonly size?: number;
  readonly opacity?: number;
  /** A translucent band from lo to hi at each x (e.g. the seeds' range around a mean curve). */
  readonly band?: readonly { readonly x: number; readonly lo: number; readonly hi: number }[];
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
  /** A base-10 log scale in y (values ≤ 0 sit at its floor). */
  readonly yLog?: boolean;
  /** Include these values in the automatic domains (e.g. 0). */
  readonly xInclude?: readonly number[];
  readonly yInclude?: readonly number[];
  readonly xFormat?: (v: number) => string;
  readonly xTicks?: readonly number[];
  readonly hLines?: readonly RefLine[];
  readonly vLines?: readonly RefLine[];
  readonly legend?: readonly LegendItem[];
  readonly className?: string;
}

const seriesLegend = (s: XYSeries): LegendItem => ({
  name: s.name,
  color: s.color,
  dash: s.dash,
  hollow: s.hollow,
  marker: s.marker !== undefined && s.marker !== 'none' ? s.marker : s.line === true ? undefined : 'circle',
  swatch: s.line === true ? 'line' : s.band !== undefined && s.points.length === 0 ? 'band' : 'marker',
});

/** Every value the plot must show in x and in y (points, their intervals and bands). */
const xyValues = (o: XYPlotOpts): { xs: number[]; ys: number[] } => {
  const xs: number[] = [...(o.xInclude ?? []), ...(o.vLines ?? []).map((l) => l.at)];
  const ys: number[] = [...(o.yInclude ?? []), ...(o.hLines ?? []).map((l) => l.at)];
  for (const s of o.series) {
    for (const p of s.points) xs.push(p.x, ...(p.xErr ?? [])), ys.push(p.y, ...(p.yErr ?? []));
    for (const b of s.band ?? []) xs.push(b.x), ys.push(b.lo, b.hi);
  }
  return { xs, ys };
};

/** [min, max] of the positive values, for a log axis ([0.1, 10] when there are none). */
const positiveExtent = (vs: readonly number[]): [number, number] => {
  const pos = vs.filter((v) => v > 0 && Number.isFinite(v));
  return pos.length === 0 ? [0.1, 10] : finiteExtent(pos);
};

/** Padded automatic domain that never crosses 0 when the values are non-negative. */
const padded = (lo: number, hi: number, pad: number): [number, number] => [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];

const errorBars = (p: XYPoint, px: number, py: number, x: (v: number) => number, y: (v: number) => number, color: string): Markup => {
  const cap = 3.5;
  const ex = p.xErr === undefined ? EMPTY : html`<path class="error-bar" d="M${r(x(p.xErr[0]))} ${r(py)}H${r(x(p.xErr[1]))}M${r(x(p.xErr[0]))} ${r(py - cap)}V${r(py + cap)}M${r(x(p.xErr[1]))} ${r(py - cap)}V${r(py + cap)}" stroke="${color}" stroke-width="1.4" fill="none" />`;
  const ey = p.yErr === undefined ? EMPTY : html`<path class="error-bar" d="M${r(px)} ${r(y(p.yErr[0]))}V${r(y(p.yErr[1]))}M${r(px - cap)} ${r(y(p.yErr[0]))}H${r(px + cap)}M${r(px - cap)} ${r(y(p.yErr[1]))}H${r(px + cap)}" stroke="${color}" stroke-width="1.4" fill="none" />`;
  return html`${ex}${ey}`;
};

const drawSeries = (s: XYSeries, x: (v: number) => number, y: (v: number) => number, labels: PointLabel[], markers: Rect[]): Markup => {
  const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const band = s.band === undefined || s.band.length < 2 ? EMPTY : html`<path class="band" d="${area<{ x: number; lo: number; hi: number }>().x((b) => r(x(b.x))).y0((b) => r(y(b.lo))).y1((b) => r(y(b.hi)))(s.band) ?? ''}" fill="${s.color}" fill-opacity="0.16" stroke="none" />`;
  const path = s.line === true && pts.length > 1 ? html`<path class="series-line" d="${line<XYPoint>().x((p) => r(x(p.x))).y((p) => r(y(p.y)))(pts) ?? ''}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dash === true ? html` stroke-dasharray="5 4"` : EMPTY} />` : EMPTY;
  const marker = s.marker ?? (s.line === true ? 'none' : 'circle');
  const size = s.size ?? 4.6;
  const dots = pts.map((p) => {
    const [px, py] = [x(p.x), y(p.y)];
    if (p.label !== undefined) labels.push({ px, py, text: p.label, color: s.color });
    if (marker === 'none') return errorBars(p, px, py, x, y, s.color);
    if (size >= 3) markers.push({ x0: px - size - 1.5, y0: py - size - 1.5, x1: px + size + 1.5, y1: py + size + 1.5 });
    const shape = markerShape(marker, px, py, size, s.hollow === true ? '#fff' : s.color, s.hollow === true ? s.color : size < 3 ? 'none' : '#fff');
    return html`${errorBars(p, px, py, x, y, s.color)}${s.opacity !== undefined ? html`<g opacity="${s.opacity}">${shape}</g>` : shape}`;
  });
  return html`${band}${path}<g class="series">${dots}</g>`;
};

/** Line or scatter plot with error bars, bands, reference lines, point labels and a legend. */
export const xyPlot = (o: XYPlotOpts): Markup => {
  const width = o.width ?? 560;
  const items = o.legend ?? o.series.filter((s) => s.noLegend !== true).map(seriesLegend);
  const lg = legend(items, 60, 14, width - 80);
  const top = lg.height > 0 ? 14 + lg.height + 6 : 14;
  const height = (o.height ?? 340) + lg.height;
  const frame: Frame = { width, height, margin: { top, right: 24, bottom: 44, left: 60 } };
  const box = inner(frame);
  const { xs, ys } = xyValues(o);
  const [xlo, xhi] = finiteExtent(xs);
  const [ylo, yhi] = finiteExtent(ys);
  const xBase = linearScale(o.xDomain ?? padded(xlo, xhi, (xhi - xlo) * 0.04), [box.x0, box.x1], { nice: o.xDomain === undefined, ...(o.xFormat ? { format: o.xFormat } : {}) });
  const xs_ = o.xTicks !== undefined ? withTicks(xBase, o.xTicks) : xBase;
  const ys_ = o.yLog === true ? logScale(o.yDomain ?? positiveExtent(ys), [box.y1, box.y0]) : linearScale(o.yDomain ?? padded(ylo, yhi, (yhi - ylo) * 0.06), [box.y1, box.y0], { nice: o.yDomain === undefined });
  const x = (v: number) => Math.min(box.x1, Math.max(box.x0, xs_(v)));
  const y = (v: number) => Math.min(box.y1, Math.max(box.y0, ys_(o.yLog === true ? Math.max(v, ys_.domain[0]) : v)));
  const labels: PointLabel[] = [];
  const markers: Rect[] = [];
  const drawn = o.series.map((s) => drawSeries(s, x, y, labels, markers));
  const body = html`${axes(frame, xs_, ys_, { xLabel: o.xLabel, yLabel: o.yLabel + (o.yLog === true ? ' (log scale)' : ''), xGrid: true })}${refLines(o.hLines ?? [], 'h', y, box)}${refLines(o.vLines ?? [], 'v', x, box)}${drawn}${placeLabels(labels, { x0: box.x0 + 2, y0: box.y0 + 2, x1: box.x1 - 2, y1: box.y1 - 2 }, markers)}${lg.svg}`;
  return svgDoc(width, height, body, { title: o.title, className: o.className });
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

const DIRECTIONS: readonly [number, number][] = [
  [1, -1], [1, 1], [-1, -1], [-1, 1], [0, -1], [0, 1], [1, 0], [-1, 0],
];

interface Spot {
  readonly rect: Rect;
  readonly x: number;
  readonly y: number;
  readonly anchor: string;
  readonly far: boolean;
}

const spotAt = (l: PointLabel, dx: number, dy: number, dist: number): Spot => {
  const w = textWidth(l.text);
  const h = 12;
  const x = l.px + dx * 8 * dist;
  const anchor = dx > 0 ? 'start' : dx < 0 ? 'end' : 'middle';
  const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  const top = dy < 0 ? l.py + dy * 8 * dist - h : dy > 0 ? l.py + dy * 8 * dist : l.py - h / 2;
  return { rect: { x0: left - 1, y0: top, x1: left + w + 1, y1: top + h }, x, y: top + h - 2.5, anchor, far: dist > 1.9 };
};

/**
 * Greedy label placement: for each point try eight directions at growing distances, keep the
 * first spot inside `bounds` that overlaps no marker and no earlier label; far spots get a leader
 * line back to the point.
 */
export const placeLabels = (labels: readonly PointLabel[], bounds: Rect, markers: readonly Rect[]): Markup => {
  const placed: Rect[] = [];
  const free = (s: Spot) =>
    s.rect.x0 >= bounds.x0 && s.rect.x1 <= bounds.x1 && s.rect.y0 >= bounds.y0 && s.rect.y1 <= bounds.y1 && !placed.some((p) => overlaps(p, s.rect)) && !markers.some((m) => overlaps(m, s.rect));
  const out = labels.map((l) => {
    const spots = [1, 1.9, 3, 4.4, 6].flatMap((dist) => DIRECTIONS.map(([dx, dy]) => spotAt(l, dx, dy, dist)));
    const c = spots.find(free) ?? (spots[0] as Spot);
    placed.push(c.rect);
    const leader = c.far
      ? html`<line class="leader" x1="${r(l.px)}" y1="${r(l.py)}" x2="${r(Math.min(Math.max(l.px, c.rect.x0), c.rect.x1))}" y2="${r(Math.min(Math.max(l.py, c.rect.y0), c.rect.y1))}" stroke="${l.color}" stroke-opacity="0.55" stroke-width="0.9" />`
      : EMPTY;
    return html`${leader}<text class="point-label" x="${r(c.x)}" y="${r(c.y)}" text-anchor="${c.anchor}" font-size="11" fill="${l.color}" paint-order="stroke" stroke="#fff" stroke-width="3">${l.text}</text>`;
  });
  return html`<g class="labels">${out}</g>`;
};

// ---------------------------------------------------------------------------
// Grouped box + strip plots
// ---------------------------------------------------------------------------

export interface BoxItem {
  /** Sub-label, e.g. 'S' or 'F'. */
  readonly key: string;
  readonly color: string;
  readonly values: readonly number[];
  /** Draw the box light and dashed (e.g. F next to S). */
  readonly light?: boolean;
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
  readonly hLines?: readonly RefLine[];
  readonly legend?: readonly LegendItem[];
  readonly className?: string;
  /** Largest number of points drawn per strip (an even subsample). */
  readonly maxStrip?: number;
}

/** Deterministic jitter in [-0.5, 0.5) (golden-ratio sequence). */
const jitter = (i: number): number => ((i * 0.6180339887498949) % 1) - 0.5;

/** Whether a log scale is needed to show values spanning several decades. */
export const wantsLog = (values: readonly number[]): boolean => {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return false;
  const [lo, hi] = finiteExtent(pos);
  return hi / lo > 100;
};

const boxGlyph = (it: BoxItem, st: BoxStats, cx: number, boxW: number, yv: (v: number) => number, maxStrip: number): Markup => {
  const top3 = yv(st.q3);
  const stride = Math.max(1, Math.ceil(it.values.length / maxStrip));
  const strip = it.values.filter((_, i) => i % stride === 0).map((v, k) => html`<circle cx="${r(cx + jitter(k) * boxW * 1.1)}" cy="${r(yv(v))}" r="1.9" fill="${it.color}" fill-opacity="0.5" />`);
  return html`<line x1="${r(cx)}" x2="${r(cx)}" y1="${r(yv(st.lo))}" y2="${r(yv(st.hi))}" stroke="${it.color}" stroke-width="1.3" />${[st.lo, st.hi].map(
    (w) => html`<line x1="${r(cx - boxW / 4)}" x2="${r(cx + boxW / 4)}" y1="${r(yv(w))}" y2="${r(yv(w))}" stroke="${it.color}" stroke-width="1.3" />`,
  )}<rect class="box" x="${r(cx - boxW / 2)}" y="${r(top3)}" width="${r(boxW)}" height="${r(Math.max(1, yv(st.q1) - top3))}" rx="2" fill="${it.color}" fill-opacity="${it.light === true ? 0.12 : 0.22}" stroke="${it.color}" stroke-width="1.4"${
    it.light === true ? html` stroke-dasharray="4 2"` : EMPTY
  } />${strip}<line x1="${r(cx - boxW / 2)}" x2="${r(cx + boxW / 2)}" y1="${r(yv(st.median))}" y2="${r(yv(st.median))}" stroke="${it.color}" stroke-width="2.6" />${markerShape('diamond', cx, yv(st.mean), 3.2, '#fff', it.color)}`;
};

export const boxStripPlot = (o: BoxPlotOpts): Markup => {
  const width = o.width ?? 560;
  const lg = legend(o.legend ?? [], 60, 14, width - 80);
  const height = (o.height ?? 320) + lg.height;
  const frame: Frame = { width, height, margin: { top: lg.height > 0 ? 14 + lg.height + 4 : 16, right: 18, bottom: 46, left: 60 } };
  const box = inner(frame);
  const all = [...o.groups.flatMap((g) => g.items.flatMap((it) => it.values)), ...(o.hLines ?? []).map((h) => h.at)];
  const useLog = o.log === 'auto' || o.log === undefined ? wantsLog(all) : o.log;
  const positive = all.filter((v) => v > 0);
  const [lo, hi] = finiteExtent(positive.length > 0 ? positive : [1e-3, 1]);
  const floor = useLog ? Math.max(lo, 1e-7) : 0;
  const y = useLog ? logScale([floor, Math.min(1, hi * 1.5)], [box.y1, box.y0]) : linearScale([0, Math.min(1, Math.max(hi * 1.08, 1e-6))], [box.y1, box.y0]);
  const yv = (v: number) => Math.min(box.y1, Math.max(box.y0, y(useLog ? Math.max(v, floor) : v)));
  const band = (box.x1 - box.x0) / Math.max(1, o.groups.length);
  const groups = o.groups.map((g, gi) => {
    const gx = box.x0 + band * gi;
    const slot = (band * 0.82) / Math.max(1, g.items.length);
    const boxW = Math.min(46, slot * 0.62);
    const items = g.items.map((it, ii) => {
      const cx = gx + band * 0.09 + slot * (ii + 0.5);
      const st = boxStats(it.values);
      return html`${st === undefined ? EMPTY : boxGlyph(it, st, cx, boxW, yv, o.maxStrip ?? 300)}<text x="${r(cx)}" y="${r(box.y1 + 14)}" text-anchor="middle" font-size="10.5" fill="#6b7280">${it.key}</text>`;
    });
    const shade = gi % 2 === 1 ? html`<rect x="${r(gx)}" y="${box.y0}" width="${r(band)}" height="${r(box.y1 - box.y0)}" fill="#f7f8fa" />` : EMPTY;
    return html`${shade}${items}<text class="category" x="${r(gx + band / 2)}" y="${r(box.y1 + 30)}" text-anchor="middle" font-size="12" font-weight="600" fill="#1f2937">${g.name}</text>`;
  });
  const body = html`${axes(frame, undefined, y, { yLabel: o.yLabel + (useLog ? ' (log scale)' : '') })}${groups}${refLines(o.hLines ?? [], 'h', yv, box)}${lg.svg}`;
  return svgDoc(width, height, body, { title: o.title, className: o.className });
};

// ---------------------------------------------------------------------------
// Row charts: a bar or a point per row, with an interval and per-seed dots
// ---------------------------------------------------------------------------

export interface Row {
  readonly name: string;
  /** The mean (or the single value). */
  readonly value: number;
  /** A 95% interval around it, drawn as a whisker. */
  readonly lo?: number | null;
  readonly hi?: number | null;
  /** Per-seed values, drawn as dots beside the bar. */
  readonly values?: readonly number[];
  readonly color?: string;
  /** Text at the end of the row (default: the formatted value). */
  readonly label?: string;
  /** A heading row drawn above this one (groups rows). */
  readonly group?: string;
}

export interface RowChartOpts {
  readonly title: string;
  readonly rows: readonly Row[];
  readonly xLabel: string;
  /** 'bar' draws bars from the baseline; 'point' a dot (a forest plot). */
  readonly style?: 'bar' | 'point';
  readonly width?: number;
  readonly rowHeight?: number;
  readonly log?: boolean;
  readonly xDomain?: readonly [number, number];
  readonly vLines?: readonly RefLine[];
  readonly legend?: readonly LegendItem[];
  readonly className?: string;
}

const rowScale = (o: RowChartOpts, x0: number, x1: number): Scale => {
  const vals = o.rows.flatMap((b) => [b.value, b.lo ?? b.value, b.hi ?? b.value, ...(b.values ?? [])]);
  const refs = (o.vLines ?? []).map((l) => l.at);
  if (o.log === true) {
    const pos = [...vals, ...refs].filter((v) => v > 0);
    const [lo, hi] = finiteExtent(pos.length > 0 ? pos : [0.1, 1]);
    return logScale(o.xDomain ?? [Math.min(lo, 1), hi * 1.2], [x0, x1]);
  }
  const [lo, hi] = finiteExtent([...vals, ...refs, ...(o.style === 'point' ? [] : [0])]);
  return linearScale(o.xDomain ?? [lo, hi], [x0, x1], { nice: true });
};

const rowGlyph = (o: RowChartOpts, b: Row, cy: number, x: (v: number) => number, base: number, h: number): Markup => {
  const color = b.color ?? '#3b528b';
  const xv = x(b.value);
  const bar = o.style === 'point' ? markerShape('circle', xv, cy, 5, color, '#fff') : html`<rect class="bar" x="${r(Math.min(base, xv))}" y="${r(cy - h * 0.3)}" width="${r(Math.max(1, Math.abs(xv - base)))}" height="${r(h * 0.6)}" rx="2.5" fill="${color}" fill-opacity="0.78" />`;
  const whisker = b.lo !== undefined && b.lo !== null && b.hi !== undefined && b.hi !== null ? errorBars({ x: b.value, y: 0, xErr: [b.lo, b.hi] }, xv, cy, x, () => cy, o.style === 'point' ? color : '#1f2937') : EMPTY;
  const dots = (b.values ?? []).map((v, k) => html`<circle class="seed-dot" cx="${r(x(v))}" cy="${r(cy + h * 0.3 * (jitter(k + 1) * 0.9))}" r="2.6" fill="#fff" stroke="${o.style === 'point' ? color : '#111827'}" stroke-opacity="0.8" stroke-width="1.1" />`);
  const end = Math.max(xv, b.hi ?? xv, ...(b.values ?? []).map(x));
  return html`${bar}${whisker}${dots}<text x="${r(Math.max(end, o.style === 'point' ? xv : base) + 7)}" y="${r(cy)}" dominant-baseline="middle" font-size="11" fill="#374151" paint-order="stroke" stroke="#fff" stroke-width="3">${b.label ?? fmt(b.value)}</text>`;
};

/** Horizontal rows: a bar (or a point) at the mean, its interval as a whisker, and each seed as a dot. */
export const rowChart = (o: RowChartOpts): Markup => {
  const width = o.width ?? 560;
  const rowH = o.rowHeight ?? 30;
  const groupH = 20;
  const labelW = Math.min(230, Math.max(80, ...o.rows.map((b) => textWidth(b.name, 12) + 16)));
  const lg = legend(o.legend ?? [], labelW, 14, width - labelW - 20);
  const nGroups = o.rows.filter((b) => b.group !== undefined).length;
  const top = 24 + lg.height;
  const height = top + rowH * o.rows.length + groupH * nGroups + 50;
  const right = Math.max(40, ...o.rows.map((b) => textWidth(b.label ?? fmt(b.value)) + 18));
  const frame: Frame = { width, height, margin: { top, right, bottom: 46, left: labelW } };
  const box = inner(frame);
  const sx = rowScale(o, box.x0, box.x1);
  const x = (v: number) => Math.min(box.x1, Math.max(box.x0, sx(o.log === true ? Math.max(v, sx.domain[0]) : v)));
  const base = o.log === true ? box.x0 : x(0);
  let cy = box.y0;
  const rows = o.rows.map((b) => {
    const heading = b.group === undefined ? EMPTY : html`<text class="row-group" x="${8}" y="${r(cy + 14)}" font-size="11" font-weight="700" fill="#6b7280" letter-spacing="0.02em">${b.group}</text>`;
    if (b.group !== undefined) cy += groupH;
    const mid = cy + rowH / 2;
    cy += rowH;
    return html`${heading}<text x="${box.x0 - 8}" y="${r(mid)}" text-anchor="end" dominant-baseline="middle" font-size="12" fill="#1f2937">${b.name}</text>${rowGlyph(o, b, mid, x, base, rowH)}`;
  });
  const ticks = sx.ticks.map((t) => html`<line class="grid" x1="${r(sx(t))}" x2="${r(sx(t))}" y1="${box.y0}" y2="${box.y1}" stroke="${GRID}" /><text class="tick" x="${r(sx(t))}" y="${box.y1 + 16}" text-anchor="middle" font-size="11" fill="#4b5563">${sx.format(t)}</text>`);
  const zero = o.style === 'point' || o.log === true ? EMPTY : html`<line x1="${r(base)}" x2="${r(base)}" y1="${box.y0}" y2="${box.y1}" stroke="#6b7280" />`;
  const body = html`${ticks}${zero}<line x1="${box.x0}" x2="${box.x1}" y1="${box.y1}" y2="${box.y1}" stroke="${TICK}" />${refLines(o.vLines ?? [], 'v', x, box)}${rows}<text class="axis-label" x="${r((box.x0 + box.x1) / 2)}" y="${height - 6}" text-anchor="middle" font-size="12" fill="#1f2937">${o.xLabel + (o.log === true ? ' (log scale)' : '')}</text>${lg.svg}`;
  return svgDoc(width, height, body, { title: o.title, className: o.className });
};

// ---------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------

type RGB = readonly [number, number, number];

const hex = (rgb: RGB): string => `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;

/** Interpolate between colour stops (t in [0, 1]). */
export const interpolate = (stops: readonly RGB[], t: number): [number, number, number] => {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i] as RGB;
  const b = stops[i + 1] as RGB;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
};

/** Sequential palette for a λ sweep (dark blue-violet → teal → green), readable on white. */
const SEQ: readonly RGB[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [53, 183, 121],
  [144, 200, 50],
];

/** Colour for item i of n along the sequential palette. */
export const sequentialColor = (i: number, n: number): string => hex(interpolate(SEQ, n <= 1 ? 0.35 : 0.3 + (i / (n - 1)) * 0.62));

/** Categorical palette (colour-blind friendly, Okabe–Ito based). */
export const CATEGORICAL: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#8C6D31', '#F0E442'];

export const NOISE_COLOR = '#7b8494';

/** White → blue stops for a ratio to noise: white at the noise level, darkest at 100× and above. */
const RATIO: readonly RGB[] = [
  [255, 255, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

/** The cell colour of a ratio to noise on a log scale from 1× to `top`×, and a text colour that stays readable on it. */
export const ratioColor = (ratio: number, top = 100): { background: string; ink: string } => {
  const t = ratio <= 1 ? 0 : Math.min(1, Math.log10(ratio) / Math.log10(top));
  return { background: hex(interpolate(RATIO, t)), ink: t > 0.55 ? '#ffffff' : '#111827' };
};
