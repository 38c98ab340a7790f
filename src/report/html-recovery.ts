/**
 * The recovery study (`fgflow validate`) and what S measures on a mixed rule. On phantoms whose
 * label has one cause, the cause's feature must rank first; on the default phantom, whose label
 * mixes several, S need not follow the rule's weights, and the section beside the matrix says why.
 */
import { seedsText, type Context } from './html-context.ts';
import { dot, figure, pill, prettyFeature, stat, type SectionBody } from './html-parts.ts';
import { html, joinMarkup, type Markup } from './markup.ts';
import type { ModelResult, Recovery, RecoveryRow, SeedStat } from './schema.ts';
import { fmt, ratioColor } from './svg.ts';

const times = (v: number): string => `${fmt(v)}×`;
const METHOD_REF = html`METHOD.md in the fgflow repository, section “What S ranks, and why it is not the label’s weight”`;

const VERDICT_CLASS: Readonly<Record<RecoveryRow['verdict'], string>> = {
  recovered: 'pill-good',
  'not recovered': 'pill-bad',
  'hidden: unexplained': 'pill-good',
  'hidden: explained': 'pill-bad',
  'hidden: untested': 'pill-warn',
  'not learned': 'pill-warn',
};

/**
 * Whether a link is a relative path, the only kind the page links to: the page opens nothing
 * elsewhere. Browsers drop control characters and spaces around (and tabs inside) a URL before
 * reading its scheme, so the test drops every one of them first.
 */
export const isRelativePath = (link: string): boolean => {
  const bare = link.replace(/[\u0000-\u0020\u007f]/g, '');
  return bare !== '' && !/^[a-z][a-z\d+.-]*:/i.test(bare) && !/^[\\/]{2}/.test(bare);
};

const ratioCell = (s: SeedStat | null | undefined, diagonal: boolean): Markup => {
  if (s === null || s === undefined) return html`<td class="num rcell">—</td>`;
  const c = ratioColor(s.mean);
  return html`<td class="num rcell${diagonal ? ' diag' : ''}" style="background:${c.background};color:${c.ink}">${stat(s, times)}</td>`;
};

const seedShare = (share: number | null, n: number): string => (share === null ? '—' : `${Math.round(share * n)} of ${n}`);

const causeCell = (row: RecoveryRow): Markup =>
  html`<th scope="row">${prettyFeature(row.cause)}<span class="note">${row.feature === null ? 'hidden: no feature names it' : `named by ${prettyFeature(row.feature)}`}</span></th>`;

