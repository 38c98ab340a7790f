import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ShapeError, grad, scalar, tensor, zeros } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';

const softplus = (z: number) => Math.log1p(Math.exp(z));

describe('bceWithLogits', () => {
  it('matches the hand-computed class-weighted value', () => {
    const logits = tensor([0, 2, -1], [3, 1], { dtype: 'f64' });
    const loss = nn.bceWithLogits(logits, [1, 0, 1], { posWeight: 2 });
    expect(loss.item()).toBeCloseTo((2 * Math.LN2 + softplus(2) + 2 * softplus(1)) / 3, 12);
    expect(nn.bceWithLogits(logits, [1, 0, 1], { reduction: 'sum' }).item()).toBeCloseTo(Math.LN2 + softplus(2) + softplus(1), 12);
  });

  it('is finite and exact, with gradient σ(z) − y, for logits of magnitude 100 and 1000', () => {
    const logits = tensor([100, -100, 1000, -1000], [4]);
    const labels = [0, 1, 1, 0];
    expect(nn.bceWithLogits(logits, labels).item()).toBeCloseTo(50, 4);
    const g = grad((z: typeof logits) => nn.bceWithLogits(z, labels))(logits);
    expect(g.toFlatArray()).toEqual([0.25, -0.25, 0, 0]);
  });

  it('labels other than 0/1 are a LabelError naming the index and value', () => {
    const logits = zeros([3]);
    expect(() => nn.bceWithLogits(logits, [0, 2, 1])).toThrow(nn.LabelError);
    expect(() => nn.bceWithLogits(logits, [0, 0.5, 1])).toThrow(/label at index 1 is 0.5/);
    expect(() => nn.bceWithLogits(logits, tensor([0, 1, -1], [3]))).toThrow(/label at index 2 is -1/);
  });

  it('an empty batch is a DataError (empty-batch); mismatched lengths and shapes are typed errors', () => {
    expect(() => nn.bceWithLogits(zeros([0, 1]), [])).toThrow(expect.objectContaining({ code: 'empty-batch' }));
    expect(() => nn.bceWithLogits(zeros([2]), [0, 1, 1])).toThrow(expect.objectContaining({ code: 'length-mismatch' }));
    expect(() => nn.bceWithLogits(zeros([2, 2]), [0, 1])).toThrow(ShapeError);
    expect(() => nn.bceWithLogits(zeros([2]), [0, 1], { posWeight: 0 })).toThrow(/posWeight must be a positive/);
  });
});

describe('mse', () => {
  it('is the mean squared difference; shapes must agree', () => {
    expect(nn.mse(tensor([1, 2, 3], [3]), tensor([1, 0, 0], [3])).item()).toBeCloseTo(13 / 3, 6);
    expect(nn.mse(tensor([1, 2], [2, 1]), [0, 0]).item()).toBeCloseTo(2.5, 6);
    expect(() => nn.mse(tensor([1, 2], [2]), tensor([1, 2, 3], [3]))).toThrow(ShapeError);
    expect(() => nn.mse(zeros([0]), [])).toThrow(nn.DataError);
    expect(nn.mse(scalar(3), scalar(1)).item()).toBe(4);
  });
});

