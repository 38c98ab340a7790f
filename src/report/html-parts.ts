/** Small pieces the report's sections share: number formats, names, figures and pills. */
import { EMPTY, html, type Interpolation, type Markup } from './markup.ts';
import type { ModelResult, PairedDifference, SeedStat } from './schema.ts';
import { fmt, type Row } from './svg.ts';

export const f3 = (v: number | null | undefined): string => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));
/** Like f3, but small values keep two significant digits (noise levels are ~1e-3). */
export const fsmall = (v: number | null | undefined): string => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v !== 0 && Math.abs(v) < 0.01 ? fmt(v, 2) : v.toFixed(3));
export const signed = (v: number, digits = 3): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
/** A signed difference that keeps two significant digits when it is small (rewards move A by ~1e-4). */
export const signedSmall = (v: number): string => `${v >= 0 ? '+' : '−'}${fsmall(Math.abs(v))}`;
export const pval = (p: number | null): string => (p === null ? '—' : p < 0.001 ? '< 0.001' : p.toFixed(3));
export const lambdaText = (m: ModelResult): string => (m.kind === 'none' ? 'no reward' : `λ = ${fmt(m.lambda)}${m.kind === 'span' ? ' (span reward)' : ''}`);
export const lambdaShort = (m: ModelResult): string => (m.kind === 'none' ? 'λ=0' : `λ=${fmt(m.lambda)}${m.kind === 'span' ? ' span' : ''}`);

export const prettyFeature = (name: string): string => (name === 'noise' ? 'noise' : name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase());


export const figure = (kind: string, content: Interpolation, caption: Interpolation, extraClass = ''): Markup =>
  html`<figure class="figure ${extraClass}" data-figure="${kind}">${content}<figcaption>${caption}</figcaption></figure>`;

export const pill = (cls: string, text: Interpolation): Markup => html`<span class="pill ${cls}">${text}</span>`;

export interface SectionBody {
  readonly title: string;
  readonly lead: Interpolation;
  readonly body: Interpolation;
}

/** A mean and its 95% interval: "0.818 [0.790, 0.846]"; the per-seed values in the tooltip. */
export const stat = (s: SeedStat | null | undefined, format: (v: number) => string = f3): Markup =>
  s === null || s === undefined
    ? html`<span class="muted">—</span>`
    : html`<span class="mean" title="${`per seed: ${s.values.map(format).join(', ')}`}">${format(s.mean)}</span>${s.lo !== null && s.hi !== null ? html` <span class="ci">[${format(s.lo)}, ${format(s.hi)}]</span>` : EMPTY}`;

/** A paired difference: "+0.052 [+0.031, +0.073]". */
export const diff = (d: PairedDifference | null, format: (v: number) => string = (v) => signed(v)): Markup =>
  d === null ? html`<span class="muted">—</span>` : html`<span class="mean" title="${`per seed: ${d.differences.map(format).join(', ')}`}">${format(d.mean)}</span>${d.lo !== null && d.hi !== null ? html` <span class="ci">[${format(d.lo)}, ${format(d.hi)}]</span>` : EMPTY}`;

export const dot = (c: string): Markup => html`<span class="dot" style="background:${c}"></span>`;

/** A row of a row chart from a SeedStat: the mean, its interval and the seeds as dots. */
export const statRow = (name: string, s: SeedStat, c: string, extra: Partial<Row> = {}): Row => ({ name, value: s.mean, lo: s.lo, hi: s.hi, values: s.values, color: c, label: s.lo !== null && s.hi !== null ? `${f3(s.mean)} [${f3(s.lo)}, ${f3(s.hi)}]` : f3(s.mean), ...extra });

/** The mean of values measured once per seed, without an interval (for quantities the report derives itself); null when there are none. */
export const meanOnly = (values: readonly (number | null)[]): SeedStat | null => {
  const vs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return vs.length === 0 ? null : { mean: vs.reduce((a, b) => a + b, 0) / vs.length, lo: null, hi: null, sd: null, n: vs.length, values: vs };
};

/** Per seed, A over the noise baseline's A (null where either is undefined or the noise's is 0). */
export const spanRatios = (pairs: readonly { readonly spanAlignment: number | null; readonly noiseSpanAlignment?: number | null | undefined }[]): (number | null)[] =>
  pairs.map((p) => (p.spanAlignment !== null && p.noiseSpanAlignment !== undefined && p.noiseSpanAlignment !== null && p.noiseSpanAlignment > 0 ? p.spanAlignment / p.noiseSpanAlignment : null));
