/**
 * `renderHtml(report)`: one self-contained HTML page for a version 2 report.json (a run over
 * several seeds).
 *
 * Nothing is loaded from outside: CSS is inline, plots are inline SVG (./svg.ts), images are PNG
 * data URIs (./png.ts), there is no script, and a Content-Security-Policy forbids any request.
 * Every interpolation goes through the `html` tag (./markup.ts), so report text is always escaped.
 * Every number is a mean over seeds with its 95% interval; charts draw each seed as a dot. The
 * page is a list of sections, one function each (SECTIONS at the end): a new section is one entry.
 */
import { quantileSorted } from 'd3-array';
import { ablationSection } from './html-ablation.ts';
import { color, contextOf, seedsText, type Context, type Headline } from './html-context.ts';
import { examplesSection } from './html-examples.ts';
import { diff, dot, f3, figure, fsmall, lambdaShort, lambdaText, meanOnly, pill, prettyFeature, pval, signed, stat, statRow, type SectionBody } from './html-parts.ts';
import { mixedRuleSection, recoverySection } from './html-recovery.ts';
import { sanitySection } from './html-sanity.ts';
import { EMPTY, html, joinMarkup, type Interpolation, type Markup } from './markup.ts';
import type { Comparison, ModelResult, ModelRun, PairedDifference, ReportJson, SeedStat, TrainingEpoch } from './schema.ts';
import { REPORT_CSS } from './style.ts';
import { boxStripPlot, fmt, NOISE_COLOR, rowChart, xyPlot, type BoxGroup, type Row, type XYSeries } from './svg.ts';

export { headlineComparison, type Context, type Headline } from './html-context.ts';

// ---------------------------------------------------------------------------
// Text formats
// ---------------------------------------------------------------------------

const formatSeconds = (s: number): string => {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 90) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
};

const settingText = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return fmt(v, 4);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'string')) return v.map((x) => (typeof x === 'number' ? fmt(x, 4) : x)).join(', ');
  return JSON.stringify(v) ?? String(v);
};

const verdictPills = (c: Comparison): Markup => {
  const gain = { significant: pill('pill-good', 'significant gain in A'), 'not significant': pill('pill-none', 'no significant gain in A'), untestable: pill('pill-bad', 'gain in A untestable') }[c.alignmentGain];
  const acc = { maintained: pill('pill-good', `BA maintained (margin ${c.margin})`), 'not shown': pill('pill-bad', `BA not shown within ${c.margin}`), untestable: pill('pill-bad', 'BA untestable') }[c.accuracy];
  return html`<span class="verdicts">${gain}${acc}</span>`;
};

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

const headerOf = (ctx: Context): Markup => {
  const { report: r } = ctx;
  const d = r.data;
  const chips: [string, string][] = [
    ['dataset', d.name],
    ['seeds', `${ctx.n} (${r.seeds.join(', ')})`],
    ['train / validation / test', `${d.nTrain} / ${d.nValidation} / ${d.nTest}`],
    ['positives', `${d.positives} of ${d.subjects} (${((100 * d.positives) / d.subjects).toFixed(1)}%)`],
    ['models', `${r.models.length} (${ctx.models.map(lambdaShort).join(', ')})`],
    ['epoch kept on', r.selection.metric],
    ...(d.units !== undefined ? ([['feature units', d.units]] as [string, string][]) : []),
    ...(r.backend !== undefined ? ([['backend', r.backend]] as [string, string][]) : []),
    ['run time', formatSeconds(r.timing.totalSeconds)],
  ];
  const created = new Date(r.createdAt);
  const when = Number.isNaN(created.getTime()) ? r.createdAt : created.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return html`<header class="hero" id="header"><div class="hero-inner"><div class="eyebrow">fgflow · feature gradient flow · experiment report</div><h1>How much of the classifier’s gradient do interpretable features explain?</h1><p class="hero-sub">${d.description ?? d.name}. Every number is a mean over ${ctx.n} seeds with its 95% interval. Generated ${when}.</p><dl class="chips">${chips.map(([k, v]) => html`<div class="chip"><dt>${k}</dt><dd>${v}</dd></div>`)}</dl></div></header>`;
};

const tile = (label: string, value: Interpolation, sub: Interpolation): Markup => html`<div class="tile"><div class="tile-label">${label}</div><div class="tile-value">${value}</div><div class="tile-sub">${sub}</div></div>`;

