/**
 * Assembling the report from the jobs' results: per λ, every number as a mean over seeds with its
 * 95% interval; per rewarded λ, the paired comparison with the baseline of the same seeds; the
 * ceilings; the example images. Assembly reads only result files and the plan's settings, so a
 * merge of shards assembles exactly what a single run would.
 */
import { PAPER_ASSUMPTIONS } from '../report/assumptions.ts';
import { PAPER_FIGURES, REPORT_VERSION, type Ceiling, type Comparison, type ModelResult, type PairedDifference, type ReportJson } from '../report/schema.ts';

import type { JobResult } from './job.ts';
import type { PlanSettings } from './plan.ts';
import { rewardAblationOf, sanityOf } from './sanity.ts';
import { aggregateModel, paired, required, stat, UNIT } from './aggregate.ts';
import { isSweep, resultsByModel } from './groups.ts';
export { aggregateModel } from './aggregate.ts';
import { holm, PAIRED_METHOD } from './stats.ts';

function verdictOf(c: Omit<Comparison, 'verdict' | 'alignmentGain' | 'accuracy'>): Pick<Comparison, 'verdict' | 'alignmentGain' | 'accuracy'> {
  const a = c.spanAlignment;
  const b = c.balancedAccuracy;
  const alignmentGain: Comparison['alignmentGain'] = a.pHolm === null ? 'untestable' : a.pHolm < 0.05 && a.mean > 0 ? 'significant' : 'not significant';
  const accuracy: Comparison['accuracy'] = b.lo === null ? 'untestable' : b.lo > -c.margin ? 'maintained' : 'not shown';
  const sign = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
  const interval = (d: PairedDifference) => (d.lo === null || d.hi === null ? 'no interval' : `95% CI ${sign(d.lo)} to ${sign(d.hi)}`);
  const gainText =
    alignmentGain === 'untestable'
      ? `the change in A (${sign(a.mean)}) cannot be tested with ${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'}`
      : `the change in A is ${sign(a.mean)} (${interval(a)}, Holm-corrected p = ${a.pHolm!.toPrecision(2)}): ${alignmentGain === 'significant' ? 'a significant gain' : 'not a significant gain'}`;
  const accText =
    accuracy === 'untestable'
      ? `the change in balanced accuracy (${sign(b.mean)}) has no interval`
      : `balanced accuracy changes by ${sign(b.mean)} (${interval(b)}): ${accuracy === 'maintained' ? `maintained within the non-inferiority margin of ${c.margin}` : `not shown to stay within the margin of ${c.margin}`}`;
  return { alignmentGain, accuracy, verdict: `${c.rewarded} vs ${c.baseline} over ${c.seeds.length} paired seeds: ${gainText}; ${accText}.` };
}

export function compareWithBaseline(models: readonly ModelResult[], margin: number): Comparison[] {
  const baseline = models.find((m) => m.kind === 'none');
  if (!baseline) return [];
  const rewarded = models.filter((m) => m !== baseline);
  const raw = rewarded.map((m) => {
    const seeds = baseline.runs.map((r) => r.seed);
    const A = paired(`A (${m.name})`, baseline.runs, m.runs, (r) => r.spanAlignment);
    const FA = paired(`F_A (${m.name})`, baseline.runs, m.runs, (r) => r.flowSpanAlignment);
    const BA = paired(`balanced accuracy (${m.name})`, baseline.runs, m.runs, (r) => r.balancedAccuracy)!;
    return { m, seeds, A, FA, BA };
  });
  const holmOf = (ps: (number | null)[]) => holm(ps);
  const pA = holmOf(raw.map((r) => r.A?.pValue ?? null));
  const pFA = holmOf(raw.map((r) => r.FA?.pValue ?? null));
  const pBA = holmOf(raw.map((r) => r.BA.pValue));
  return raw.map((r, i) => {
    const noA: Omit<PairedDifference, 'pHolm'> = { mean: 0, lo: null, hi: null, pValue: null, t: null, df: 0, differences: [] };
    const base = {
      baseline: baseline.name,
      rewarded: r.m.name,
      seeds: r.seeds,
      method: PAIRED_METHOD,
      spanAlignment: { ...(r.A ?? noA), pHolm: r.A ? pA[i]! : null },
      flowSpanAlignment: r.FA ? { ...r.FA, pHolm: pFA[i]! } : null,
      balancedAccuracy: { ...r.BA, pHolm: pBA[i]! },
      margin,
    };
    return { ...base, ...verdictOf(base) };
  });
}

function ceilingsOf(results: readonly JobResult[]): Ceiling[] {
  const byName = new Map<string, { features: readonly string[]; ba: number[]; auc: (number | null)[] }>();
  for (const r of results) {
    for (const c of r.ceilings) {
      const entry = byName.get(c.name) ?? { features: c.features, ba: [], auc: [] };
      entry.ba.push(c.balancedAccuracy);
      entry.auc.push(c.auc);
      byName.set(c.name, entry);
    }
  }
  const method = "logistic regression on the phantom's true per-sample features (class-weighted, ridge 1e-3), fit on each seed's training split, scored on its test split";
  return [...byName].map(([name, e]) => ({ name, features: [...e.features], method, balancedAccuracy: required(`ceiling ${name}`, stat(`ceiling ${name}`, e.ba, UNIT)), auc: stat(`ceiling ${name} AUC`, e.auc, UNIT) }));
}

export interface AssembleInput {
  readonly settings: PlanSettings;
  readonly results: readonly JobResult[];
  readonly timing: Readonly<Record<string, number>>;
}

export function assembleReport({ settings, results, timing }: AssembleInput): ReportJson {
  const { seeds, groups } = resultsByModel(settings, results);
  const sweep = groups.filter(isSweep);
  const models = sweep.map((g) => aggregateModel(g.name, g.lambda, g.kind, g.results.map((r) => r.run)));
  const sanity = sanityOf(groups, models);
  const rewardAblation = rewardAblationOf(groups);
  const first = results[0]!;
  const ceilings = ceilingsOf(results);
  return {
    version: REPORT_VERSION,
    createdAt: new Date().toISOString(),
    settings,
    assumptions: [...PAPER_ASSUMPTIONS],
    data: { ...first.data, nTrain: first.split.train, nValidation: first.split.validation, nTest: first.split.test, testPositives: first.split.testPositives, validationPositives: first.split.validationPositives, fingerprint: first.dataFingerprint },
    seeds,
    selection: { metric: String(settings.selection), rule: `the epoch whose model scores best on ${String(settings.selection)} (ties: the earlier epoch); the test split is scored once, after selection` },
    models,
    comparisons: compareWithBaseline(models, Number(settings.margin)),
    ...(ceilings.length ? { ceilings } : {}),
    ...(sanity ? { sanity } : {}),
    ...(rewardAblation.length ? { rewardAblation } : {}),
    backend: first.backend,
    examples: seeds.flatMap((_, k) => sweep.flatMap((g) => g.results[k]!.examples)),
    paper: PAPER_FIGURES,
    timing: { totalSeconds: 0, ...timing },
  };
}
