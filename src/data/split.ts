/**
 * Seeded stratified train/test split: each class contributes to the test set
 * in proportion to its size (largest-remainder rounding so the test set has
 * exactly round(testFraction · n) samples), the members drawn by a seeded
 * shuffle. 298 samples with 40 positives and testFraction 0.3 give 209 train /
 * 89 test with 12 test positives.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail, orThrow } from './errors.ts';
import { Rng } from './rng.ts';

export interface SplitOptions {
  /** Fraction of samples in the test set (default 0.3), in (0, 1). */
  readonly testFraction?: number;
  /** Seed (default 0). */
  readonly seed?: number;
}

export interface Split {
  /** Sample indices, ascending. */
  readonly train: number[];
  readonly test: number[];
}

export const stratifiedSplit = (labels: readonly number[], options: SplitOptions = {}): E.Either<DataError, Split> => {
  const f = options.testFraction ?? 0.3;
  const seed = options.seed ?? 0;
  const n = labels.length;
  if (!(f > 0 && f < 1)) return fail('bad-option', `stratifiedSplit: testFraction must be in (0, 1), got ${f}`);
  if (n === 0) return fail('empty-dataset', 'stratifiedSplit: no labels to split');
  const classes = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number;
    if (l !== 0 && l !== 1) return fail('bad-label', `stratifiedSplit: label at index ${i} is ${String(l)}, not 0 or 1`);
    const c = classes.get(l);
    if (c === undefined) classes.set(l, [i]);
    else c.push(i);
  }
  if (classes.size < 2) {
    const only = [...classes.keys()][0];
    return fail('single-class', `stratifiedSplit: all ${n} samples have label ${only}; a stratified split needs both classes`);
  }
  const nTest = Math.round(f * n);
  const keys = [...classes.keys()].sort((a, b) => a - b);
  // largest-remainder apportionment of nTest over classes
  const exact = keys.map((k) => ((classes.get(k) as number[]).length * nTest) / n);
  const alloc = exact.map(Math.floor);
  let left = nTest - alloc.reduce((a, b) => a + b, 0);
  const order = exact.map((e, j) => ({ j, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.j - b.j);
  for (const { j } of order) {
    if (left <= 0) break;
    alloc[j] = (alloc[j] as number) + 1;
    left--;
  }
  const train: number[] = [];
  const test: number[] = [];
  const root = new Rng(seed >>> 0);
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j] as number;
    const idx = (classes.get(k) as number[]).slice();
    const t = alloc[j] as number;
    if (t === 0 || t === idx.length) {
      const where = t === 0 ? 'test' : 'train';
      return fail(
        'single-class',
        `stratifiedSplit: class ${k} has ${idx.length} sample${idx.length === 1 ? '' : 's'}; with testFraction ${f} the ${where} set would have none of it`,
      );
    }
    root.fork(k).shuffle(idx);
    test.push(...idx.slice(0, t));
    train.push(...idx.slice(t));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return E.right({ train, test });
};

export const stratifiedSplitOrThrow = (labels: readonly number[], options: SplitOptions = {}): Split =>
  orThrow(stratifiedSplit(labels, options));