/** The matrix of one measure (F or S); the F table also carries each row's accuracy, A, unexplained part and verdict. */
const matrixTable = (rec: Recovery, key: 'F' | 'S'): Markup => {
  const full = key === 'F';
  const n = rec.seeds.length;
  const head = html`<tr><th>true cause</th>${rec.features.map((f) => html`<th class="num">${prettyFeature(f)}</th>`)}${full ? html`<th class="num">bal. acc.</th><th class="num">A</th><th class="num">unexplained</th><th>verdict</th>` : ''}</tr>`;
  const rows = rec.rows.map((row) => {
    const cells = (key === 'F' ? row.flowRatioToNoise : row.ratioToNoise);
    const hidden = row.feature === null;
    const rest = full
      ? html`<td class="num">${stat(row.balancedAccuracy)}</td><td class="num${hidden ? ' strong' : ''}">${stat(row.spanAlignment)}</td><td class="num${hidden ? ' strong' : ''}">${stat(row.unexplained)}</td><td class="vcell">${pill(VERDICT_CLASS[row.verdict], row.verdict)}${hidden || row.rankedFirst === null ? '' : html`<span class="note">first in ${seedShare(row.rankedFirst, n)} seeds, and ≥ 10× noise in ${seedShare(row.tenfold, n)}</span>`}</td>`
      : '';
    return html`<tr${hidden ? html` class="hidden-row"` : ''}>${causeCell(row)}${rec.features.map((f) => ratioCell(cells[f], f === row.feature))}${rest}</tr>`;
  });
  return html`<div class="table-scroll"><table class="data stacked recovery-matrix" data-measure="${key}"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
};

const RATIO_LEGEND = html`<div class="ratio-legend" aria-label="colour of a cell: its mean ratio to noise">${[1, 3, 10, 30, 100].map((v) => {
  const c = ratioColor(v);
  return html`<span><span class="swatch" style="background:${c.background}"></span>${v === 100 ? '≥ 100×' : `${v}×`}</span>`;
})}<span class="muted">cell colour: mean ratio to noise (log scale); outlined: the cause’s own feature</span></div>`;

const recoverySummary = (rec: Recovery): Markup => {
  const visible = rec.rows.filter((r) => r.feature !== null);
  const recovered = visible.filter((r) => r.verdict === 'recovered');
  const hidden = rec.rows.filter((r) => r.feature === null);
  const good = recovered.length === visible.length && hidden.every((r) => r.verdict === 'hidden: unexplained');
  const hiddenText = hidden.length === 0 ? '' : html` Hidden cause: ${joinMarkup(hidden.map((r) => html`${prettyFeature(r.cause)} ${pill(VERDICT_CLASS[r.verdict], r.verdict)}`), '; ')}.`;
  const unlearned = visible.filter((r) => r.verdict === 'not learned').length;
  const unlearnedText = unlearned === 0 ? '' : ` (${unlearned} not learned by the models, so untested)`;
  return html`<div class="callout ${good ? 'good' : 'warn'}"><strong>Recovered ${recovered.length} of ${visible.length} visible cause${visible.length === 1 ? '' : 's'}${unlearnedText}.</strong>${hiddenText}<ul class="row-texts">${rec.rows.map((r) => html`<li><strong>${prettyFeature(r.cause)}:</strong> ${r.text}</li>`)}</ul><span class="muted">Criterion: ${rec.criterion}.</span></div>`;
};

export const recoverySection = (ctx: Context): SectionBody | null => {
  const rec = ctx.report.recovery;
  if (rec === undefined) return null;
  const seeds = `${rec.seeds.length} seed${rec.seeds.length === 1 ? '' : 's'} (${rec.seeds.join(', ')})`;
  const link = rec.link === undefined ? '' : isRelativePath(rec.link) ? html` The study’s own report: <a class="study-link" href="${rec.link.trim()}">${rec.link.trim()}</a>.` : html` The study’s own report: <code>${rec.link}</code>.`;
  return {
    title: 'Recovery matrix: do the measures find the cause?',
    lead: html`Phantoms whose label depends on a single cause, one per row, each trained over ${seeds}; each cell is the mean ratio of a measured feature’s alignment to the noise baseline’s, with its 95% interval. A measure that works puts the cause’s own feature first; for the hidden texture no feature names the cause, so A must stay low and the unexplained part high.${link}`,
    body: html`${recoverySummary(rec)}${RATIO_LEGEND}${figure('recovery-F', matrixTable(rec, 'F'), html`F, the alignment averaged along the gradient-flow path, as a multiple of the noise baseline’s F, with balanced accuracy, span alignment A and the unexplained part 1 − A of each cause’s models and the row’s verdict. Criterion: ${rec.criterion}.`, 'figure-table')}${figure('recovery-S', matrixTable(rec, 'S'), 'The same matrix for the pointwise alignment S at the test images.', 'figure-table')}`,
  };
};

/**
 * Which measured feature names a variable of the label rule: the rule's own mapping, else the
 * recovery study's, else a feature of the same name. null: known to be hidden from every feature;
 * undefined: the report does not say.
 */
const featureNaming = (ctx: Context, variable: string): string | null | undefined => {
  const explicit = ctx.report.data.groundTruth?.measuredBy;
  if (explicit !== undefined && variable in explicit) return explicit[variable];
  const row = ctx.report.recovery?.rows.find((r) => r.cause === variable);
  if (row !== undefined) return row.feature;
  return ctx.features.includes(variable) ? variable : undefined;
};

/** 1-based rank of each feature by the model's mean S (or F), largest first. */
const ranks = (m: ModelResult, key: 'S' | 'F'): ReadonlyMap<string, number> => {
  const scored = Object.entries(m.features).flatMap(([f, a]) => {
    const s = key === 'S' ? a.S : a.F;
    return s === null ? [] : [[f, s.mean] as const];
  });
  return new Map([...scored].sort((a, b) => b[1] - a[1]).map(([f], i) => [f, i + 1] as const));
};

interface RuleVariable {
  readonly variable: string;
  readonly weight: number;
  readonly feature: string | null | undefined;
}

const finding = (m: ModelResult, vars: readonly RuleVariable[], byS: ReadonlyMap<string, number>): Markup => {
  const top = vars.find((v) => typeof v.feature === 'string' && byS.has(v.feature));
  const first = [...byS].find(([, k]) => k === 1)?.[0];
  if (top === undefined || first === undefined) return html`No visible variable of the rule is measured by ${m.name}’s features, so the two rankings cannot be set side by side.`;
  const ratio = (f: string) => times(m.features[f]?.ratioToNoise?.mean ?? 0);
  const feature = top.feature as string;
  if (feature === first) return html`Here the heaviest visible weight, ${prettyFeature(top.variable)} (${fmt(top.weight)}), also ranks first by S (${ratio(feature)} the noise level).`;
  return html`Here <strong>${prettyFeature(top.variable)}</strong> has the largest visible weight in the rule (${fmt(top.weight)}) yet ranks <strong>${byS.get(feature)} of ${byS.size}</strong> by S (${ratio(feature)} the noise level), while ${prettyFeature(first)} ranks first (${ratio(first)}).`;
};

const ruleTable = (ctx: Context, m: ModelResult, vars: readonly RuleVariable[], byS: ReadonlyMap<string, number>, byF: ReadonlyMap<string, number>): Markup => {
  const visible = vars.filter((v) => typeof v.feature === 'string');
  const rows = vars.map((v) => {
    const feature = v.feature;
    const a = typeof feature === 'string' ? m.features[feature] : undefined;
    const measured =
      feature === null ? html`<span class="muted">none: hidden from every feature</span>`
      : feature === undefined ? html`<span class="muted">unknown: no measured feature has this name</span>`
      : a === undefined ? html`<span class="muted">${prettyFeature(feature)} (not measured)</span>`
      : html`${dot(ctx.featureColors.get(feature) ?? '#333')}${prettyFeature(feature)}`;
    const rankOf = (r: ReadonlyMap<string, number>) => (typeof feature === 'string' && r.has(feature) ? `${r.get(feature)} of ${r.size}` : '—');
    const weightRank = typeof feature === 'string' ? `${visible.indexOf(v) + 1} of ${visible.length}` : '—';
    return html`<tr><th scope="row">${prettyFeature(v.variable)}</th><td class="num strong">${fmt(v.weight)}</td><td class="num">${weightRank}</td><td>${measured}</td><td class="num">${stat(a?.ratioToNoise, times)}</td><td class="num strong">${rankOf(byS)}</td><td class="num">${stat(a?.flowRatioToNoise, times)}</td><td class="num">${rankOf(byF)}</td></tr>`;
  });
  return html`<div class="table-scroll"><table class="data stacked"><thead><tr><th>variable of the rule</th><th class="num">weight</th><th class="num">rank by weight</th><th>measured by</th><th class="num">S / noise</th><th class="num">rank by S</th><th class="num">F / noise</th><th class="num">rank by F</th></tr></thead><tbody>${rows}</tbody></table></div>`;
};

const EXPLANATION = html`<p>S<sub>i</sub> is the squared cosine between the model’s gradient ∇f and the feature’s gradient ∇g<sub>i</sub>: it ranks features by <strong>how much of the gradient’s direction each feature’s gradient carries</strong>, which is not the feature’s weight in the label. Were the model to compute the rule exactly on standardised features, f = Σ<sub>j</sub> w<sub>j</sub>(g<sub>j</sub> − m<sub>j</sub>)/s<sub>j</sub> + h, its gradient would be ∇f = Σ<sub>j</sub> (w<sub>j</sub>/s<sub>j</sub>) ∇g<sub>j</sub> + ∇h, and with orthogonal feature gradients S<sub>i</sub> ≈ (w<sub>i</sub> ‖∇g<sub>i</sub>‖ / s<sub>i</sub>)² / ‖∇f‖².</p><p>So besides the weight w<sub>i</sub>, three things set S<sub>i</sub>: the feature’s spread s<sub>i</sub> over the subjects, the size of its gradient ‖∇g<sub>i</sub>‖ (brightness responds to every pixel of the mask alike; the aspect ratio only to the pixels at the tumour’s rim), and whatever else ∇f holds. S and F answer “which named direction does the gradient point in?”, not “which feature decides the label?”. Where the label has a single cause, as in the recovery matrix, the two questions have one answer.</p>`;

export const mixedRuleSection = (ctx: Context): SectionBody | null => {
  const gt = ctx.report.data.groundTruth;
  const m = ctx.headline.baseline;
  if (gt === undefined || m === undefined) return null;
  const vars: RuleVariable[] = Object.entries(gt.weights)
    .filter(([, w]) => w !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([variable, weight]) => ({ variable, weight, feature: featureNaming(ctx, variable) }));
  if (vars.length < 2) return null;
  const byS = ranks(m, 'S');
  const beside = ctx.report.recovery === undefined ? '' : html` The recovery matrix above shows the single-cause phantoms, where the largest weight and the first rank must coincide.`;
  return {
    title: 'What S measures on a mixed rule',
    lead: html`The default phantom’s label mixes several features; beside each one’s weight in the rule, the rank the unrewarded model (${m.name}) gives it by S and F over ${seedsText(ctx)}.${beside}`,
    body: html`<div class="callout">${finding(m, vars, byS)}</div>${figure('mixed-rule', ruleTable(ctx, m, vars, byS, ranks(m, 'F')), html`The rule: <code>${gt.rule}</code>. Weights are per standardised feature; ranks by weight count the variables a measured feature names; ranks by S and F order ${m.name}’s features by their mean alignment (ratios to noise with 95% intervals).`, 'figure-table')}<div class="card explain">${EXPLANATION}<p class="muted">More in ${METHOD_REF}.</p></div>`,
  };
};
