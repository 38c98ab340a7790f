/**
 * `renderHtml(report)`: one self-contained HTML page for an experiment report.
 *
 * Nothing is loaded from outside: CSS is inline, plots are inline SVG drawn by
 * ./svg.ts, images are PNG data URIs (./png.ts), there is no script, and a
 * Content-Security-Policy forbids any network request. Every figure is a
 * `<figure class="figure" data-figure="…">` with a caption saying what it shows.
 */
import type { Example, FeatureSummary, ModelResult, ReportImage, ReportJson } from './schema.ts';
import { colorRange, imageDataUri, type ColorRange } from './png.ts';
import {
  barChart,
  boxStripPlot,
  CATEGORICAL,
  esc,
  fmt,
  NOISE_COLOR,
  pow10,
  quantileSorted,
  sequentialColor,
  xyPlot,
  type BoxGroup,
  type LegendItem,
  type XYSeries,
} from './svg.ts';

// ---------------------------------------------------------------------------
// Choosing the models compared with the paper
// ---------------------------------------------------------------------------

/** Balanced-accuracy loss tolerated when picking "λ as large as possible without hurting performance". */
export const BALANCED_ACCURACY_TOLERANCE = 0.02;

export interface Comparison {
  readonly baseline: ModelResult | undefined;
  readonly rewarded: ModelResult | undefined;
  /** How the pair was chosen, for the caption. */
  readonly rule: string;
}

/**
 * The unrewarded and the rewarded model to set beside the paper's figures:
 * `report.comparison` when given; otherwise the first model without reward
 * (kind 'none' or λ = 0), and the rewarded model (pointwise reward, as in the
 * paper, when there is one) with the largest λ whose balanced accuracy is
 * within 0.02 of it (else the most accurate rewarded one).
 */
export const selectComparison = (report: ReportJson): Comparison => {
  const byName = new Map(report.models.map((m) => [m.name, m] as const));
  if (report.comparison !== undefined) {
    return {
      baseline: byName.get(report.comparison.baseline),
      rewarded: byName.get(report.comparison.rewarded),
      rule: 'models chosen in the report',
    };
  }
  const baseline = report.models.find((m) => m.kind === 'none') ?? report.models.find((m) => m.lambda === 0);
  const rewardedAny = report.models.filter((m) => m !== baseline && m.kind !== 'none' && m.lambda > 0);
  // The paper's reward is the pointwise one; the span reward stands in only when no pointwise model exists.
  const pointwise = rewardedAny.filter((m) => m.kind === 'pointwise');
  const rewardedAll = pointwise.length > 0 ? pointwise : rewardedAny;
  if (rewardedAll.length === 0) return { baseline, rewarded: undefined, rule: 'no rewarded model in this run' };
  if (baseline === undefined) {
    const best = [...rewardedAll].sort((a, b) => b.balancedAccuracy - a.balancedAccuracy)[0];
    return { baseline, rewarded: best, rule: 'no unrewarded model in this run; rewarded: the most accurate' };
  }
  const ok = rewardedAll.filter((m) => m.balancedAccuracy >= baseline.balancedAccuracy - BALANCED_ACCURACY_TOLERANCE);
  if (ok.length > 0) {
    const pick = [...ok].sort((a, b) => b.lambda - a.lambda || b.spanAlignment - a.spanAlignment)[0];
    return {
      baseline,
      rewarded: pick,
      rule: `rewarded: the largest λ whose balanced accuracy is within ${BALANCED_ACCURACY_TOLERANCE} of the unrewarded model's (the paper's "as large as possible without hurting performance")`,
    };
  }
  const best = [...rewardedAll].sort((a, b) => b.balancedAccuracy - a.balancedAccuracy)[0];
  return {
    baseline,
    rewarded: best,
    rule: `no rewarded model kept balanced accuracy within ${BALANCED_ACCURACY_TOLERANCE} of the unrewarded one; rewarded: the most accurate`,
  };
};

// ---------------------------------------------------------------------------
// Small formatting helpers
// ---------------------------------------------------------------------------

const f3 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));
/** Like f3, but small values keep two significant digits (noise levels are ~1e-3). */
const fsmall = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : v !== 0 && Math.abs(v) < 0.01 ? fmt(v, 2) : v.toFixed(3));
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
const pval = (p: number | undefined): string => (p === undefined ? '—' : p < 0.001 ? '&lt;0.001' : p.toFixed(3));
const lambdaText = (m: ModelResult): string => (m.kind === 'none' ? 'no reward' : `λ=${fmt(m.lambda)}${m.kind === 'span' ? ' (span)' : ''}`);
const lambdaShort = (m: ModelResult): string => (m.kind === 'none' ? 'λ=0' : `λ=${fmt(m.lambda)}${m.kind === 'span' ? ' span' : ''}`);

const prettyFeature = (name: string): string =>
  name === 'noise'
    ? 'noise'
    : name
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .replace(/[_-]+/g, ' ')
        .toLowerCase();

const settingText = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return fmt(v, 4);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'string')) return v.map((x) => (typeof x === 'number' ? fmt(x, 4) : x)).join(', ');
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

const figure = (kind: string, content: string, caption: string, extraClass = ''): string =>
  `<figure class="figure${extraClass !== '' ? ` ${extraClass}` : ''}" data-figure="${esc(kind)}">${content}<figcaption>${caption}</figcaption></figure>`;

const section = (id: string, title: string, lead: string, body: string): string =>
  `<section id="${id}" class="section"><div class="section-head"><h2>${esc(title)}</h2>${lead !== '' ? `<p class="lead">${lead}</p>` : ''}</div>${body}</section>`;

/** Model colours: sequential by λ (unrewarded models grey-blue). */
const modelColors = (models: readonly ModelResult[]): Map<string, string> => {
  const sorted = [...models].sort((a, b) => a.lambda - b.lambda || a.name.localeCompare(b.name));
  const rewarded = sorted.filter((m) => m.kind !== 'none');
  const map = new Map<string, string>();
  for (const m of sorted) if (m.kind === 'none') map.set(m.name, '#5b6472');
  rewarded.forEach((m, i) => map.set(m.name, sequentialColor(i, rewarded.length)));
  return map;
};

