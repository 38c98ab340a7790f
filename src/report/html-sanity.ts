/**
 * The sanity checks by randomisation (Adebayo et al., NeurIPS 2018): the cascade of re-initialised
 * layers as curves beside the trained baseline, and the baseline trained on shuffled labels as a
 * row beside the real one. A measure that explains a model must fall to the noise level for a model
 * that learned nothing, so each check's verdict leads the section.
 */
import { seedsText, type Context } from './html-context.ts';
import { dot, figure, meanOnly, pill, prettyFeature, spanRatios, stat, type SectionBody } from './html-parts.ts';
import { html, type Interpolation, type Markup } from './markup.ts';
import type { ModelResult, ParameterRandomisation, SanityCheck, SeedStat } from './schema.ts';
import { fmt, xyPlot, type XYSeries } from './svg.ts';

const A_COLOR = '#111827';
const times = (v: number): string => `${fmt(v)}×`;

/** A pass/fail banner: the check's name, its verdict, the threshold and the check's own text. */
const verdictBanner = (name: string, check: SanityCheck): Markup =>
  html`<div class="callout check ${check.verdict === 'pass' ? 'good' : 'warn'}" data-check="${name}"><div class="check-head"><strong>${name}</strong>${pill(check.verdict === 'pass' ? 'pill-good verdict-big' : 'pill-bad verdict-big', check.verdict === 'pass' ? 'pass' : 'fail')}<span class="muted">passes when every ratio to noise stays ≤ ${fmt(check.threshold)}×</span></div>${check.text}</div>`;

/** A over the noise baseline's A of a trained model: the report's SeedStat, else the per-seed ratios' mean. */
export const modelSpanRatio = (m: ModelResult): SeedStat | null => m.spanRatioToNoise ?? meanOnly(spanRatios(m.runs));

/** One value per point of the cascade: the trained model first, then each step. */
interface CascadeColumn {
  readonly label: string;
  readonly spanRatio: SeedStat | null;
  readonly S: Readonly<Record<string, SeedStat | null>>;
  readonly F: Readonly<Record<string, SeedStat | null>>;
}

const cascadeColumns = (baseline: ModelResult, pr: ParameterRandomisation): CascadeColumn[] => {
  const trained: CascadeColumn = {
    label: 'trained',
    spanRatio: modelSpanRatio(baseline),
    S: Object.fromEntries(Object.entries(baseline.features).map(([f, a]) => [f, a.ratioToNoise])),
    F: Object.fromEntries(Object.entries(baseline.features).map(([f, a]) => [f, a.flowRatioToNoise])),
  };
  const steps = pr.steps.map((s, k): CascadeColumn => ({
    label: s.layers[s.layers.length - 1] as string,
    spanRatio: s.spanRatioToNoise ?? meanOnly(spanRatios(baseline.runs.map((r) => r.randomisation?.[k] ?? { spanAlignment: null }))),
    S: s.ratioToNoise,
    F: s.flowRatioToNoise,
  }));
  return [trained, ...steps];
};

/** A curve through the columns: the means, with the 95% interval as a band where there is one. */
const curve = (name: string, colour: string, stats: readonly (SeedStat | null)[], dash = false): XYSeries => {
  const at = stats.flatMap((s, x) => (s === null ? [] : [{ x, s }]));
  const band = at.every(({ s }) => s.lo !== null && s.hi !== null) ? at.map(({ x, s }) => ({ x, lo: s.lo as number, hi: s.hi as number })) : undefined;
  return { name, color: colour, points: at.map(({ x, s }) => ({ x, y: s.mean })), line: true, dash, marker: dash ? 'square' : 'circle', size: 3.4, ...(band ? { band } : {}) };
};

const cascadePlot = (ctx: Context, cols: readonly CascadeColumn[], key: 'S' | 'F', threshold: number): Markup => {
  const features = ctx.features.filter((f) => cols.some((c) => c[key][f] !== undefined && c[key][f] !== null));
  const series = [
    ...features.map((f) => curve(`${prettyFeature(f)} ${key}/noise`, ctx.featureColors.get(f) ?? '#333', cols.map((c) => c[key][f] ?? null))),
    ...(key === 'S' ? [curve('A / noise A', A_COLOR, cols.map((c) => c.spanRatio), true)] : []),
  ].filter((s) => s.points.length > 0);
  return xyPlot({
    title: `${key === 'S' ? 'Pointwise S and span alignment A' : 'Flow alignment F'} relative to noise as the baseline's layers are re-initialised`,
    series,
    xLabel: 'layers re-initialised, cumulative from the top (0: the trained model)',
    yLabel: 'ratio to the noise baseline',
    yLog: true,
    xDomain: [-0.3, cols.length - 0.7],
    xTicks: cols.map((_, i) => i),
    xFormat: (i) => (i === 0 ? 'trained' : `+${cols[Math.round(i)]?.label ?? ''}`),
    hLines: [
      { at: 1, label: 'noise level (1×)', color: '#6b7280', labelAt: 'start' },
      { at: threshold, label: `verdict threshold (${fmt(threshold)}×)`, color: '#b45309', labelAt: 'start' },
    ],
    width: 560,
    height: 320,
    className: `randomisation randomisation-${key}`,
  });
};

