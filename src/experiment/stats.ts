/**
 * Statistics over seeds. A figure from one run is not a result: each headline number is a mean
 * over seeds with a 95% interval, and a rewarded model is compared with the baseline of the same
 * seeds by a paired test.
 *
 * Method: Student's t. With n seeds the interval of a mean is x̄ ± t(0.975, n−1)·s/√n; a paired
 * comparison applies the same to the per-seed differences and tests their mean against 0
 * (two-sided). The t-test, not Wilcoxon's signed-rank test, because with five seeds the smallest
 * two-sided p-value Wilcoxon can give is 1/16 = 0.0625: it could never call a gain significant.
 * The t distribution's quantiles and CDF come from jStat.
 */
import jstat from 'jstat';
import type { PairedDifference, SeedStat } from '../report/schema.ts';
import { ExperimentError } from './errors.ts';

// jstat is CommonJS: its named export exists only on the default (module.exports) object under ESM.
const { jStat } = jstat;

export const CONFIDENCE = 0.95;

function meanOf(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample standard deviation (n − 1 in the denominator); null for fewer than two values. */
export function sampleSd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = meanOf(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

function checkFinite(what: string, values: readonly number[]): void {
  if (values.length === 0) throw new ExperimentError('statistics', `${what}: no values to summarise`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ExperimentError('statistics', `${what}: value ${bad} is ${values[bad]}, not a finite number`);
}

export interface StatOptions {
  /** Clamp the interval to this range (a t interval of a bounded quantity can overshoot it). */
  readonly range?: readonly [number, number];
}

/** Mean over seeds, its 95% t interval (null with one seed), the sd, and the values. */
export function seedStat(what: string, values: readonly number[], options: StatOptions = {}): SeedStat {
  checkFinite(what, values);
  const n = values.length;
  const mean = meanOf(values);
  const sd = sampleSd(values);
  if (sd === null) return { mean, lo: null, hi: null, sd: null, n, values: [...values] };
  const half = jStat.studentt.inv(1 - (1 - CONFIDENCE) / 2, n - 1) * (sd / Math.sqrt(n));
  const [min, max] = options.range ?? [-Infinity, Infinity];
  return { mean, lo: Math.max(min, mean - half), hi: Math.min(max, mean + half), sd, n, values: [...values] };
}

/**
 * The paired t-test of `rewarded − baseline` over the same seeds: mean difference, its 95%
 * interval, t, degrees of freedom and the two-sided p-value. With one seed, or differences that
 * are all equal (no spread), t and p are undefined (null) and the interval is null or a point.
 */
export function pairedTTest(what: string, baseline: readonly number[], rewarded: readonly number[]): Omit<PairedDifference, 'pHolm'> {
  if (baseline.length !== rewarded.length) {
    throw new ExperimentError('statistics', `${what}: paired samples differ in length (${baseline.length} baseline, ${rewarded.length} rewarded)`);
  }
  checkFinite(`${what} (baseline)`, baseline);
  checkFinite(`${what} (rewarded)`, rewarded);
  const differences = rewarded.map((r, i) => r - baseline[i]!);
  const n = differences.length;
  const mean = meanOf(differences);
  const sd = sampleSd(differences);
  const df = Math.max(0, n - 1);
  if (sd === null) return { mean, lo: null, hi: null, pValue: null, t: null, df, differences };
  // Differences equal up to rounding have no spread to test against (t would be huge or 0/0).
  const scale = Math.max(...differences.map(Math.abs));
  if (sd <= 16 * Number.EPSILON * scale) return { mean, lo: mean, hi: mean, pValue: null, t: null, df, differences };
  const se = sd / Math.sqrt(n);
  const t = mean / se;
  const half = jStat.studentt.inv(1 - (1 - CONFIDENCE) / 2, df) * se;
  const pValue = Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
  return { mean, lo: mean - half, hi: mean + half, pValue, t, df, differences };
}

/** Holm's step-down adjustment of a family of p-values (nulls stay null and do not count). */
export function holm(pValues: readonly (number | null)[]): (number | null)[] {
  const tested = pValues.flatMap((p, i) => (p === null ? [] : [{ p, i }])).sort((a, b) => a.p - b.p || a.i - b.i);
  const m = tested.length;
  const out: (number | null)[] = pValues.map(() => null);
  let running = 0;
  tested.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

export const PAIRED_METHOD = 'paired t-test over seeds (two-sided), 95% t interval of the mean difference; Holm-corrected over the rewarded models';