const paperTable = (ctx: Context, h: Headline): Markup => {
  const p = ctx.report.paper;
  const c = h.comparison;
  const row = (label: Interpolation, paper: Interpolation, base: SeedStat | null | undefined, rew: SeedStat | null | undefined, d: PairedDifference | null | undefined, note: string) =>
    html`<tr><th scope="row">${label}<span class="note">${note}</span></th><td class="num">${paper}</td><td class="num">${stat(base)}</td><td class="num">${stat(rew)}</td><td class="num">${d === undefined ? html`<span class="muted">—</span>` : diff(d)}</td></tr>`;
  return html`<div class="table-scroll"><table class="data paper-table"><thead><tr><th>measure (test set)</th><th class="num">paper</th><th class="num">ours, ${h.baseline?.name ?? 'no baseline'}</th><th class="num">ours, ${h.rewarded?.name ?? 'no rewarded model'}</th><th class="num">paired Δ [95% CI]</th></tr></thead><tbody>${[
    row('Span alignment A', html`${f3(p.spanAlignmentBaseline)} → ${f3(p.spanAlignmentRewarded)}`, h.baseline?.spanAlignment, h.rewarded?.spanAlignment, c?.spanAlignment, 'share of ‖∇f‖² in the span of the feature gradients'),
    row('Balanced accuracy', html`≈ ${f3(p.balancedAccuracy)} in both`, h.baseline?.balancedAccuracy, h.rewarded?.balancedAccuracy, c?.balancedAccuracy, `non-inferiority margin ${c?.margin ?? '—'}`),
    row(html`Flow span alignment F<sub>A</sub>`, html`<span class="muted">not reported</span>`, h.baseline?.flowSpanAlignment, h.rewarded?.flowSpanAlignment, c?.flowSpanAlignment ?? null, 'A averaged along the gradient-flow path'),
    row('Unexplained ‖∇f⊥‖²/‖∇f‖²', html`${f3(1 - p.spanAlignmentBaseline)} → ${f3(1 - p.spanAlignmentRewarded)}`, h.baseline?.unexplained, h.rewarded?.unexplained, undefined, 'paper: 1 − A'),
  ]}</tbody></table></div>`;
};

const paperSection = (ctx: Context): SectionBody => {
  const p = ctx.report.paper;
  const h = ctx.headline;
  const c = h.comparison;
  const tiles = html`<div class="tiles">${[
    tile('A without the reward', stat(h.baseline?.spanAlignment), `paper ${f3(p.spanAlignmentBaseline)} · ${seedsText(ctx)}`),
    tile(`A with the reward${h.rewarded ? `, ${lambdaShort(h.rewarded)}` : ''}`, stat(h.rewarded?.spanAlignment), `paper ${f3(p.spanAlignmentRewarded)}`),
    tile('Balanced accuracy', html`${f3(h.baseline?.balancedAccuracy.mean)} → ${f3(h.rewarded?.balancedAccuracy.mean)}`, `paper ≈ ${f3(p.balancedAccuracy)} in both`),
    tile('Gain in A, paired', c ? diff(c.spanAlignment) : '—', c ? html`Holm p = ${pval(c.spanAlignment.pHolm)}` : 'no comparison'),
  ]}</div>`;
  const verdict = c
    ? html`<div class="callout ${c.alignmentGain === 'significant' && c.accuracy === 'maintained' ? 'good' : 'warn'}"><strong>Verdict.</strong> ${c.verdict} ${verdictPills(c)}<br><span class="muted">Method: ${c.method}. Pairing: ${h.rule}.</span></div>`
    : html`<div class="callout warn"><strong>No comparison.</strong> This run has ${h.baseline ? 'no rewarded model' : 'no unrewarded baseline'}, so the paper’s comparison cannot be made.</div>`;
  const caption = html`Our run beside the paper’s published figures (Jin, Garneau &amp; Fletcher, ISBI 2022: span alignment ≈ ${fmt(p.spanAlignmentBaseline)} without the reward, ≈ ${fmt(p.spanAlignmentRewarded)} with it, balanced accuracy ≈ ${fmt(p.balancedAccuracy)} in both). Ours: means over ${seedsText(ctx)} with 95% t intervals in brackets (hover a number for its per-seed values); the last column is the paired difference rewarded − baseline over the same seeds.`;
  return {
    title: 'Beside the paper',
    lead: 'How much of the model’s gradient the interpretable features account for, with and without the alignment reward, what it costs in accuracy, and whether the difference survives the spread over seeds.',
    body: html`${tiles}${figure('paper-table', paperTable(ctx, h), caption, 'figure-table')}${verdict}`,
  };
};

const comparisonRows = (ctx: Context, c: Comparison): Markup => {
  const quantities: [Markup, PairedDifference | null][] = [
    [html`ΔA`, c.spanAlignment],
    [html`ΔF<sub>A</sub>`, c.flowSpanAlignment],
    [html`Δ balanced accuracy`, c.balancedAccuracy],
  ];
  const m = ctx.byName.get(c.rewarded);
  return joinMarkup(
    quantities.map(([label, d], i) => html`<tr>${i === 0 ? html`<th scope="rowgroup" rowspan="3" class="model-cell">${m ? dot(color(ctx, m)) : EMPTY}${c.rewarded}<span class="note">${m ? lambdaText(m) : ''} vs ${c.baseline}</span></th>` : EMPTY}<td>${label}</td><td class="num">${diff(d)}</td><td class="num">${d?.t === null || d === null ? '—' : `${d.t.toFixed(2)} (${d.df})`}</td><td class="num">${pval(d?.pValue ?? null)}</td><td class="num strong">${pval(d?.pHolm ?? null)}</td>${i === 0 ? html`<td rowspan="3" class="vcell">${verdictPills(c)}</td>` : EMPTY}</tr>`),
  );
};