const ratioCell = (s: SeedStat | null | undefined): Markup => html`<td class="num">${stat(s, times)}</td>`;

/** A two-row table head: the leading columns, then each feature over its S and F ratio columns. */
const featureHead = (leading: readonly Interpolation[], features: readonly string[]): Markup =>
  html`<tr>${leading.map((l) => html`<th rowspan="2"${l === leading[0] ? '' : html` class="num"`}>${l}</th>`)}${features.map((f) => html`<th colspan="2" class="group-head">${prettyFeature(f)} / noise</th>`)}</tr><tr>${features.map(() => html`<th class="num">S</th><th class="num">F</th>`)}</tr>`;

const cascadeTable = (ctx: Context, cols: readonly CascadeColumn[]): Markup => {
  const features = ctx.features.filter((f) => cols.some((c) => c.S[f] !== undefined));
  const head = featureHead(['layers re-initialised', 'A / noise A'], features);
  const rows = cols.map((c, i) => html`<tr${i === 0 ? html` class="trained-row"` : ''}><th scope="row">${i === 0 ? 'none (the trained baseline)' : `${i}: +${c.label}`}</th>${ratioCell(c.spanRatio)}${features.map((f) => html`${ratioCell(c.S[f])}${ratioCell(c.F[f])}`)}</tr>`);
  return html`<div class="table-scroll"><table class="data compact stacked"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
};

const parameterPart = (ctx: Context, pr: ParameterRandomisation, baseline: ModelResult): Markup => {
  const cols = cascadeColumns(baseline, pr);
  const withA = cols.some((c) => c.spanRatio !== null);
  const derived = withA && pr.steps.some((s) => s.spanRatioToNoise === undefined) ? ' A / noise A is the mean of the per-seed ratios, without an interval.' : '';
  const caption = (key: 'S' | 'F'): Interpolation =>
    html`${key === 'S' ? 'Each feature’s mean S' : 'Each feature’s mean F'} as a multiple of the noise baseline’s${key === 'S' && withA ? ', and the span alignment A as a multiple of the noise span’s A (dashed)' : ''}, for ${baseline.name} and after each further layer is re-initialised; bands: 95% intervals over ${seedsText(ctx)}.${key === 'S' ? derived : ''} A measure that tracks what the model learned falls to the noise level (1×) as the learned layers are replaced.`;
  return html`${verdictBanner('Model-parameter randomisation', pr)}<div class="grid2">${figure('randomisation-S', cascadePlot(ctx, cols, 'S', pr.threshold), caption('S'))}${figure('randomisation-F', cascadePlot(ctx, cols, 'F', pr.threshold), caption('F'))}</div>${figure('randomisation-table', cascadeTable(ctx, cols), html`The cascade in numbers: means over ${seedsText(ctx)} with 95% intervals; the first row is the trained baseline.`, 'figure-table')}`;
};

const labelRow = (ctx: Context, m: ModelResult, label: Interpolation): Markup =>
  html`<tr><th scope="row" class="model-cell">${label}</th><td class="num">${stat(m.balancedAccuracy)}</td><td class="num">${stat(m.spanAlignment)}</td><td class="num strong">${stat(modelSpanRatio(m), times)}</td>${ctx.features.map((f) => html`${ratioCell(m.features[f]?.ratioToNoise)}${ratioCell(m.features[f]?.flowRatioToNoise)}`)}</tr>`;

const labelPart = (ctx: Context, check: SanityCheck & { model: ModelResult }, baseline: ModelResult | undefined): Markup => {
  const head = featureHead(['model', 'bal. acc.', 'A', 'A / noise A'], ctx.features);
  const rows = [
    ...(baseline ? [labelRow(ctx, baseline, html`${dot(ctx.colors.get(baseline.name) ?? '#333')}${baseline.name}<span class="note">true labels</span>`)] : []),
    labelRow(ctx, check.model, html`${dot('#b45309')}${check.model.name}<span class="note">shuffled training and validation labels</span>`),
  ];
  const table = html`<div class="table-scroll"><table class="data compact stacked"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
  return html`${verdictBanner('Label randomisation', check)}${figure('label-randomisation', table, html`The same architecture trained on shuffled labels, scored on the true test labels, beside the baseline trained on the real ones: means over ${seedsText(ctx)} with 95% intervals. With nothing to learn, its balanced accuracy sits near 0.5 and every ratio to noise should sit near 1×.`, 'figure-table')}`;
};

export const sanitySection = (ctx: Context): SectionBody | null => {
  const sanity = ctx.report.sanity;
  const baseline = ctx.headline.baseline;
  const pr = baseline ? sanity?.parameterRandomisation : undefined;
  const lr = sanity?.labelRandomisation;
  if (pr === undefined && lr === undefined) return null;
  return {
    title: 'Sanity checks by randomisation',
    lead: html`An explanation that does not change when the model’s weights or its labels are randomised explains nothing (Adebayo et al., “Sanity Checks for Saliency Maps”, NeurIPS 2018). Both checks must bring the measures down to the noise level.`,
    body: html`${pr && baseline ? parameterPart(ctx, pr, baseline) : ''}${lr ? labelPart(ctx, lr, baseline) : ''}`,
  };
};
