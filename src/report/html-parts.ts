/** Small pieces the report's sections share: number formats, names, figures and pills. */
import { html, type Interpolation, type Markup } from './markup.ts';
import type { ModelResult } from './schema.ts';
import { fmt } from './svg.ts';

export const f3 = (v: number | null | undefined): string => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));
/** Like f3, but small values keep two significant digits (noise levels are ~1e-3). */
export const fsmall = (v: number | null | undefined): string => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v !== 0 && Math.abs(v) < 0.01 ? fmt(v, 2) : v.toFixed(3));
export const signed = (v: number, digits = 3): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
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