const comparisonForest = (ctx: Context, c: Comparison): Markup => {
  const m = ctx.byName.get(c.rewarded);
  const rows: Row[] = (
    [
      ['ΔA', c.spanAlignment],
      ['ΔF_A', c.flowSpanAlignment],
      ['Δ balanced accuracy', c.balancedAccuracy],
    ] as const
  ).flatMap(([name, d]) => (d === null ? [] : [{ name, value: d.mean, lo: d.lo, hi: d.hi, values: d.differences, color: m ? color(ctx, m) : '#333', label: d.lo !== null && d.hi !== null ? `${signed(d.mean)} [${signed(d.lo)}, ${signed(d.hi)}]` : signed(d.mean) }]));
  const plot = rowChart({
    title: `Paired differences, ${c.rewarded} − ${c.baseline}`,
    rows,
    xLabel: 'rewarded − baseline (same seed)',
    style: 'point',
    width: 560,
    vLines: [
      { at: 0, label: 'no change', color: '#6b7280' },
      { at: -c.margin, label: `−margin (${c.margin})`, color: '#b45309', labelAt: 'start' },
    ],
    className: 'forest',
  });
  return figure('comparison-forest', html`<h3 class="fig-title">${m ? dot(color(ctx, m)) : EMPTY}${c.rewarded} <span class="muted">vs ${c.baseline}</span></h3>${plot}`, html`Each dot is one seed’s difference; the filled point is their mean with its 95% t interval. Balanced accuracy counts as maintained when its interval stays right of −${c.margin}. ${c.verdict}`);
};

const comparisonsSection = (ctx: Context): SectionBody | null => {
  const cs = ctx.report.comparisons;
  if (cs.length === 0) return null;
  const table = html`<div class="table-scroll"><table class="data"><thead><tr><th>rewarded model</th><th>difference</th><th class="num">mean [95% CI]</th><th class="num">t (df)</th><th class="num">p</th><th class="num">Holm p</th><th>verdict</th></tr></thead><tbody>${cs.map((c) => comparisonRows(ctx, c))}</tbody></table></div>`;
  return {
    title: 'Paired comparisons with the baseline',
    lead: html`Each rewarded model against the baseline of the same seeds (same split, same initialisation). Method: ${cs[0]?.method ?? ''}.`,
    body: html`${figure('comparison-table', table, html`Differences rewarded − baseline over the ${seedsText(ctx)} both ran. p: two-sided paired t-test; Holm p: corrected over the ${cs.length} rewarded model${cs.length === 1 ? '' : 's'}, the p the verdicts use (gain significant when Holm p &lt; 0.05).`, 'figure-table')}<div class="grid2">${cs.map((c) => comparisonForest(ctx, c))}</div>`,
  };
};

const modelsSection = (ctx: Context): SectionBody => {
  const flagsOf = (m: ModelResult): Markup => {
    const totals = new Map<string, number>();
    for (const r of m.runs) for (const [k, v] of Object.entries(r.flags ?? {})) totals.set(k, (totals.get(k) ?? 0) + v);
    const shown = [...totals].filter(([, v]) => v > 0);
    return shown.length === 0 ? html`<span class="muted">none</span>` : joinMarkup(shown.map(([k, v]) => html`<span class="flag" title="${k}">${prettyFeature(k)}: ${v}</span>`), ' ');
  };
  const row = (m: ModelResult) =>
    html`<tr><th scope="row" class="model-cell">${dot(color(ctx, m))}${m.name}${m === ctx.headline.rewarded || m === ctx.headline.baseline ? html`<span class="note">beside the paper</span>` : EMPTY}</th><td class="num">${m.kind === 'none' ? '0' : fmt(m.lambda)}</td><td class="num">${stat(m.balancedAccuracy)}</td><td class="num">${stat(m.auc)}</td><td class="num strong">${stat(m.spanAlignment)}</td><td class="num">${stat(m.flowSpanAlignment)}</td><td class="num">${stat(m.unexplained)}</td><td class="num">${stat(m.noise.S, fsmall)}</td><td class="num">${stat(m.selectedEpoch, (v) => v.toFixed(1))}</td><td>${flagsOf(m)}</td></tr>`;
  const table = html`<div class="table-scroll"><table class="data stacked"><thead><tr><th>model</th><th class="num">λ</th><th class="num">bal. acc.</th><th class="num">AUC</th><th class="num">A</th><th class="num">F<sub>A</sub></th><th class="num">unexplained</th><th class="num">noise S</th><th class="num">kept epoch</th><th>flags (all seeds)</th></tr></thead><tbody>${ctx.models.map(row)}</tbody></table></div>`;
  return {
    title: 'Models',
    lead: html`Every model of the sweep on the test split, scored once after the epoch was chosen on ${ctx.report.selection.metric}: means over ${seedsText(ctx)} with 95% t intervals.`,
    body: figure('models-table', table, html`A: mean span alignment ‖P∇f‖²/‖∇f‖² on test images; F<sub>A</sub>: the same averaged by arc length along the gradient-flow path to the decision boundary; unexplained: ‖∇f⊥‖²/‖∇f‖²; noise S: the random-feature baseline; kept epoch: ${ctx.report.selection.rule}. Flags count events such as flow paths that did not reach the boundary within the step budget, summed over seeds.`, 'figure-table'),
  };
};