/** Feature names in first-seen order across models (noise excluded). */
const featureNames = (report: ReportJson): string[] => {
  const seen = new Set<string>();
  for (const m of report.models) for (const k of Object.keys(m.features)) seen.add(k);
  return [...seen];
};

/** One colour per feature, and per ground-truth term that is not a measured feature. */
const featureColors = (report: ReportJson, names: readonly string[]): Map<string, string> => {
  const all = [...names, ...Object.keys(report.data.groundTruth?.weights ?? {}).filter((k) => !names.includes(k))];
  return new Map(all.map((n, i) => [n, CATEGORICAL[i % CATEGORICAL.length] as string]));
};

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

const KEY_SETTINGS: readonly [string, string][] = [
  ['data', 'data'],
  ['size', 'image size'],
  ['epochs', 'epochs'],
  ['seed', 'seed'],
  ['lambdas', 'λ sweep'],
  ['reward', 'reward'],
  ['batchSize', 'batch'],
  ['learningRate', 'learning rate'],
  ['noiseDraws', 'noise draws'],
  ['backend', 'backend'],
];

const header = (report: ReportJson): string => {
  const d = report.data;
  const total = d.nTrain + d.nTest;
  const chips: [string, string][] = [
    ['dataset', d.name],
    ['train / test', `${d.nTrain} / ${d.nTest}`],
    ['positives', `${d.positives} of ${total}${total > 0 ? ` (${pct(d.positives / total)})` : ''}`],
    ['models', String(report.models.length)],
  ];
  for (const [key, label] of KEY_SETTINGS) {
    if (key === 'data') continue;
    if (report.settings[key] !== undefined) chips.push([label, settingText(report.settings[key])]);
  }
  chips.push(['run time', formatSeconds(report.timing.totalSeconds)]);
  const created = new Date(report.createdAt);
  const when = Number.isNaN(created.getTime()) ? report.createdAt : created.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return (
    `<header class="hero" id="header"><div class="hero-inner">` +
    `<div class="eyebrow">fgflow · feature gradient flow · experiment report</div>` +
    `<h1>How much of the classifier’s gradient do interpretable features explain?</h1>` +
    `<p class="hero-sub">${esc(d.name)}${d.description !== undefined ? ` — ${esc(d.description)}` : ''}. Generated ${esc(when)}.</p>` +
    `<dl class="chips">${chips.map(([k, v]) => `<div class="chip"><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>` +
    `</div></header>`
  );
};

const nav = (report: ReportJson): string => {
  const items: [string, string][] = [
    ['paper', 'Beside the paper'],
    ['models', 'Models'],
    ['tradeoff', 'λ trade-off'],
    ['distributions', 'Alignment vs noise'],
  ];
  if (report.data.groundTruth !== undefined) items.push(['ground-truth', 'Ground truth']);
  if (report.models.some((m) => (m.history?.length ?? 0) > 0)) items.push(['training', 'Training']);
  if ((report.examples?.length ?? 0) > 0) items.push(['examples', 'Examples']);
  items.push(['assumptions', 'Assumptions'], ['settings', 'Settings'], ['timing', 'Timing']);
  return `<nav class="toc" aria-label="sections">${items.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('')}</nav>`;
};

const paperSection = (report: ReportJson, cmp: Comparison): string => {
  const p = report.paper;
  const { baseline: b, rewarded: rw } = cmp;
  const row = (label: string, paper: number | undefined, ours: number | undefined, note = ''): string => {
    const delta = paper !== undefined && ours !== undefined ? ours - paper : undefined;
    const cls = delta === undefined ? '' : Math.abs(delta) <= 0.03 ? 'close' : 'far';
    return (
      `<tr><th scope="row">${label}${note !== '' ? `<span class="note">${note}</span>` : ''}</th>` +
      `<td class="num">${f3(paper)}</td><td class="num ours">${f3(ours)}</td>` +
      `<td class="num delta ${cls}">${delta === undefined ? '—' : signed(delta)}</td></tr>`
    );
  };
  const gainPaper = p.spanAlignmentRewarded - p.spanAlignmentBaseline;
  const gainOurs = b !== undefined && rw !== undefined ? rw.spanAlignment - b.spanAlignment : undefined;
  const table =
    `<table class="data paper-table"><thead><tr><th>measure (test set)</th><th class="num">paper</th><th class="num">ours</th><th class="num">ours − paper</th></tr></thead><tbody>` +
    row('Span alignment A, no reward', p.spanAlignmentBaseline, b?.spanAlignment, b !== undefined ? esc(b.name) : 'no such model') +
    row('Span alignment A, with reward', p.spanAlignmentRewarded, rw?.spanAlignment, rw !== undefined ? `${esc(rw.name)}, ${esc(lambdaText(rw))}` : 'no such model') +
    row('Gain in A from the reward', gainPaper, gainOurs) +
    row('Balanced accuracy, no reward', p.balancedAccuracy, b?.balancedAccuracy) +
    row('Balanced accuracy, with reward', p.balancedAccuracy, rw?.balancedAccuracy) +
    row('Unexplained ‖∇f⊥‖²/‖∇f‖², no reward', 1 - p.spanAlignmentBaseline, b?.unexplained, 'paper: 1 − A') +
    row('Flow span alignment F<sub>A</sub>, no reward', undefined, b?.flowSpanAlignment, 'not reported by the paper') +
    row('Flow span alignment F<sub>A</sub>, with reward', undefined, rw?.flowSpanAlignment, 'not reported by the paper') +
    `</tbody></table>`;
  const tile = (label: string, value: string, sub: string): string =>
    `<div class="tile"><div class="tile-label">${label}</div><div class="tile-value">${value}</div><div class="tile-sub">${sub}</div></div>`;
  const tiles =
    `<div class="tiles">` +
    tile('Span alignment, no reward', f3(b?.spanAlignment), `paper ${f3(p.spanAlignmentBaseline)}`) +
    tile('Span alignment, with reward', f3(rw?.spanAlignment), `paper ${f3(p.spanAlignmentRewarded)}`) +
    tile('Balanced accuracy', `${f3(b?.balancedAccuracy)} → ${f3(rw?.balancedAccuracy)}`, `paper ${f3(p.balancedAccuracy)} in both`) +
    tile('Unexplained gradient', b !== undefined ? pct(b.unexplained) : '—', 'of ‖∇f‖², no reward') +
    `</div>`;
  const caption =
    `Our run beside the paper’s published figures (Jin, Garneau &amp; Fletcher, ISBI 2022: span alignment ≈ ${fmt(p.spanAlignmentBaseline)} without the reward, ≈ ${fmt(p.spanAlignmentRewarded)} with it, balanced accuracy ≈ ${fmt(p.balancedAccuracy)} in both). ` +
    `A is the share of ‖∇f‖² lying in the span of the feature gradients, averaged over test images. Green differences are within ±0.03 of the paper. Pairing: ${esc(cmp.rule)}.`;
  return section(
    'paper',
    'Beside the paper',
    'The headline numbers: how much of the model’s gradient the interpretable features account for, with and without the alignment reward, and what it costs in accuracy.',
    tiles + figure('paper-table', table, caption, 'figure-table'),
  );
};

const modelsSection = (report: ReportJson, colors: Map<string, string>, cmp: Comparison): string => {
  const rows = [...report.models]
    .sort((a, b) => (a.kind === 'none' ? -1 : 0) - (b.kind === 'none' ? -1 : 0) || a.lambda - b.lambda)
    .map((m) => {
      const flags = Object.entries(m.flags ?? {})
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `<span class="flag" title="${esc(k)}">${esc(prettyFeature(k))}: ${v}</span>`)
        .join(' ');
      const tag = m === cmp.baseline ? '<span class="pill pill-base">paper: no reward</span>' : m === cmp.rewarded ? '<span class="pill pill-rew">paper: rewarded</span>' : '';
      return (
        `<tr><th scope="row" class="model-cell"><span class="dot" style="background:${colors.get(m.name) ?? '#999'}"></span>${esc(m.name)} ${tag}</th>` +
        `<td>${esc(m.kind)}</td><td class="num">${fmt(m.lambda)}</td>` +
        `<td class="num">${f3(m.balancedAccuracy)}</td><td class="num">${f3(m.auc)}</td><td class="num">${f3(m.accuracy)}</td>` +
        `<td class="num strong">${f3(m.spanAlignment)}</td><td class="num">${f3(m.flowSpanAlignment)}</td><td class="num">${f3(m.unexplained)}</td>` +
        `<td class="num">${fsmall(m.noise.S)}</td><td>${flags === '' ? '<span class="muted">none</span>' : flags}</td></tr>`
      );
    })
    .join('');
  const table =
    `<div class="table-scroll"><table class="data"><thead><tr><th>model</th><th>reward</th><th class="num">λ</th><th class="num">bal. acc.</th><th class="num">AUC</th><th class="num">acc.</th>` +
    `<th class="num">A</th><th class="num">F<sub>A</sub></th><th class="num">unexplained</th><th class="num">noise S</th><th>flags</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  return section(
    'models',
    'Models',
    'Every trained model with its test metrics and mean alignment measures.',
    figure(
      'models-table',
      table,
      'A: mean span alignment ‖P∇f‖²/‖∇f‖² on test images; F<sub>A</sub>: the same averaged by arc length along the gradient-flow path to the decision boundary; unexplained: ‖∇f⊥‖²/‖∇f‖²; noise S: the random-feature baseline. Flags count events such as flow paths that did not reach the boundary within the step budget.',
      'figure-table',
    ),
  );
};

const tradeoffSection = (report: ReportJson, colors: Map<string, string>): string => {
  const p = report.paper;
  const models = [...report.models].sort((a, b) => a.lambda - b.lambda);
  const base = models.filter((m) => m.kind === 'none');
  const kinds: { kind: 'pointwise' | 'span'; name: string; marker: 'circle' | 'square' }[] = [
    { kind: 'pointwise', name: 'pointwise reward (−λ Σ S_i)', marker: 'circle' },
    { kind: 'span', name: 'span reward (−λ A)', marker: 'square' },
  ];
  const series: XYSeries[] = [];
  for (const k of kinds) {
    const ms = models.filter((m) => m.kind === k.kind);
    if (ms.length === 0) continue;
    const path = [...base, ...ms];
    series.push({
      name: k.name,
      color: k.kind === 'pointwise' ? '#3b528b' : '#21908c',
      points: path.map((m) => ({ x: m.balancedAccuracy, y: m.spanAlignment })),
      line: true,
      marker: 'none',
      noLegend: false,
    });
    for (const m of ms) {
      series.push({ name: m.name, color: colors.get(m.name) ?? '#333', points: [{ x: m.balancedAccuracy, y: m.spanAlignment, label: lambdaShort(m) }], marker: k.marker, noLegend: true });
    }
  }
  for (const m of base) series.push({ name: 'no reward', color: '#5b6472', points: [{ x: m.balancedAccuracy, y: m.spanAlignment, label: lambdaShort(m) }], marker: 'circle' });
  series.push({
    name: 'paper: no reward → reward',
    color: '#c2410c',
    points: [
      { x: p.balancedAccuracy, y: p.spanAlignmentBaseline },
      { x: p.balancedAccuracy, y: p.spanAlignmentRewarded, label: 'paper' },
    ],
    line: true,
    dash: true,
    marker: 'diamond',
    hollow: true,
  });
  const scatter = xyPlot({
    title: 'Span alignment against balanced accuracy, one point per model',
    series,
    xLabel: 'balanced accuracy (test)',
    yLabel: 'span alignment A (test mean)',
    width: 560,
    height: 380,
    yInclude: [0],
    className: 'tradeoff',
  });
  const figs = [
    figure(
      'tradeoff',
      scatter,
      'The λ trade-off: each point is a model, labelled by its reward weight λ; up is more of the gradient explained by the features, right is better balanced accuracy. Open diamonds joined by a dashed line are the paper’s two reported models (no reward → reward). The paper tunes λ “as large as possible without hurting performance”: the useful models lie up and not left of the unrewarded one.',
    ),
  ];
  const positive = models.filter((m) => m.lambda > 0);
  if (positive.length >= 2) {
    const minPos = Math.min(...positive.map((m) => m.lambda));
    const zeroAt = Math.floor(Math.log10(minPos)) - 1;
    const lx = (m: ModelResult) => (m.lambda > 0 ? Math.log10(m.lambda) : zeroAt);
    const maxE = Math.ceil(Math.log10(Math.max(...positive.map((m) => m.lambda))) - 1e-9);
    const ticks: number[] = [];
    for (let e = zeroAt; e <= maxE; e++) ticks.push(e);
    const sweep = models.filter((m) => m.kind !== 'span');
    const pts = (get: (m: ModelResult) => number) => sweep.map((m) => ({ x: lx(m), y: get(m) }));
    const curve = xyPlot({
      title: 'Alignment and accuracy against λ',
      series: [
        { name: 'span alignment A', color: '#3b528b', points: pts((m) => m.spanAlignment), line: true, marker: 'circle' },
        { name: 'flow span alignment F_A', color: '#21908c', points: pts((m) => m.flowSpanAlignment), line: true, marker: 'square', dash: true },
        { name: 'balanced accuracy', color: '#d97706', points: pts((m) => m.balancedAccuracy), line: true, marker: 'diamond' },
      ],
      xLabel: 'reward weight λ (log scale; leftmost tick = no reward)',
      yLabel: 'test value',
      width: 560,
      height: 360,
      xDomain: [zeroAt - 0.3, maxE + 0.3],
      xTicks: ticks,
      xFormat: (v) => (v === zeroAt ? '0' : v >= -3 && v <= 4 ? fmt(Math.pow(10, v)) : pow10(v)),
      yDomain: [0, 1],
      hLines: [{ y: report.paper.balancedAccuracy, label: `paper balanced accuracy ${fmt(report.paper.balancedAccuracy)}`, color: '#c2410c' }],
      className: 'lambda-curve',
    });
    figs.push(
      figure(
        'lambda-curve',
        curve,
        'The same sweep against λ (pointwise reward and the unrewarded model): alignment should rise with λ while balanced accuracy holds, until the reward starts to cost performance.',
      ),
    );
  }
  return section('tradeoff', 'The λ trade-off', 'How far the alignment reward can push the gradient towards the features before accuracy suffers.', `<div class="grid2">${figs.join('')}</div>`);
};

const featureTable = (m: ModelResult, names: readonly string[]): string => {
  const row = (name: string, f: FeatureSummary | undefined): string =>
    f === undefined
      ? ''
      : `<tr><th scope="row">${esc(prettyFeature(name))}</th><td class="num">${fsmall(f.S)}</td><td class="num">${fsmall(f.Smedian)}</td><td class="num">${fsmall(f.F)}</td>` +
        `<td class="num strong">${f.ratioToNoise !== undefined ? `${fmt(f.ratioToNoise)}×` : f3(undefined)}</td><td class="num">${pval(f.pValue)}</td>` +
        `<td class="num">${f.flowRatioToNoise !== undefined ? `${fmt(f.flowRatioToNoise)}×` : '—'}</td></tr>`;
  return (
    `<div class="table-scroll"><table class="data compact"><thead><tr><th>feature</th><th class="num">mean S</th><th class="num">median S</th><th class="num">mean F</th><th class="num">S/noise</th><th class="num">p</th><th class="num">F/noise</th></tr></thead><tbody>` +
    names.map((n) => row(n, m.features[n])).join('') +
    `<tr class="noise-row"><th scope="row">noise baseline</th><td class="num">${fsmall(m.noise.S)}</td><td class="num">—</td><td class="num">${fsmall(m.noise.F)}</td><td class="num">1×</td><td class="num">—</td><td class="num">1×</td></tr>` +
    `</tbody></table></div>`
  );
};

const distributionsSection = (report: ReportJson, names: readonly string[], fcolors: Map<string, string>, colors: Map<string, string>, cmp: Comparison): string => {
  const ordered = [
    ...[cmp.baseline, cmp.rewarded].filter((m): m is ModelResult => m !== undefined),
    ...[...report.models].sort((a, b) => a.lambda - b.lambda).filter((m) => m !== cmp.baseline && m !== cmp.rewarded),
  ];
  const legendItems: LegendItem[] = [
    { name: 'S: pointwise alignment at the image', color: '#374151', swatch: 'box' },
    { name: 'F: averaged along the flow path', color: '#374151', swatch: 'box', hollow: true },
  ];
  const figs = ordered.map((m) => {
    const fnames = names.filter((n) => m.features[n] !== undefined);
    const groups: BoxGroup[] = [...fnames, 'noise'].map((n) => {
      const color = n === 'noise' ? NOISE_COLOR : (fcolors.get(n) ?? '#333');
      const dist = m.distributions?.[n];
      const fs = n === 'noise' ? { S: m.noise.S, F: m.noise.F } : (m.features[n] as FeatureSummary);
      const sumS = { mean: fs.S, ...('Sq1' in fs && fs.Sq1 !== undefined ? { q1: fs.Sq1 } : {}), ...('Smedian' in fs && fs.Smedian !== undefined ? { median: fs.Smedian } : {}), ...('Sq3' in fs && fs.Sq3 !== undefined ? { q3: fs.Sq3 } : {}) };
      return {
        name: prettyFeature(n),
        items: [
          { key: 'S', color, values: dist?.S ?? [], summary: sumS },
          { key: 'F', color, values: dist?.F ?? [], light: true, summary: { mean: fs.F } },
        ],
      };
    });
    const noiseS = m.distributions?.noise?.S;
    const hLines =
      noiseS !== undefined && noiseS.length > 0
        ? [{ y: quantileSorted([...noiseS].sort((a, b) => a - b), 0.95), label: 'noise S, 95th percentile', color: '#6b7280' }]
        : [{ y: m.noise.S, label: 'noise mean S', color: '#6b7280' }];
    // 'noise' pools every draw's values, so the image count comes from the features alone.
    const n = m.distributions !== undefined ? Math.max(0, ...Object.entries(m.distributions).filter(([k]) => k !== 'noise').map(([, d]) => d.S.length)) : 0;
    const plot = boxStripPlot({
      title: `Alignment of each feature with the gradient of ${m.name}`,
      groups,
      yLabel: 'squared cosine with ∇f',
      log: 'auto',
      width: 560,
      height: 320,
      hLines,
      legend: legendItems,
      className: 'distribution',
    });
    const what =
      n > 0
        ? `${esc(m.name)} (${esc(lambdaText(m))}): S and F of each feature over n = ${n} test images, beside the noise baseline.`
        : `${esc(m.name)} (${esc(lambdaText(m))}): per-image values were not recorded, so boxes show the reported quartiles where present and ◇ the mean.`;
    const ratios = fnames
      .map((f) => ({ f, r: (m.features[f] as FeatureSummary).ratioToNoise ?? (m.noise.S > 0 ? (m.features[f] as FeatureSummary).S / m.noise.S : 0) }))
      .sort((a, b) => b.r - a.r);
    const top = ratios[0];
    const verdict = top !== undefined ? ` Most aligned: ${esc(prettyFeature(top.f))}, ${fmt(top.r)}× the noise level.` : '';
    const role = m === cmp.baseline ? '<span class="pill pill-base">no reward: beside the paper</span>' : m === cmp.rewarded ? '<span class="pill pill-rew">rewarded: beside the paper</span>' : '';
    return figure(
      'distribution',
      `<h3 class="fig-title"><span class="dot" style="background:${colors.get(m.name) ?? '#5b6472'}"></span>${esc(m.name)} <span class="muted">${esc(lambdaText(m))}</span>${role}</h3>` + plot + featureTable(m, fnames),
      what + verdict,
      'figure-dist',
    );
  });
  return section(
    'distributions',
    'Alignment of each feature against the noise baseline',
    'Per-feature pointwise (S) and gradient-flow (F) alignment over the test set, next to a random feature that only chance aligns with.',
    `<p class="howto"><strong>How to read these plots.</strong> Solid boxes: S<sub>i</sub>(x), the squared cosine between the model’s gradient ∇f and the feature’s gradient ∇g<sub>i</sub> at a test image. ` +
      `Dashed boxes: F<sub>i</sub>, the same averaged by arc length along the gradient-flow path from the image to the decision boundary. ` +
      `Each dot is one test image; boxes span the quartiles, the thick line is the median, ◇ the mean, whiskers reach 1.5 IQR. ` +
      `Grey is a random linear feature, the level chance gives; the dashed line marks its 95th percentile. A feature matters to the model when it sits well above the noise. ` +
      `The table gives the means, the ratio to the noise mean and a significance estimate over the noise draws.</p>` +
      `<div class="grid2">${figs.join('')}</div>`,
  );
};

const groundTruthSection = (report: ReportJson, names: readonly string[], fcolors: Map<string, string>, cmp: Comparison): string => {
  const gt = report.data.groundTruth;
  if (gt === undefined) return '';
  const entries = Object.entries(gt.weights);
  const weights = barChart({
    title: 'Weights of the features in the known label rule',
    bars: entries.map(([k, v]) => ({ name: prettyFeature(k), value: v, color: fcolors.get(k) ?? (v < 0 ? '#2166ac' : '#b2182b') })),
    xLabel: 'weight in the label rule',
    width: 520,
    className: 'ground-truth',
  });
  const figs = [
    figure(
      'ground-truth',
      weights,
      `The synthetic data’s label rule is known: <code>${esc(gt.rule)}</code>. Features with larger |weight| drive the label more, so a faithful interpretation should find the model aligned with them far above the noise baseline, and barely with features of weight near 0.`,
    ),
  ];
  const m = cmp.rewarded ?? cmp.baseline ?? report.models[0];
  if (m !== undefined) {
    const bars = names
      .filter((n) => m.features[n] !== undefined)
      .map((n) => {
        const f = m.features[n] as FeatureSummary;
        const ratio = f.ratioToNoise ?? (m.noise.S > 0 ? f.S / m.noise.S : 0);
        return { name: prettyFeature(n), value: Math.max(ratio, 1e-3), label: `${fmt(ratio)}×`, color: fcolors.get(n) ?? '#333' };
      });
    if (bars.length > 0) {
      figs.push(
        figure(
          'measured-vs-truth',
          barChart({
            title: `Measured alignment relative to noise, ${m.name}`,
            bars,
            xLabel: 'mean S / noise mean S',
            log: true,
            width: 520,
            vLine: { x: 1, label: 'noise level', color: '#6b7280' },
            className: 'measured',
          }),
          `What the measure finds for ${esc(m.name)} (${esc(lambdaText(m))}): each feature’s mean pointwise alignment as a multiple of the noise baseline’s. Compare the ranking with the rule’s weights on the left.`,
        ),
      );
    }
  }
  return section('ground-truth', 'Ground truth', 'On synthetic data the truth is known, so the measures themselves can be checked.', `<div class="grid2">${figs.join('')}</div>`);
};

const trainingSection = (report: ReportJson, colors: Map<string, string>): string => {
  const withHist = [...report.models].filter((m) => (m.history?.length ?? 0) > 0).sort((a, b) => a.lambda - b.lambda);
  if (withHist.length === 0) return '';
  const loss = xyPlot({
    title: 'Training loss by epoch',
    series: withHist.map((m) => ({
      name: `${m.name} (${lambdaShort(m)})`,
      color: colors.get(m.name) ?? '#333',
      points: (m.history ?? []).map((h) => ({ x: h.epoch, y: h.trainLoss })),
      line: true,
      marker: 'none',
    })),
    xLabel: 'epoch',
    yLabel: 'training loss',
    width: 560,
    height: 300,
    className: 'training-loss',
  });
  const acc = xyPlot({
    title: 'Balanced accuracy by epoch',
    series: withHist.flatMap((m): XYSeries[] => [
      { name: `${m.name} (${lambdaShort(m)})`, color: colors.get(m.name) ?? '#333', points: (m.history ?? []).map((h) => ({ x: h.epoch, y: h.testBalancedAccuracy })), line: true, marker: 'none' as const },
      { name: `${m.name} train`, color: colors.get(m.name) ?? '#333', points: (m.history ?? []).map((h) => ({ x: h.epoch, y: h.trainBalancedAccuracy })), line: true, marker: 'none' as const, dash: true, noLegend: true },
    ]).concat([
      { name: 'test (solid)', color: '#374151', points: [], line: true, marker: 'none' },
      { name: 'train (dashed)', color: '#374151', points: [], line: true, marker: 'none', dash: true },
    ]),
    xLabel: 'epoch',
    yLabel: 'balanced accuracy',
    width: 560,
    height: 300,
    yDomain: [0.4, 1],
    hLines: [{ y: report.paper.balancedAccuracy, label: `paper ${fmt(report.paper.balancedAccuracy)}`, color: '#c2410c', labelAt: 'left' }],
    className: 'training-accuracy',
  });
  return section(
    'training',
    'Training',
    'Learning curves of every model in the sweep.',
    `<div class="grid2">${figure('training-loss', loss, 'Training loss (class-weighted BCE minus the λ-weighted alignment reward, so rewarded models can go lower) per epoch, one line per model.')}` +
      `${figure('training-accuracy', acc, 'Balanced accuracy per epoch: solid on the test set, dashed on the training set. A widening gap is overfitting; the orange line is the paper’s reported balanced accuracy.')}</div>`,
  );
};

const colorbar = (range: ColorRange, colormap: ReportImage['colormap']): string => {
  const labels =
    colormap === 'diverging'
      ? `<span>${esc(fmt(range.min, 2))}</span><span>0</span><span>${esc(fmt(range.max, 2))}</span>`
      : `<span>${esc(fmt(range.min, 2))}</span><span>${esc(fmt(range.max, 2))}</span>`;
  return `<div class="cbar cbar-${colormap}" aria-hidden="true"></div><div class="cbar-labels">${labels}</div>`;
};

const imagePanel = (im: ReportImage): string => {
  const range = colorRange(im.data, im.colormap);
  const uri = imageDataUri(im.width, im.height, im.data, im.colormap, im.mask !== undefined ? { mask: im.mask } : {});
  return (
    `<figure class="figure image-panel" data-figure="example-image">` +
    `<img src="${uri}" width="${im.width}" height="${im.height}" alt="${esc(im.title)}"${im.width < 200 ? ' class="pixelated"' : ''} />` +
    `${colorbar(range, im.colormap)}<figcaption><strong>${esc(im.title)}</strong>${im.caption !== undefined ? `<span class="muted">${esc(im.caption)}</span>` : ''}</figcaption></figure>`
  );
};

const exampleCard = (ex: Example, model: ModelResult | undefined, names: readonly string[]): string => {
  const chips: string[] = [
    `<span class="pill ${ex.label === 1 ? 'pill-pos' : 'pill-neg'}">label ${ex.label}${ex.label === 1 ? ' · positive' : ' · negative'}</span>`,
    `<span class="pill">model ${esc(ex.model)}${model !== undefined ? ` · ${esc(lambdaText(model))}` : ''}</span>`,
    `<span class="pill">p(positive) = ${ex.prob.toFixed(2)}</span>`,
  ];
  if (ex.measures !== undefined) {
    chips.push(`<span class="pill pill-strong">A = ${f3(ex.measures.spanAlignment)}</span>`, `<span class="pill">unexplained ${pct(ex.measures.unexplained)}</span>`);
    const S = ex.measures.S ?? {};
    const ordered = [...names.filter((n) => n in S), ...Object.keys(S).filter((n) => !names.includes(n))];
    for (const n of ordered) chips.push(`<span class="pill">S<sub>${esc(prettyFeature(n))}</sub> = ${f3(S[n])}</span>`);
  }
  if (ex.path !== undefined) {
    chips.push(
      `<span class="pill ${ex.path.reached ? '' : 'pill-warn'}">flow: ${ex.path.reached ? 'reached the boundary' : 'did not reach the boundary'} · length ${fmt(ex.path.length)} · ${ex.path.steps} steps</span>`,
    );
  }
  const images = `<div class="image-row">${ex.images.map(imagePanel).join('')}</div>`;
  let flow = '';
  if (ex.flow !== undefined && ex.flow.length > 0) {
    // One gray range for all frames, so brightness changes along the path stay visible.
    const all = ex.flow.flatMap((fr) => fr.data);
    const range = colorRange(all, 'gray');
    const frames = ex.flow.map((fr) => {
      const uri = imageDataUri(fr.width, fr.height, fr.data, 'gray', { range });
      const sub = [fr.t !== undefined ? `t = ${fmt(fr.t)}` : '', fr.prob !== undefined ? `p = ${fr.prob.toFixed(2)}` : ''].filter((s) => s !== '').join(' · ');
      return (
        `<figure class="figure image-panel flow-frame" data-figure="flow-frame"><img src="${uri}" width="${fr.width}" height="${fr.height}" alt="${esc(fr.title)}"${fr.width < 200 ? ' class="pixelated"' : ''} />` +
        `<figcaption><strong>${esc(fr.title)}</strong>${sub !== '' ? `<span class="muted">${esc(sub)}</span>` : ''}</figcaption></figure>`
      );
    });
    const first = ex.flow[0];
    const last = ex.flow[ex.flow.length - 1];
    if (first !== undefined && last !== undefined && ex.flow.length > 1 && first.width === last.width && first.height === last.height) {
      const diff = last.data.map((v, i) => v - (first.data[i] ?? 0));
      frames.push(imagePanel({ title: 'change along the path', caption: 'last − first frame', width: last.width, height: last.height, data: diff, colormap: 'diverging' }));
    }
    flow =
      `<h4 class="row-title">Along the gradient-flow path</h4><div class="image-row flow-row">${frames.join('')}</div>` +
      `<p class="row-caption">The image moved along γ′ = −sign(f − t)·∇f/‖∇f‖ from the test image towards the decision boundary (all frames share one gray scale); the last panel shows what the path changed (red brighter, blue darker).</p>`;
  }
  return (
    `<article class="example card" id="example-${esc(ex.id)}"><h3>Example ${esc(ex.id)}</h3><div class="pills">${chips.join('')}</div>` +
    `<h4 class="row-title">Gradients at the image</h4>${images}` +
    `<p class="row-caption">Left to right: the CT with its tumour mask outlined; ∇f, the model’s gradient; each interpretable feature’s gradient ∇g<sub>i</sub>; and ∇f⊥, the part of ∇f that no feature gradient explains. Gradients use a blue–white–red scale symmetric around 0 (white = no effect).</p>` +
    `${flow}</article>`
  );
};

const examplesSection = (report: ReportJson, names: readonly string[]): string => {
  const ex = report.examples ?? [];
  if (ex.length === 0) return '';
  const byName = new Map(report.models.map((m) => [m.name, m] as const));
  return section(
    'examples',
    'Examples',
    'Where on the image each gradient acts, for individual test images, and how the image changes along the flow path to the decision boundary.',
    ex.map((e) => exampleCard(e, byName.get(e.model), names)).join(''),
  );
};

const assumptionsSection = (report: ReportJson): string => {
  const order = { ours: 0, authors: 1, paper: 2 } as const;
  const desc = { ours: 'our choice where the paper is silent', authors: 'from the authors’ later public code', paper: 'stated by the paper' } as const;
  const items = [...report.assumptions].sort((a, b) => order[a.source] - order[b.source]);
  const counts = (['ours', 'authors', 'paper'] as const).map((s) => `<span class="badge badge-${s}">${s}</span> ${items.filter((a) => a.source === s).length} ${desc[s]}`).join(' · ');
  const list =
    items.length === 0
      ? '<p class="muted">No assumptions were recorded.</p>'
      : `<ul class="assumptions">${items.map((a) => `<li><span class="badge badge-${a.source}">${a.source}</span><div><code class="aid">${esc(a.id)}</code> ${esc(a.text)}</div></li>`).join('')}</ul>`;
  return section('assumptions', 'Assumptions', `What this run assumed. ${counts}.`, `<div class="card">${list}</div>`);
};

/** Nested plain objects become dotted keys ("flow.maxSteps"), so each setting gets its own row. */
const flattenSettings = (obj: Readonly<Record<string, unknown>>, prefix = '', depth = 0): [string, unknown][] =>
  Object.entries(obj).flatMap(([k, v]): [string, unknown][] =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3 && Object.keys(v).length > 0
      ? flattenSettings(v as Record<string, unknown>, `${prefix}${k}.`, depth + 1)
      : [[`${prefix}${k}`, v]],
  );

const settingsSection = (report: ReportJson): string => {
  const entries = flattenSettings(report.settings);
  const items = entries
    .map(([k, v]) => {
      const text = settingText(v);
      const structured = text.length > 48 || (typeof v === 'object' && v !== null && !Array.isArray(v));
      return `<div class="kv-item"><dt><code>${esc(k)}</code></dt><dd>${structured ? `<code class="json">${esc(text)}</code>` : esc(text)}</dd></div>`;
    })
    .join('');
  return section(
    'settings',
    'Settings',
    'Every option of this run, so it can be repeated exactly.',
    `<div class="card">${entries.length === 0 ? '<p class="muted">No settings recorded.</p>' : `<dl class="kv">${items}</dl>`}</div>`,
  );
};

const formatSeconds = (s: number): string => {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 90) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
};

