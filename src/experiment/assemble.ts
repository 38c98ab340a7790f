/**
 * Assembling the report from the jobs' results: per λ, every number as a mean over seeds with its
 * 95% interval; per rewarded λ, the paired comparison with the baseline of the same seeds; the
 * ceilings; the example images. Assembly reads only result files and the plan's settings, so a
 * merge of shards assembles exactly what a single run would.
 */
import { PAPER_ASSUMPTIONS } from '../report/assumptions.ts';
import { PAPER_FIGURES, REPORT_VERSION, type Ceiling, type Comparison, type FeatureAggregate, type ModelResult, type ModelRun, type PairedDifference, type ReportJson, type SeedStat } from '../report/schema.ts';
import { ExperimentError } from './errors.ts';
import type { JobResult } from './job.ts';
import type { PlanSettings } from './plan.ts';
import { holm, PAIRED_METHOD, pairedTTest, seedStat } from './stats.ts';

const UNIT: readonly [number, number] = [0, 1];
const POSITIVE: readonly [number, number] = [0, Infinity];

/** A SeedStat over the defined values (null when no seed defines the quantity). */
function stat(what: string, values: readonly (number | null | undefined)[], range?: readonly [number, number]): SeedStat | null {
  const defined = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return defined.length ? seedStat(what, defined, range ? { range } : {}) : null;
}

function required(what: string, s: SeedStat | null): SeedStat {
  if (!s) throw new ExperimentError('statistics', `${what}: no seed gave a value`);
  return s;
}

function aggregateFeature(name: string, runs: readonly ModelRun[]): FeatureAggregate {
  const of = (pick: (f: ModelRun['features'][string]) => number | null | undefined) => runs.map((r) => (r.features[name] ? pick(r.features[name]!) : null));
  return {
    S: required(`S of ${name}`, stat(`S of ${name}`, of((f) => f.S), UNIT)),
    F: stat(`F of ${name}`, of((f) => f.F), UNIT),
    ratioToNoise: stat(`S/noise of ${name}`, of((f) => f.ratioToNoise), POSITIVE),
    flowRatioToNoise: stat(`F/noise of ${name}`, of((f) => f.flowRatioToNoise), POSITIVE),
  };
}

export function aggregateModel(name: string, lambda: number, kind: ModelResult['kind'], runs: readonly ModelRun[]): ModelResult {
  const features = Object.keys(runs[0]?.features ?? {});
  const of = (pick: (r: ModelRun) => number | null) => runs.map(pick);
  return {
    name,
    lambda,
    kind,
    balancedAccuracy: required('balanced accuracy', stat('balanced accuracy', of((r) => r.balancedAccuracy), UNIT)),
    auc: stat('AUC', of((r) => r.auc), UNIT),
    accuracy: required('accuracy', stat('accuracy', of((r) => r.accuracy), UNIT)),
    spanAlignment: stat('A', of((r) => r.spanAlignment), UNIT),
    flowSpanAlignment: stat('F_A', of((r) => r.flowSpanAlignment), UNIT),
    unexplained: stat('unexplained', of((r) => r.unexplained), UNIT),
    features: Object.fromEntries(features.map((f) => [f, aggregateFeature(f, runs)])),
    noise: {
      S: required('noise S', stat('noise S', of((r) => r.noise.S), UNIT)),
      F: stat('noise F', of((r) => r.noise.F), UNIT),
      draws: runs[0]!.noise.draws,
    },
    selectedEpoch: required('selected epoch', stat('selected epoch', of((r) => r.selectedEpoch))),
    runs: [...runs],
  };
}

/** Paired difference over the seeds where both runs define the quantity. */
function paired(what: string, base: readonly ModelRun[], rewarded: readonly ModelRun[], pick: (r: ModelRun) => number | null): Omit<PairedDifference, 'pHolm'> | null {
  const pairs = base.map((b, i) => [pick(b), pick(rewarded[i]!)] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  if (pairs.length === 0) return null;
  return pairedTTest(what, pairs.map((p) => p[0]), pairs.map((p) => p[1]));
}

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

/** The seeds and λ of the settings, each λ's results in seed order; names a missing (λ, seed). */
function resultsByModel(settings: PlanSettings, results: readonly JobResult[]): { seeds: number[]; models: { name: string; lambda: number; kind: ModelResult['kind']; results: JobResult[] }[] } {
  const seeds = settings.seeds as number[];
  const lambdas = settings.lambdas as number[];
  const key = (lambda: number, seed: number) => `${lambda}/${seed}`;
  const index = new Map(results.map((r) => [key(r.job.lambda, r.job.seed), r]));
  const missing = lambdas.flatMap((l) => seeds.filter((s) => !index.has(key(l, s))).map((s) => `(λ ${l}, seed ${s})`));
  if (missing.length) throw new ExperimentError('incomplete', `the results lack ${missing.length} job${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`);
  return {
    seeds,
    models: lambdas.map((lambda) => {
      const rs = seeds.map((s) => index.get(key(lambda, s))!);
      return { name: rs[0]!.job.model, lambda, kind: rs[0]!.job.kind, results: rs };
    }),
  };
}

export function assembleReport({ settings, results, timing }: AssembleInput): ReportJson {
  const { seeds, models: grouped } = resultsByModel(settings, results);
  const models = grouped.map((g) => aggregateModel(g.name, g.lambda, g.kind, g.results.map((r) => r.run)));
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
    backend: first.backend,
    examples: seeds.flatMap((_, k) => grouped.flatMap((g) => g.results[k]!.examples)),
    paper: PAPER_FIGURES,
    timing: { totalSeconds: 0, ...timing },
  };
}