const ceilingsSection = (ctx: Context): SectionBody | null => {
  const ceilings = ctx.report.ceilings ?? [];
  if (ceilings.length === 0) return null;
  const rows: Row[] = [
    ...ceilings.map((c, i) => statRow(`ceiling: ${c.name}`, c.balancedAccuracy, i === 0 ? '#b45309' : '#d9a35b', i === 0 ? { group: 'what the data allow' } : {})),
    ...ctx.models.map((m, i) => statRow(m.name, m.balancedAccuracy, color(ctx, m), i === 0 ? { group: 'the CNNs' } : {})),
  ];
  const plot = rowChart({ title: 'Balanced accuracy of the ceilings and of the CNNs', rows, xLabel: 'test balanced accuracy', xDomain: [0.5, 1], vLines: [{ at: ctx.report.paper.balancedAccuracy, label: `paper ${fmt(ctx.report.paper.balancedAccuracy)}`, color: '#c2410c' }], width: 720, className: 'ceilings' });
  const described = joinMarkup(ceilings.map((c) => html`<strong>${c.name}</strong> (${c.features.map(prettyFeature).join(', ')})`), '; ');
  return {
    title: 'Ceilings',
    lead: 'What a classifier could reach if it had extracted the label’s true features perfectly, next to what the CNNs reach. Interpreting a model that has not learned tells little.',
    body: figure('ceilings', plot, html`Bars: means over ${seedsText(ctx)} with 95% intervals; dots: the seeds. Ceilings: ${described}. Method: ${ceilings[0]?.method ?? ''}.`),
  };
};

/** One alignment measure against balanced accuracy: means with error bars both ways, seeds as faint dots. */
const tradeoffPlot = (ctx: Context, pick: (m: ModelResult) => SeedStat | null, pickRun: (r: ModelRun) => number | null, label: string, kind: string): Markup => {
  const p = ctx.report.paper;
  const withStat = ctx.models.filter((m) => pick(m) !== null);
  const mean = (m: ModelResult) => pick(m) as SeedStat;
  const err = (s: SeedStat): [number, number] | undefined => (s.lo !== null && s.hi !== null ? [s.lo, s.hi] : undefined);
  const seedsOf = (m: ModelResult): XYSeries => ({ name: `${m.name} seeds`, color: color(ctx, m), points: m.runs.flatMap((r) => (pickRun(r) === null ? [] : [{ x: r.balancedAccuracy, y: pickRun(r) as number }])), size: 2.6, opacity: 0.45, noLegend: true });
  const point = (m: ModelResult): XYSeries => {
    const s = mean(m);
    const xe = err(m.balancedAccuracy);
    const ye = err(s);
    return { name: m.name, color: color(ctx, m), points: [{ x: m.balancedAccuracy.mean, y: s.mean, label: lambdaShort(m), ...(xe ? { xErr: xe } : {}), ...(ye ? { yErr: ye } : {}) }], marker: 'circle', noLegend: true };
  };
  const curve: XYSeries = { name: 'mean over seeds (by λ)', color: '#374151', points: withStat.map((m) => ({ x: m.balancedAccuracy.mean, y: mean(m).mean })), line: true, dash: true, marker: 'none' };
  const paper: XYSeries[] = kind === 'A' ? [{ name: 'paper: no reward → reward', color: '#c2410c', points: [{ x: p.balancedAccuracy, y: p.spanAlignmentBaseline }, { x: p.balancedAccuracy, y: p.spanAlignmentRewarded, label: 'paper' }], line: true, dash: true, marker: 'diamond', hollow: true }] : [];
  return xyPlot({
    title: `${label} against balanced accuracy, one point per λ`,
    series: [...withStat.map(seedsOf), curve, ...withStat.map(point), ...paper],
    legend: [...withStat.map((m) => ({ name: `${m.name}`, color: color(ctx, m), marker: 'circle' as const })), { name: 'one seed', color: '#9ca3af', marker: 'circle' }, ...(paper.length ? [{ name: 'paper', color: '#c2410c', marker: 'diamond' as const, hollow: true }] : [])],
    xLabel: 'balanced accuracy (test)',
    yLabel: `${label} (test mean)`,
    width: 560,
    height: 380,
    yInclude: [0],
    className: `tradeoff tradeoff-${kind}`,
  });
};

