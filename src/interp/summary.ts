/**
 * Dataset summaries of the measures, counts of flagged samples, and the comparison of a
 * feature against the noise baseline. Undefined values (null) are counted, never averaged.
 */
import { ArgumentError } from '../tensor/errors.ts';
import type { Issue, IssueKind, SampleId } from './errors.ts';
import type { AlignmentResult } from './alignment.ts';
import type { FlowResult } from './flow.ts';

export interface Stats {
  /** Defined values summarised. */
  readonly count: number;
  /** Values that were null (undefined on that sample) or not finite. */
  readonly missing: number;
  /** Null when count is 0, like every statistic below. */
  readonly mean: number | null;
  readonly std: number | null;
  readonly min: number | null;
  readonly q1: number | null;
  readonly median: number | null;
  readonly q3: number | null;
  readonly max: number | null;
}

/** [ours] The p-quantile by linear interpolation between order statistics (Hyndman–Fan type 7, NumPy's default). */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Mean, sample standard deviation, quartiles and range of the defined values. */
export function summarize(values: readonly (number | null | undefined)[]): Stats {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  const n = xs.length;
  const mean = n ? xs.reduce((s, v) => s + v, 0) / n : null;
  const std = n > 1 && mean !== null ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : null;
  return {
    count: n,
    missing: values.length - n,
    mean,
    std,
    min: n ? xs[0]! : null,
    q1: quantile(xs, 0.25),
    median: quantile(xs, 0.5),
    q3: quantile(xs, 0.75),
    max: n ? xs[n - 1]! : null,
  };
}

export interface IssueCount {
  /** Distinct samples affected. */
  readonly samples: number;
  readonly sampleIds: readonly SampleId[];
}

/** Flags counted per subject ('f', a feature, 'flow') and kind, and over all. */
export interface IssueSummary {
  /** Samples with at least one flag. */
  readonly flaggedSamples: number;
  /** `bySubject[subject][kind]`. */
  readonly bySubject: Readonly<Record<string, Partial<Record<IssueKind, IssueCount>>>>;
  /** Per kind, over all subjects. */
  readonly byKind: Partial<Record<IssueKind, IssueCount>>;
}

export function summarizeIssues(results: readonly { readonly issues: readonly Issue[] }[]): IssueSummary {
  const bySubject: Record<string, Partial<Record<IssueKind, Set<SampleId>>>> = {};
  const byKind: Partial<Record<IssueKind, Set<SampleId>>> = {};
  const flagged = new Set<SampleId>();
  for (const r of results) {
    for (const i of r.issues) {
      flagged.add(i.sampleId);
      const s = (bySubject[i.subject] ??= {});
      (s[i.kind] ??= new Set()).add(i.sampleId);
      (byKind[i.kind] ??= new Set()).add(i.sampleId);
    }
  }
  const count = (ids: Set<SampleId>): IssueCount => ({ samples: ids.size, sampleIds: [...ids] });
  const counts = (m: Partial<Record<IssueKind, Set<SampleId>>>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, count(v!)])) as Partial<Record<IssueKind, IssueCount>>;
  return {
    flaggedSamples: flagged.size,
    bySubject: Object.fromEntries(Object.entries(bySubject).map(([k, v]) => [k, counts(v)])),
    byKind: counts(byKind),
  };
}

function featureNames(op: string, results: readonly { readonly names: readonly string[] }[]): readonly string[] {
  const names = results[0]?.names ?? [];
  for (const r of results) {
    if (r.names.length !== names.length || r.names.some((n, i) => n !== names[i])) throw new ArgumentError(op, 'results were computed with different features');
  }
  return names;
}

export interface AlignmentSummary {
  readonly samples: number;
  /** S_i per feature name. */
  readonly S: Readonly<Record<string, Stats>>;
  readonly A: Stats;
  readonly unexplained: Stats;
  readonly issues: IssueSummary;
}

export function summarizeAlignment(results: readonly AlignmentResult[]): AlignmentSummary {
  const names = featureNames('summarizeAlignment', results);
  return {
    samples: results.length,
    S: Object.fromEntries(names.map((n, i) => [n, summarize(results.map((r) => r.S[i]))])),
    A: summarize(results.map((r) => r.A)),
    unexplained: summarize(results.map((r) => r.unexplained)),
    issues: summarizeIssues(results),
  };
}

