/**
 * The ceiling: what the data allow a classifier to reach. On a phantom the label is a known rule
 * over per-sample features recorded in its ground truth; a logistic regression on those true
 * features, fit on the CNN's training split and scored on the same test split, is what a model
 * that had perfectly extracted them would do. Two variants: all the label's features, and the
 * visible ones only (without the hidden texture, which no named feature measures).
 *
 * The fit is Newton's method (IRLS) on the class-weighted log-loss (the CNN's loss, positives
 * weighted by #negatives / #positives) with a small ridge penalty so that a separable training set
 * still has a finite optimum. Features are standardised with the training split's mean and sd.
 */
import type { Dataset as DataSet } from '../data/index.ts';
import { scoreLogits } from '../nn/index.ts';
import { ExperimentError } from './errors.ts';
import type { SeedSplit } from './data.ts';

const RIDGE = 1e-3;
const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-10;

/** Solves A x = b for a small symmetric positive definite A (Gaussian elimination, partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const row = m[c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / row[c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * row[k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

export interface LogisticModel {
  /** Weights per feature (standardised units), then the intercept. */
  readonly weights: readonly number[];
  readonly iterations: number;
  logit(x: readonly number[]): number;
}

/** Class-weighted ridge logistic regression fit by Newton's method. */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[]): LogisticModel {
  const d = (x[0]?.length ?? 0) + 1;
  const pos = y.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === y.length) throw new ExperimentError('statistics', `logistic ceiling: the training split needs both classes, got ${pos} positive of ${y.length}`);
  const posWeight = (y.length - pos) / pos;
  let w = new Array<number>(d).fill(0);
  const design = x.map((row) => [...row, 1]);
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    const gradient = new Array<number>(d).fill(0);
    design.forEach((row, i) => {
      const z = row.reduce((s, v, k) => s + v * w[k]!, 0);
      const p = 1 / (1 + Math.exp(-z));
      const weight = y[i] === 1 ? posWeight : 1;
      for (let k = 0; k < d; k++) {
        gradient[k]! += weight * (p - y[i]!) * row[k]!;
        for (let l = 0; l < d; l++) hessian[k]![l]! += weight * p * (1 - p) * row[k]! * row[l]!;
      }
    });
    for (let k = 0; k < d - 1; k++) {
      gradient[k]! += RIDGE * w[k]!;
      hessian[k]![k]! += RIDGE;
    }
    const step = solve(hessian, gradient);
    w = w.map((v, k) => v - step[k]!);
    if (Math.max(...step.map(Math.abs)) < TOLERANCE) break;
  }
  const weights = w;
  return { weights, iterations, logit: (row) => row.reduce((s, v, k) => s + v * weights[k]!, weights[d - 1]!) };
}

export interface CeilingScore {
  readonly name: string;
  readonly features: readonly string[];
  readonly balancedAccuracy: number;
  readonly auc: number | null;
}

/** The ceilings a dataset's ground truth allows for one seed's split (none for data without one). */
export function ceilingsFor(dataset: DataSet, split: SeedSplit): CeilingScore[] {
  const gt = dataset.groundTruth;
  if (!gt) return [];
  const used = Object.entries(gt.weights).filter(([, w]) => w !== 0).map(([f]) => f);
  const visible = used.filter((f) => !gt.hidden.includes(f as never));
  const variants: [string, string[]][] = [['all label features', used]];
  if (visible.length > 0 && visible.length < used.length) variants.push(['visible features only', visible]);
  return variants.map(([name, features]) => ({ name, features, ...scoreCeiling(dataset, split, features) }));
}

function scoreCeiling(dataset: DataSet, split: SeedSplit, features: readonly string[]): { balancedAccuracy: number; auc: number | null } {
  const value = (i: number, f: string): number => {
    const v = (dataset.samples[i]!.truth as Record<string, unknown> | undefined)?.[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ExperimentError('statistics', `logistic ceiling: sample ${dataset.samples[i]!.id} has no true value of ${f}`);
    return v;
  };
  const mean = features.map((f) => split.train.reduce((s, i) => s + value(i, f), 0) / split.train.length);
  const sd = features.map((f, k) => Math.sqrt(split.train.reduce((s, i) => s + (value(i, f) - mean[k]!) ** 2, 0) / split.train.length) || 1);
  const row = (i: number) => features.map((f, k) => (value(i, f) - mean[k]!) / sd[k]!);
  const label = (i: number) => dataset.samples[i]!.label;
  const model = fitLogistic(split.train.map(row), split.train.map(label));
  const scores = scoreLogits(split.test.map((i) => model.logit(row(i))), split.test.map(label));
  return { balancedAccuracy: scores.balancedAccuracy, auc: scores.auc };
}