const tradeoffSection = (ctx: Context): SectionBody => {
  const figs = [
    figure('tradeoff', tradeoffPlot(ctx, (m) => m.spanAlignment, (r) => r.spanAlignment, 'span alignment A', 'A'), 'Span alignment A against balanced accuracy: each large point is a λ, its mean over seeds with 95% intervals in both directions; small dots are single seeds. Up is more of the gradient explained by the features, right is better accuracy. Open diamonds: the paper’s two models.'),
    figure('tradeoff-flow', tradeoffPlot(ctx, (m) => m.flowSpanAlignment, (r) => r.flowSpanAlignment, 'flow span alignment F_A', 'FA'), html`The same for F<sub>A</sub>, the span alignment averaged along the gradient-flow path from each test image to the decision boundary (the paper reports no F<sub>A</sub>).`),
  ];
  return { title: 'The λ trade-off', lead: 'How far the alignment reward pushes the gradient towards the features before accuracy suffers, with the spread over seeds in both directions.', body: html`<div class="grid2">${figs}</div>` };
};

interface CurvePoint {
  readonly x: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

/** Per epoch: the mean over the seeds that ran it, and the seeds' range. */
const meanCurve = (runs: readonly ModelRun[], pick: (h: TrainingEpoch) => number | null): CurvePoint[] => {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs) for (const h of r.history) { const v = pick(h); if (v !== null) byEpoch.set(h.epoch, [...(byEpoch.get(h.epoch) ?? []), v]); }
  return [...byEpoch].sort((a, b) => a[0] - b[0]).map(([x, vs]) => ({ x, mean: vs.reduce((a, b) => a + b, 0) / vs.length, lo: Math.min(...vs), hi: Math.max(...vs) }));
};

const learningPlot = (ctx: Context, m: ModelResult, title: string, yLabel: string, train: (h: TrainingEpoch) => number | null, validation: (h: TrainingEpoch) => number, kind: string): Markup => {
  const trainC = meanCurve(m.runs, train);
  const valC = meanCurve(m.runs, validation);
  const c = color(ctx, m);
  const curve = (name: string, pts: CurvePoint[], col: string, dash: boolean): XYSeries => ({ name, color: col, points: pts.map((p) => ({ x: p.x, y: p.mean })), band: pts.map((p) => ({ x: p.x, lo: p.lo, hi: p.hi })), line: true, dash, marker: 'none' });
  const selected: XYSeries = { name: 'kept epoch (one per seed)', color: '#111827', points: m.runs.flatMap((r) => { const h = r.history.find((e) => e.epoch === r.selectedEpoch); return h ? [{ x: h.epoch, y: validation(h) }] : []; }), marker: 'diamond', size: 3.6, hollow: true };
  return xyPlot({
    title: `${title}, ${m.name}`,
    series: [curve('training', trainC, '#9ca3af', true), curve('validation', valC, c, false), selected],
    xLabel: 'epoch',
    yLabel,
    // Half an epoch either side, so the first and last epochs' marks are not cut off.
    xDomain: [-0.5, Math.max(1, ...m.runs.flatMap((r) => r.history.map((h) => h.epoch))) + 0.5],
    width: 560,
    height: 260,
    ...(kind === 'accuracy' ? { hLines: [{ at: ctx.report.paper.balancedAccuracy, label: `paper ${fmt(ctx.report.paper.balancedAccuracy)}`, color: '#c2410c', labelAt: 'start' as const }] } : {}),
    className: `learning learning-${kind}`,
  });
};

const trainingSection = (ctx: Context): SectionBody | null => {
  const models = ctx.models.filter((m) => m.runs.some((r) => r.history.length > 0));
  if (models.length === 0) return null;
  const figs = models.map((m) => html`${figure('training-loss', learningPlot(ctx, m, 'Loss by epoch', 'loss', (h) => h.trainLoss, (h) => h.validationLoss, 'loss'), html`<strong>${m.name}</strong> (${lambdaText(m)}): training loss (class-weighted BCE minus the λ-weighted alignment reward) and validation loss (unweighted BCE), mean over seeds; bands span the seeds.`)}${figure('training-accuracy', learningPlot(ctx, m, 'Balanced accuracy by epoch', 'balanced accuracy', (h) => h.trainBalancedAccuracy, (h) => h.validationBalancedAccuracy, 'accuracy'), html`<strong>${m.name}</strong>: balanced accuracy on the training split (dashed) and on validation (solid), mean over seeds with the seeds’ range. ◇ marks each seed’s kept epoch, chosen on ${ctx.report.selection.metric}. A widening gap is overfitting.`)}`);
  return { title: 'Training', lead: html`Learning curves per model over ${seedsText(ctx)}: training and validation, with the epoch each seed kept. The test split plays no part here.`, body: html`<div class="grid2">${figs}</div>` };
};