const timingSection = (report: ReportJson): string => {
  const t = report.timing;
  const phases = Object.entries(t).filter(([k]) => k !== 'totalSeconds');
  const chart =
    phases.length > 0
      ? figure(
          'timing',
          barChart({
            title: 'Time spent per phase',
            bars: phases.map(([k, v]) => ({ name: prettyFeature(k.replace(/Seconds$/, '')), value: v, label: formatSeconds(v), color: '#3b528b' })),
            xLabel: 'seconds',
            width: 620,
            rowHeight: 26,
          }),
          `Wall-clock time per phase; total ${formatSeconds(t.totalSeconds)}${phases.length > 0 ? ` (phases sum to ${formatSeconds(phases.reduce((a, [, v]) => a + v, 0))}; phases may overlap or leave gaps)` : ''}.`,
        )
      : '';
  return section('timing', 'Timing', `The whole run took <strong>${esc(formatSeconds(t.totalSeconds))}</strong>.`, chart);
};

// ---------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------

const CSS = `
:root{--bg:#f4f5f7;--card:#fff;--ink:#111827;--ink2:#374151;--muted:#6b7280;--line:#e5e7eb;--accent:#3b528b;--accent2:#21908c;--warn:#b45309;--radius:12px}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","DejaVu Sans",Arial,sans-serif;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.88em;background:#f1f3f6;border-radius:4px;padding:.05em .35em}
.hero{background:linear-gradient(135deg,#1e2a4a 0%,#2d3f6b 55%,#1f5f6b 100%);color:#fff;padding:40px 24px 34px}
.hero-inner{max-width:1240px;margin:0 auto}
.eyebrow{text-transform:uppercase;letter-spacing:.12em;font-size:12px;opacity:.75;font-weight:600}
.hero h1{font-size:30px;line-height:1.2;margin:.35em 0 .3em;font-weight:700;letter-spacing:-.01em;max-width:900px}
.hero-sub{margin:0 0 20px;opacity:.85;font-size:15.5px}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:0}
.chip{background:rgba(255,255,255,.1);border:1px solid rgba(255,255,255,.18);border-radius:8px;padding:6px 12px;min-width:90px}
.chip dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;opacity:.7}
.chip dd{margin:0;font-weight:600;font-size:14px}
.toc{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.94);backdrop-filter:blur(6px);border-bottom:1px solid var(--line);display:flex;gap:4px;flex-wrap:wrap;justify-content:center;padding:8px 16px}
.toc a{color:var(--ink2);text-decoration:none;font-size:13.5px;padding:4px 10px;border-radius:999px}
.toc a:hover{background:#eef1f6;color:var(--accent)}
main.page{max-width:1240px;margin:0 auto;padding:8px 24px 48px}
.section{margin-top:36px}
.section-head h2{font-size:22px;margin:0 0 4px;letter-spacing:-.01em}
.lead{margin:0 0 16px;color:var(--muted);max-width:900px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:20px;align-items:start}
.card,.figure:not(.image-panel){background:var(--card);border:1px solid var(--line);border-radius:var(--radius);box-shadow:0 1px 2px rgba(16,24,40,.04),0 2px 8px rgba(16,24,40,.04)}
.card{padding:18px 20px}
.figure{margin:0}
.figure:not(.image-panel){padding:16px 18px 14px;display:flex;flex-direction:column;align-items:stretch}
.figure:not(.image-panel) > svg{align-self:center}
figcaption{color:var(--muted);font-size:13px;line-height:1.5;margin-top:10px}
.fig-title{font-size:15px;margin:0 0 6px;display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.fig-title .dot{margin-right:0}
.howto{background:#eef2f9;border:1px solid #dbe3f1;border-radius:10px;padding:10px 14px;font-size:13.5px;color:var(--ink2);margin:0 0 18px}
.model-cell{white-space:nowrap}
table.data.compact th[scope=row]{white-space:nowrap}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:0 28px;margin:0}
.kv-item{display:flex;gap:12px;align-items:baseline;padding:7px 0;border-bottom:1px solid var(--line)}
.kv-item dt{flex:0 0 150px;overflow:hidden;text-overflow:ellipsis}
.kv-item dd{margin:0;min-width:0;overflow-wrap:anywhere}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:14px;margin-bottom:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:14px 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.tile-label{font-size:12.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;font-weight:600}
.tile-value{font-size:28px;font-weight:700;letter-spacing:-.02em;margin:2px 0;color:var(--ink)}
.tile-sub{font-size:13px;color:var(--muted)}
table.data{border-collapse:collapse;width:100%;font-size:14px}
table.data th,table.data td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
table.data thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
table.data tbody tr:nth-child(even){background:#fafbfc}
table.data th[scope=row]{font-weight:500}
table.data .num{text-align:right;white-space:nowrap}
table.data .strong{font-weight:700}
table.data.compact{font-size:13px;margin-top:8px}
table.data.compact th,table.data.compact td{padding:4px 6px}
table.data.compact thead th{font-size:11px;letter-spacing:.02em}
.noise-row th,.noise-row td{color:var(--muted)}
.paper-table td.ours{font-weight:700}
.delta.close{color:#15803d}.delta.far{color:var(--warn)}
.note{display:block;font-size:12px;color:var(--muted);font-weight:400}
.table-scroll{overflow-x:auto}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:8px;vertical-align:middle}
.pill{display:inline-block;font-size:12.5px;padding:3px 10px;border-radius:999px;background:#eef1f6;color:var(--ink2);white-space:nowrap}
.pill-base{background:#e5e7eb}.pill-rew{background:#dcefe9;color:#0f5132}
.pill-pos{background:#fde2e2;color:#8a1c1c}.pill-neg{background:#e0ecfb;color:#1e3a8a}
.pill-strong{background:#e4e9f5;color:#1e2a4a;font-weight:700}.pill-warn{background:#fef3c7;color:#92400e}
.pills{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 12px}
.flag{display:inline-block;font-size:12px;padding:1px 8px;border-radius:999px;background:#fef3c7;color:#92400e;margin:1px 0;white-space:nowrap}
.muted{color:var(--muted);font-weight:400}
.example{margin-bottom:20px}
.example h3{margin:0 0 4px;font-size:17px}
.row-title{margin:14px 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.row-caption{font-size:13px;color:var(--muted);margin:8px 0 0;max-width:980px}
.image-row{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:14px;max-width:1180px}
.image-panel{display:flex;flex-direction:column}
.image-panel img{width:100%;height:auto;border-radius:6px;border:1px solid var(--line);background:#000;display:block}
.image-panel img.pixelated{image-rendering:pixelated}
.image-panel figcaption{margin-top:4px;font-size:12.5px;display:flex;flex-direction:column;gap:1px}
.image-panel figcaption strong{color:var(--ink);font-weight:600}
.cbar{height:7px;border-radius:3px;margin-top:6px;border:1px solid var(--line)}
.cbar-gray{background:linear-gradient(to right,#000,#fff)}
.cbar-diverging{background:linear-gradient(to right,#053061,#2166ac,#67a9cf,#d1e5f0,#f7f7f7,#fddbc7,#ef8a62,#b2182b,#67001f)}
.cbar-labels{display:flex;justify-content:space-between;font-size:11px;color:var(--muted)}
.assumptions{list-style:none;margin:0;padding:0}
.assumptions li{display:flex;gap:12px;align-items:baseline;padding:8px 0;border-bottom:1px solid var(--line)}
.assumptions li:last-child{border-bottom:0}
.badge{display:inline-block;min-width:78px;text-align:center;font-size:11px;text-transform:uppercase;letter-spacing:.06em;font-weight:700;padding:2px 8px;border-radius:6px;flex:none}
.badge-ours{background:#ede9fe;color:#5b21b6}.badge-authors{background:#e0f2fe;color:#075985}.badge-paper{background:#dcfce7;color:#166534}
.aid{margin-right:4px}
code.json{white-space:pre-wrap;word-break:break-word;background:none;padding:0}
footer{max-width:1240px;margin:0 auto;padding:18px 24px 40px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--line)}
@media (max-width:640px){.grid2{grid-template-columns:1fr}.hero h1{font-size:24px}}
@media print{.toc{display:none}.hero{-webkit-print-color-adjust:exact;print-color-adjust:exact}.figure,.card{break-inside:avoid}}
`;

/** Render the report as one self-contained HTML document. */
export const renderHtml = (report: ReportJson): string => {
  const cmp = selectComparison(report);
  const colors = modelColors(report.models);
  const names = featureNames(report);
  const fcolors = featureColors(report, names);
  const body = [
    paperSection(report, cmp),
    modelsSection(report, colors, cmp),
    tradeoffSection(report, colors),
    distributionsSection(report, names, fcolors, colors, cmp),
    groundTruthSection(report, names, fcolors, cmp),
    trainingSection(report, colors),
    examplesSection(report, names),
    assumptionsSection(report),
    settingsSection(report),
    timingSection(report),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="fgflow report v${report.version}">
<title>fgflow report — ${esc(report.data.name)}</title>
<style>${CSS}</style>
</head>
<body>
${header(report)}
${nav(report)}
<main class="page">
${body}
</main>
<footer>Generated by fgflow from report.json (format version ${report.version}) on ${esc(report.createdAt)}. This page is self-contained: its figures are inline SVG and PNG, and it loads nothing from the network. Method: Jin, Garneau &amp; Fletcher, “Feature Gradient Flow for Interpreting Deep Neural Networks in Head and Neck Cancer Prediction”, ISBI 2022.</footer>
</body>
</html>
`;
};