describe('metrics', () => {
  // 100 samples, 13% positive: 10 of 13 positives and 80 of 87 negatives found.
  const labels = [...Array(13).fill(1), ...Array(87).fill(0)];
  const preds = [...Array(10).fill(1), ...Array(3).fill(0), ...Array(80).fill(0), ...Array(7).fill(1)];

  it('confusion matrix, accuracy and balanced accuracy on 13% positives', () => {
    expect(nn.confusionMatrix(labels, preds)).toEqual({ tp: 10, fn: 3, tn: 80, fp: 7 });
    expect(nn.accuracy(labels, preds)).toBeCloseTo(0.9, 12);
    expect(nn.balancedAccuracy(labels, preds)).toBeCloseTo((10 / 13 + 80 / 87) / 2, 12);
    // The majority-class classifier is 87% accurate but no better than chance in balance.
    const none = Array(100).fill(0);
    expect(nn.accuracy(labels, none)).toBeCloseTo(0.87, 12);
    expect(nn.balancedAccuracy(labels, none)).toBe(0.5);
    expect(nn.balancedAccuracy([0, 0, 0], [0, 1, 0])).toBeCloseTo(2 / 3, 12);
  });

  it('rocAuc counts ties as half by midranks', () => {
    // positives 0.8, 0.5, 0.3 vs negatives 0.8, 0.3, 0.1: 2.5 + 2 + 1.5 of 9 pairs.
    expect(nn.rocAuc([1, 0, 1, 0, 1, 0], [0.8, 0.8, 0.5, 0.3, 0.3, 0.1])).toBeCloseTo(6 / 9, 12);
    expect(nn.rocAuc([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(nn.rocAuc([1, 1, 0, 0], [1, 2, 3, 4])).toBe(0);
    expect(nn.rocAuc([1, 0, 1, 0], [5, 5, 5, 5])).toBe(0.5);
  });

  it('classify thresholds scores (logit 0 by default)', () => {
    expect(nn.classify([-1, 0, 0.1, 3])).toEqual([0, 0, 1, 1]);
    expect(nn.classify([0.2, 0.7], 0.5)).toEqual([0, 1]);
  });

  it('bad inputs are typed errors naming the problem', () => {
    expect(() => nn.accuracy([0, 1, 2], [0, 1, 1])).toThrow(nn.LabelError);
    expect(() => nn.accuracy([0, 1], [0, 0.5])).toThrow(/predictions.*index 1 is 0.5/);
    expect(() => nn.balancedAccuracy([], [])).toThrow(expect.objectContaining({ code: 'empty-data' }));
    expect(() => nn.rocAuc([0, 1], [0.5])).toThrow(expect.objectContaining({ code: 'length-mismatch' }));
    expect(() => nn.rocAuc([1, 1], [0.1, 0.2])).toThrow(/needs both classes/);
    expect(() => nn.rocAuc([0, 1], [0.1, NaN])).toThrow(/score at index 1 is NaN/);
  });
});

describe('properties', () => {
  const sample = fc
    .array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: -4, max: 4 })), { minLength: 2, maxLength: 40 })
    .filter((xs) => xs.some(([y]) => y === 1) && xs.some(([y]) => y === 0));

  test.prop([sample])('rocAuc equals the fraction of positive–negative pairs ordered correctly, ties counting ½', (xs) => {
    const labels = xs.map(([y]) => y);
    const scores = xs.map(([, s]) => s / 2);
    let wins = 0, pairs = 0;
    for (const [yp, sp] of xs) for (const [yn, sn] of xs) if (yp === 1 && yn === 0) {
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    }
    expect(nn.rocAuc(labels, scores)).toBeCloseTo(wins / pairs, 12);
  });

  test.prop([sample])('balanced accuracy is the mean of sensitivity and specificity, and 0.5 for constant predictions', (xs) => {
    const labels = xs.map(([y]) => y);
    const preds = xs.map(([, s]) => (s > 0 ? 1 : 0));
    const { tp, fp, tn, fn } = nn.confusionMatrix(labels, preds);
    expect(nn.balancedAccuracy(labels, preds)).toBeCloseTo((tp / (tp + fn) + tn / (tn + fp)) / 2, 12);
    expect(nn.balancedAccuracy(labels, labels.map(() => 1))).toBe(0.5);
  });

  test.prop([sample, fc.double({ min: 0.1, max: 10, noNaN: true })])('bceWithLogits equals the textbook −[w·y·log σ(z) + (1−y)·log(1−σ(z))] for moderate logits', (xs, w) => {
    const labels = xs.map(([y]) => y);
    const z = xs.map(([, s]) => s);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = z.reduce((acc, v, i) => acc - (labels[i] === 1 ? w * Math.log(sig(v)) : Math.log(1 - sig(v))), 0) / z.length;
    expect(nn.bceWithLogits(tensor(z, [z.length], { dtype: 'f64' }), labels, { posWeight: w }).item()).toBeCloseTo(expected, 10);
  });
});