const featureRows = (ctx: Context, m: ModelResult): Row[] => {
  const fs = ctx.features.filter((f) => m.features[f] !== undefined);
  const rowsOf = (key: 'S' | 'F', noise: SeedStat | null, group: string): Row[] => {
    const rows = fs.flatMap((f) => {
      const s = key === 'S' ? m.features[f]?.S : m.features[f]?.F;
      return s ? [statRow(`${prettyFeature(f)}`, s, ctx.featureColors.get(f) ?? '#333', { label: `${fsmall(s.mean)}` })] : [];
    });
    const all = noise ? [...rows, statRow('noise baseline', noise, NOISE_COLOR, { label: fsmall(noise.mean) })] : rows;
    return all.map((r, i) => (i === 0 ? { ...r, group } : r));
  };
  return [...rowsOf('S', m.noise.S, 'pointwise S at the image'), ...rowsOf('F', m.noise.F, 'F along the flow path')];
};

const featureTable = (ctx: Context, m: ModelResult): Markup => {
  const fs = ctx.features.filter((f) => m.features[f] !== undefined);
  const times = (v: number) => `${fmt(v)}×`;
  return html`<div class="table-scroll"><table class="data compact stacked"><thead><tr><th>feature</th><th class="num">S</th><th class="num">S / noise</th><th class="num">F</th><th class="num">F / noise</th></tr></thead><tbody>${fs.map((f) => {
    const a = m.features[f]!;
    return html`<tr><th scope="row">${prettyFeature(f)}</th><td class="num">${stat(a.S, fsmall)}</td><td class="num strong">${stat(a.ratioToNoise, times)}</td><td class="num">${stat(a.F, fsmall)}</td><td class="num">${stat(a.flowRatioToNoise, times)}</td></tr>`;
  })}<tr class="noise-row"><th scope="row">noise baseline</th><td class="num">${stat(m.noise.S, fsmall)}</td><td class="num">1×</td><td class="num">${stat(m.noise.F, fsmall)}</td><td class="num">1×</td></tr></tbody></table></div>`;
};

const featuresSection = (ctx: Context): SectionBody => {
  const figs = ctx.models.map((m) =>
    figure(
      'feature-alignment',
      html`<h3 class="fig-title">${dot(color(ctx, m))}${m.name} <span class="muted">${lambdaText(m)}</span></h3>${rowChart({ title: `Mean alignment of each feature with the gradient of ${m.name}`, rows: featureRows(ctx, m), xLabel: 'mean squared cosine with ∇f', log: true, width: 560, rowHeight: 24, vLines: [{ at: m.noise.S.mean, label: 'noise S', color: '#6b7280' }], className: 'features' })}${featureTable(ctx, m)}`,
      html`Means over ${seedsText(ctx)} with 95% intervals (whiskers) and each seed (dots), beside the noise baseline (${m.noise.draws} random linear features). A feature matters to the model when it sits well to the right of the noise.`,
      'figure-dist',
    ),
  );
  return { title: 'Features against the noise baseline', lead: html`Per-feature pointwise alignment S<sub>i</sub> and gradient-flow alignment F<sub>i</sub> on the test split, next to what chance gives.`, body: html`<div class="grid2">${figs}</div>` };
};

/** Per-image values of one feature pooled over the seeds' runs. */
const pooled = (m: ModelResult, key: string, which: 'S' | 'F'): number[] => m.runs.flatMap((r) => r.distributions?.[key]?.[which] ?? []);

const distributionsSection = (ctx: Context): SectionBody | null => {
  const models = ctx.models.filter((m) => m.runs.some((r) => r.distributions !== undefined));
  if (models.length === 0) return null;
  const figs = models.map((m) => {
    const keys = [...ctx.features.filter((f) => m.features[f] !== undefined), 'noise'];
    const groups: BoxGroup[] = keys.map((k) => {
      const c = k === 'noise' ? NOISE_COLOR : (ctx.featureColors.get(k) ?? '#333');
      return { name: prettyFeature(k), items: [{ key: 'S', color: c, values: pooled(m, k, 'S') }, { key: 'F', color: c, values: pooled(m, k, 'F'), light: true }] };
    });
    const noise = pooled(m, 'noise', 'S').sort((a, b) => a - b);
    const n = Math.max(0, ...ctx.features.map((f) => pooled(m, f, 'S').length));
    const hLines = noise.length > 0 ? [{ at: quantileSorted(noise, 0.95) as number, label: 'noise S, 95th percentile', color: '#6b7280' }] : [];
    const plot = boxStripPlot({ title: `Per-image alignment with the gradient of ${m.name}`, groups, yLabel: 'squared cosine with ∇f', log: 'auto', width: 560, height: 300, hLines, legend: [{ name: 'S: at the image', color: '#374151', swatch: 'box' }, { name: 'F: along the flow path', color: '#374151', swatch: 'box', hollow: true }], className: 'distribution' });
    return figure('distribution', html`<h3 class="fig-title">${dot(color(ctx, m))}${m.name} <span class="muted">${lambdaText(m)}</span></h3>${plot}`, html`${m.name}: S over ${n} test images and F over the flow images, pooled over ${seedsText(ctx)}; boxes span the quartiles, the thick line is the median, ◇ the mean, whiskers reach 1.5 IQR.`, 'figure-dist');
  });
  return { title: 'Distributions over test images', lead: 'How the alignment of each feature spreads over individual test images, all seeds pooled, beside the noise baseline’s spread.', body: html`<div class="grid2">${figs}</div>` };
};

