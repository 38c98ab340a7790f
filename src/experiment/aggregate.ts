/** Per-seed values to numbers over seeds: a SeedStat per quantity, a model's aggregate, a paired difference. */
import type { FeatureAggregate, ModelResult, ModelRun, PairedDifference, SeedStat } from '../report/schema.ts';
import { ExperimentError } from './errors.ts';
import { pairedTTest, seedStat } from './stats.ts';

export const UNIT: readonly [number, number] = [0, 1];
export const POSITIVE: readonly [number, number] = [0, Infinity];

/** A SeedStat over the defined values (null when no seed defines the quantity). */
export function stat(what: string, values: readonly (number | null | undefined)[], range?: readonly [number, number]): SeedStat | null {
  const defined = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return defined.length ? seedStat(what, defined, range ? { range } : {}) : null;
}

export function required(what: string, s: SeedStat | null): SeedStat {
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

/** Feature ablation over seeds: A without each feature, and its change from A with all of them. */
function ablationOf(features: readonly string[], runs: readonly ModelRun[]): Pick<ModelResult, 'ablation'> {
  if (!runs.every((r) => r.ablation)) return {};
  const entries = features.flatMap((f) => {
    const without = stat(`A without ${f}`, runs.map((r) => r.ablation![f]), UNIT);
    // A subset's span holds less of ∇f: the change is ≤ 0 on every image, so its interval is clamped there.
    const change = stat(`change of A without ${f}`, runs.map((r) => (r.ablation![f] === null || r.ablation![f] === undefined || r.spanAlignment === null ? null : Math.min(0, r.ablation![f]! - r.spanAlignment))), [-1, 0]);
    return without && change ? [[f, { spanAlignment: without, change }] as const] : [];
  });
  return entries.length ? { ablation: Object.fromEntries(entries) } : {};
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
    spanRatioToNoise: stat('A/noise A', of((r) => (r.spanAlignment !== null && r.noiseSpanAlignment ? r.spanAlignment / r.noiseSpanAlignment : null)), POSITIVE),
    ...ablationOf(features, runs),
    runs: [...runs],
  };
}

/** Paired difference over the seeds where both runs define the quantity. */
export function paired(what: string, base: readonly ModelRun[], rewarded: readonly ModelRun[], pick: (r: ModelRun) => number | null): Omit<PairedDifference, 'pHolm'> | null {
  const pairs = base.map((b, i) => [pick(b), pick(rewarded[i]!)] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  if (pairs.length === 0) return null;
  return pairedTTest(what, pairs.map((p) => p[0]), pairs.map((p) => p[1]));
}

