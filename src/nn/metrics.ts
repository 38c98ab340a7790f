/**
 * Classification metrics on plain arrays (labels 0/1, predictions 0/1, or real-valued scores).
 * Every function validates its input: labels other than 0/1 are a LabelError, empty or
 * mismatched arrays a DataError, non-finite scores a DataError.
 */
import { DataError, LabelError } from './errors.ts';
import { binaryLabels, type Labels } from './losses.ts';

export interface ConfusionMatrix {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

function pair(op: string, labels: Labels, other: ArrayLike<number>, what: string): ArrayLike<number> {
  const y = binaryLabels(op, labels);
  if (y.length === 0) throw new DataError('empty-data', op, 'no samples');
  if (other.length !== y.length) throw new DataError('length-mismatch', op, `${y.length} labels but ${other.length} ${what}`);
  return y;
}

function predictionsOf(op: string, predictions: ArrayLike<number>): ArrayLike<number> {
  for (let i = 0; i < predictions.length; i++) {
    const v = predictions[i];
    if (v !== 0 && v !== 1) throw new LabelError(`${op} (predictions)`, i, v);
  }
  return predictions;
}

/** 1 where score > threshold, else 0 (threshold 0 on logits is probability 0.5). */
export function classify(scores: ArrayLike<number>, threshold = 0): number[] {
  const out = new Array<number>(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! > threshold ? 1 : 0;
  return out;
}

export function confusionMatrix(labels: Labels, predictions: ArrayLike<number>): ConfusionMatrix {
  const op = 'confusionMatrix';
  const y = pair(op, labels, predictions, 'predictions');
  const p = predictionsOf(op, predictions);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) p[i] === 1 ? tp++ : fn++;
    else p[i] === 1 ? fp++ : tn++;
  }
  return { tp, fp, tn, fn };
}

export function accuracy(labels: Labels, predictions: ArrayLike<number>): number {
  const { tp, fp, tn, fn } = confusionMatrix(labels, predictions);
  return (tp + tn) / (tp + fp + tn + fn);
}

/**
 * The mean of the recalls of the classes present in `labels` (sensitivity and specificity when
 * both are), so a constant classifier scores 0.5 however imbalanced the data.
 */
export function balancedAccuracy(labels: Labels, predictions: ArrayLike<number>): number {
  const { tp, fp, tn, fn } = confusionMatrix(labels, predictions);
  const recalls: number[] = [];
  if (tp + fn > 0) recalls.push(tp / (tp + fn));
  if (tn + fp > 0) recalls.push(tn / (tn + fp));
  return recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

/**
 * Area under the ROC curve by the rank-sum (Mann–Whitney) formula, tied scores sharing their
 * mean rank, which equals the trapezoidal area and counts each tied positive–negative pair as ½.
 * Undefined (a DataError) when only one class is present.
 */
export function rocAuc(labels: Labels, scores: ArrayLike<number>): number {
  const op = 'rocAuc';
  const y = pair(op, labels, scores, 'scores');
  const n = y.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw new DataError('bad-value', op, `score at index ${i} is ${scores[i]}`);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i]!;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new DataError('bad-value', op, `AUC needs both classes; got ${nPos} positive and ${nNeg} negative`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) rankSumPos += midrank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