const groundTruthSection = (ctx: Context): SectionBody | null => {
  const gt = ctx.report.data.groundTruth;
  if (gt === undefined) return null;
  const weights = rowChart({ title: 'Weights of the features in the known label rule', rows: Object.entries(gt.weights).map(([k, v]) => ({ name: prettyFeature(k), value: v, color: ctx.featureColors.get(k) ?? (v < 0 ? '#2166ac' : '#b2182b') })), xLabel: 'weight in the label rule (standardised features)', width: 520, className: 'ground-truth' });
  const measured = [ctx.headline.baseline, ctx.headline.rewarded].filter((m): m is ModelResult => m !== undefined);
  const rows: Row[] = measured.flatMap((m) =>
    ctx.features.flatMap((f, i) => {
      const s = m.features[f]?.ratioToNoise;
      return s ? [statRow(prettyFeature(f), s, ctx.featureColors.get(f) ?? '#333', { label: `${fmt(s.mean)}×`, ...(i === 0 ? { group: m.name } : {}) })] : [];
    }),
  );
  const figs = [figure('ground-truth', weights, html`The phantom’s label follows a known rule: <code>${gt.rule}</code>. A faithful interpretation finds the model aligned with the heavily weighted features far above the noise; texture is hidden from every named feature.`)];
  if (rows.length > 0) figs.push(figure('measured-vs-truth', rowChart({ title: 'Measured alignment relative to noise', rows, xLabel: 'mean S / noise mean S', log: true, width: 520, rowHeight: 24, vLines: [{ at: 1, label: 'noise level', color: '#6b7280' }], className: 'measured' }), html`What the measure finds: each feature’s mean S as a multiple of the noise baseline’s, means over ${seedsText(ctx)} with 95% intervals and the seeds as dots. Compare the ranking with the rule’s weights.`));
  return { title: 'Ground truth', lead: 'On synthetic data the truth is known, so the measures themselves can be checked.', body: html`<div class="grid2">${figs}</div>` };
};

const assumptionsSection = (ctx: Context): SectionBody => {
  const order = { ours: 0, authors: 1, paper: 2 } as const;
  const desc = { ours: 'our choice where the paper is silent', authors: 'from the authors’ later public code', paper: 'stated by the paper' } as const;
  const items = [...ctx.report.assumptions].sort((a, b) => order[a.source] - order[b.source]);
  const counts = joinMarkup((['ours', 'authors', 'paper'] as const).map((s) => html`<span class="badge badge-${s}">${s}</span> ${items.filter((a) => a.source === s).length} ${desc[s]}`), ' · ');
  const list = items.length === 0 ? html`<p class="muted">No assumptions were recorded.</p>` : html`<ul class="assumptions">${items.map((a) => html`<li><span class="badge badge-${a.source}">${a.source}</span><div><code class="aid">${a.id}</code> ${a.text}</div></li>`)}</ul>`;
  return { title: 'Assumptions', lead: html`What this run assumed. ${counts}.`, body: html`<div class="card">${list}</div>` };
};

/** Nested plain objects become dotted keys ("flow.maxSteps"), so each setting gets its own row. */
const flattenSettings = (obj: Readonly<Record<string, unknown>>, prefix = '', depth = 0): [string, unknown][] =>
  Object.entries(obj).flatMap(([k, v]): [string, unknown][] =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3 && Object.keys(v).length > 0 ? flattenSettings(v as Record<string, unknown>, `${prefix}${k}.`, depth + 1) : [[`${prefix}${k}`, v]],
  );

const settingsSection = (ctx: Context): SectionBody => {
  const entries = flattenSettings(ctx.report.settings);
  const items = entries.map(([k, v]) => {
    const text = settingText(v);
    return html`<div class="kv-item"><dt><code>${k}</code></dt><dd>${text.length > 48 ? html`<code class="json">${text}</code>` : text}</dd></div>`;
  });
  return { title: 'Settings', lead: html`Every option of this run, so it can be repeated exactly. Data fingerprint <code>${ctx.report.data.fingerprint}</code>.`, body: html`<div class="card">${entries.length === 0 ? html`<p class="muted">No settings recorded.</p>` : html`<dl class="kv">${items}</dl>`}</div>` };
};

