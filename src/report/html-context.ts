/**
 * What every section of report.html sees: the report, its models in sweep order with their
 * colours, the features, and the comparison set beside the paper.
 */
import type { Comparison, ModelResult, ReportJson } from './schema.ts';
import { CATEGORICAL, sequentialColor } from './svg.ts';

// ---------------------------------------------------------------------------
// The comparison set beside the paper
// ---------------------------------------------------------------------------

export interface Headline {
  readonly comparison: Comparison | undefined;
  readonly baseline: ModelResult | undefined;
  readonly rewarded: ModelResult | undefined;
  /** How the pair was chosen, for the caption. */
  readonly rule: string;
}

/**
 * The comparison set beside the paper's figures: among the rewarded models (the paper's pointwise
 * reward when there is one), the largest λ whose balanced accuracy the paired comparison shows
 * maintained within the margin ("λ as large as possible without hurting performance"); when none
 * is, the one that loses the least balanced accuracy.
 */
export const headlineComparison = (report: ReportJson): Headline => {
  const byName = new Map(report.models.map((m) => [m.name, m] as const));
  const baseline = report.models.find((m) => m.kind === 'none');
  const all = report.comparisons.filter((c) => byName.has(c.rewarded));
  const pointwise = all.filter((c) => byName.get(c.rewarded)?.kind === 'pointwise');
  const pool = pointwise.length > 0 ? pointwise : all;
  const lambda = (c: Comparison) => byName.get(c.rewarded)?.lambda ?? 0;
  const maintained = pool.filter((c) => c.accuracy === 'maintained').sort((a, b) => lambda(b) - lambda(a));
  const pick = maintained[0] ?? [...pool].sort((a, b) => b.balancedAccuracy.mean - a.balancedAccuracy.mean)[0];
  if (pick === undefined) return { comparison: undefined, baseline, rewarded: undefined, rule: 'no rewarded model in this run' };
  const rule = maintained.length > 0
    ? `the largest λ whose balanced accuracy is maintained within the non-inferiority margin of ${pick.margin} (the paper's "λ as large as possible without hurting performance")`
    : `no rewarded model kept balanced accuracy within the margin of ${pick.margin}; shown: the one that lost the least`;
  return { comparison: pick, baseline: byName.get(pick.baseline) ?? baseline, rewarded: byName.get(pick.rewarded), rule };
};

// ---------------------------------------------------------------------------
// What every section sees
// ---------------------------------------------------------------------------

export interface Context {
  readonly report: ReportJson;
  readonly byName: ReadonlyMap<string, ModelResult>;
  /** Models in sweep order: the baseline, then by reward kind and λ. */
  readonly models: readonly ModelResult[];
  readonly colors: ReadonlyMap<string, string>;
  readonly features: readonly string[];
  readonly featureColors: ReadonlyMap<string, string>;
  readonly headline: Headline;
  readonly n: number;
}

export const contextOf = (report: ReportJson): Context => {
  const models = [...report.models].sort((a, b) => (a.kind === 'none' ? 0 : 1) - (b.kind === 'none' ? 0 : 1) || a.kind.localeCompare(b.kind) || a.lambda - b.lambda);
  const rewarded = models.filter((m) => m.kind !== 'none');
  const colors = new Map(models.map((m) => [m.name, m.kind === 'none' ? '#5b6472' : sequentialColor(rewarded.indexOf(m), rewarded.length)] as const));
  const features = [...new Set(report.models.flatMap((m) => Object.keys(m.features)))];
  const truth = Object.keys(report.data.groundTruth?.weights ?? {}).filter((k) => !features.includes(k));
  const featureColors = new Map([...features, ...truth].map((f, i) => [f, CATEGORICAL[i % CATEGORICAL.length] as string] as const));
  return { report, byName: new Map(models.map((m) => [m.name, m] as const)), models, colors, features, featureColors, headline: headlineComparison(report), n: report.seeds.length };
};

export const color = (ctx: Context, m: ModelResult): string => ctx.colors.get(m.name) ?? '#333';
export const seedsText = (ctx: Context): string => `n = ${ctx.n} seed${ctx.n === 1 ? '' : 's'}`;