export interface FlowSummary {
  readonly samples: number;
  readonly F: Readonly<Record<string, Stats>>;
  readonly FA: Stats;
  /** Paths that reached the boundary (or started on it), and those that did not. */
  readonly reached: number;
  readonly notReached: number;
  readonly stopReasons: Readonly<Record<string, number>>;
  readonly length: Stats;
  readonly steps: Stats;
  readonly issues: IssueSummary;
}

export function summarizeFlow(results: readonly FlowResult[]): FlowSummary {
  const names = featureNames('summarizeFlow', results);
  const stopReasons: Record<string, number> = {};
  for (const r of results) stopReasons[r.stopReason] = (stopReasons[r.stopReason] ?? 0) + 1;
  const reached = results.filter((r) => r.reached).length;
  return {
    samples: results.length,
    F: Object.fromEntries(names.map((n, i) => [n, summarize(results.map((r) => r.F[i]))])),
    FA: summarize(results.map((r) => r.FA)),
    reached,
    notReached: results.length - reached,
    stopReasons,
    length: summarize(results.map((r) => r.length)),
    steps: summarize(results.map((r) => r.steps)),
    issues: summarizeIssues(results),
  };
}

export interface NoiseComparison {
  /** Mean of the feature's defined values. */
  readonly featureMean: number | null;
  /** Each noise draw's mean over the samples. */
  readonly noiseMeans: readonly (number | null)[];
  /** The mean of the draws' means. */
  readonly noiseMean: number | null;
  /** featureMean / noiseMean; null when either is undefined or the noise mean is 0. */
  readonly ratio: number | null;
  /** (1 + #{draws with mean ≥ featureMean}) / (1 + K): a permutation-style p-value that is never 0. */
  readonly pValue: number | null;
  readonly draws: number;
}

/**
 * A feature's measure (S or F per sample) against K noise draws' (`noise[k][sample]`): the ratio
 * of means, and the empirical p-value of the feature mean under the noise distribution, with +1
 * smoothing so that K draws can show at best p = 1/(K + 1).
 */
export function noiseBaseline(feature: readonly (number | null)[], noise: readonly (readonly (number | null)[])[]): NoiseComparison {
  if (!Array.isArray(noise) || noise.length === 0) throw new ArgumentError('noiseBaseline', 'needs at least one noise draw');
  const featureMean = summarize(feature).mean;
  const noiseMeans = noise.map((d) => summarize(d).mean);
  const defined = noiseMeans.filter((m): m is number => m !== null);
  const noiseMean = defined.length ? defined.reduce((s, v) => s + v, 0) / defined.length : null;
  const ratio = featureMean !== null && noiseMean !== null && noiseMean > 0 ? featureMean / noiseMean : null;
  const pValue = featureMean === null || defined.length === 0 ? null : (1 + defined.filter((m) => m >= featureMean).length) / (1 + defined.length);
  return { featureMean, noiseMeans, noiseMean, ratio, pValue, draws: defined.length };
}

/** The per-sample column of a feature (S from alignment results, F from flow results), by name. */
export function column(results: readonly (AlignmentResult | FlowResult)[], name: string): (number | null)[] {
  if (results.length === 0) return [];
  const i = results[0]!.names.indexOf(name);
  if (i < 0) throw new ArgumentError('column', `no feature named ${name}; have ${results[0]!.names.join(', ')}`);
  return results.map((r) => ('F' in r ? r.F[i]! : r.S[i]!));
}

/** Every named feature of `results` against the noise draws among them (names starting with `noisePrefix`, default 'noise'). */
export function compareWithNoise(results: readonly (AlignmentResult | FlowResult)[], noisePrefix = 'noise'): Record<string, NoiseComparison> {
  if (results.length === 0) return {};
  const names = results[0]!.names;
  const noiseNames = names.filter((n) => n.startsWith(noisePrefix));
  if (noiseNames.length === 0) throw new ArgumentError('compareWithNoise', `no feature name starts with '${noisePrefix}'`);
  const draws = noiseNames.map((n) => column(results, n));
  return Object.fromEntries(names.filter((n) => !n.startsWith(noisePrefix)).map((n) => [n, noiseBaseline(column(results, n), draws)]));
}