const timingSection = (ctx: Context): SectionBody => {
  const t = ctx.report.timing;
  const rows: Row[] = ctx.models.flatMap((m, i) => {
    const train = meanOnly(m.runs.map((r) => r.trainSeconds)) as SeedStat;
    const measure = meanOnly(m.runs.map((r) => r.measureSeconds)) as SeedStat;
    return [
      { ...statRow(`${m.name}: training`, train, color(ctx, m), { label: formatSeconds(train.mean) }), ...(i === 0 ? { group: 'per job, mean over seeds' } : {}) },
      statRow(`${m.name}: measuring`, measure, '#9ca3af', { label: formatSeconds(measure.mean) }),
    ];
  });
  const jobs = ctx.models.reduce((s, m) => s + m.runs.reduce((a, r) => a + r.trainSeconds + r.measureSeconds, 0), 0);
  const chart = rowChart({ title: 'Time per job', rows, xLabel: 'seconds', width: 720, rowHeight: 22, className: 'timing' });
  return {
    title: 'Timing',
    lead: html`The whole run took <strong>${formatSeconds(t.totalSeconds)}</strong>; its ${ctx.models.length * ctx.n} jobs spent ${formatSeconds(jobs)} training and measuring${ctx.report.backend ? ` on ${ctx.report.backend}` : ''}.`,
    body: figure('timing', chart, 'Wall-clock seconds per (λ, seed) job: bars are the mean over seeds, dots the seeds. Jobs may run in parallel (--jobs) or on other machines (--shard), so they need not add up to the total.'),
  };
};

// ---------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------

interface SectionSpec {
  readonly id: string;
  /** Short title for the navigation bar. */
  readonly nav: string;
  readonly render: (ctx: Context) => SectionBody | null;
}

/** The page's sections in order; a section that has nothing to show returns null and is left out. */
export const SECTIONS: readonly SectionSpec[] = [
  { id: 'paper', nav: 'Beside the paper', render: paperSection },
  { id: 'comparisons', nav: 'Comparisons', render: comparisonsSection },
  { id: 'models', nav: 'Models', render: modelsSection },
  { id: 'ceilings', nav: 'Ceilings', render: ceilingsSection },
  { id: 'tradeoff', nav: 'λ trade-off', render: tradeoffSection },
  { id: 'training', nav: 'Training', render: trainingSection },
  { id: 'features', nav: 'Features vs noise', render: featuresSection },
  { id: 'distributions', nav: 'Distributions', render: distributionsSection },
  { id: 'ablation', nav: 'Feature ablation', render: ablationSection },
  { id: 'sanity', nav: 'Sanity checks', render: sanitySection },
  { id: 'ground-truth', nav: 'Ground truth', render: groundTruthSection },
  { id: 'recovery', nav: 'Recovery', render: recoverySection },
  { id: 'mixed-rule', nav: 'What S measures', render: mixedRuleSection },
  { id: 'examples', nav: 'Examples', render: (ctx) => examplesSection(ctx.report, ctx.features) },
  { id: 'assumptions', nav: 'Assumptions', render: assumptionsSection },
  { id: 'settings', nav: 'Settings', render: settingsSection },
  { id: 'timing', nav: 'Timing', render: timingSection },
];

/** Render the report as one self-contained HTML document. */
export const renderHtml = (report: ReportJson): string => {
  const ctx = contextOf(report);
  const rendered = SECTIONS.flatMap((s) => {
    const b = s.render(ctx);
    return b === null ? [] : [{ spec: s, b }];
  });
  const nav = html`<nav class="toc" aria-label="sections">${rendered.map(({ spec }) => html`<a href="#${spec.id}">${spec.nav}</a>`)}</nav>`;
  const sections = rendered.map(({ spec, b }) => html`<section id="${spec.id}" class="section"><div class="section-head"><h2>${b.title}</h2><p class="lead">${b.lead}</p></div>${b.body}</section>\n`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="fgflow report v${report.version}">
<title>fgflow report — ${report.data.name}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${headerOf(ctx)}
${nav}
<main class="page">
${sections}
</main>
<footer>Generated by fgflow from report.json (format version ${report.version}) on ${report.createdAt}. This page is self-contained: its figures are inline SVG and PNG, and it loads nothing from the network. Method: Jin, Garneau &amp; Fletcher, “Feature Gradient Flow for Interpreting Deep Neural Networks in Head and Neck Cancer Prediction”, ISBI 2022; fgflow’s reading of it, and the choices it makes where the paper is silent, are in METHOD.md in the fgflow repository.</footer>
</body>
</html>
`.text;
};
