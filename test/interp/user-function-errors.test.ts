/**
 * Issue 14, defect 8: an error thrown inside a user's model or feature function came out as a
 * plain Error (or a bare string) naming neither the function nor the sample. Every measure now
 * wraps it in a UserFunctionError (code 'model:threw' or 'feature:threw') whose message names
 * the operation, the function and the samples, and whose `cause` is exactly what was thrown.
 * The measure returns nothing when that happens.
 */
import { describe, expect, it } from 'vitest';
import { FgflowError, mul, reshape, sum, Tensor } from '../../src/index.ts';
import {
  alignment, alignmentBatch, alignmentReward, brightness, FeatureError, flowAlignment, flowAlignmentBatch, saliency, UserFunctionError,
  type Feature, type Image, type ImageBatch,
} from '../../src/interp/index.ts';

const SIDE = 4;
const D = SIDE * SIDE;
const image = Tensor.fromBuffer([SIDE, SIDE] as const, 'f64', Float64Array.from({ length: D }, (_, i) => 0.2 + i / 40)) as Image;
const mask = Tensor.fromBuffer([SIDE, SIDE] as const, 'f64', Float64Array.from({ length: D }, (_, i) => (i % 5 === 0 ? 1 : 0))) as Image;
const linear = (x: Image) => sum(mul(x, image));
const batch = {
  images: Tensor.fromBuffer([3, SIDE, SIDE] as const, 'f64', Float64Array.from({ length: 3 * D }, (_, i) => 0.2 + (i % D) / 40)) as ImageBatch,
  masks: Tensor.fromBuffer([3, SIDE, SIDE] as const, 'f64', Float64Array.from({ length: 3 * D }, (_, i) => (i % 5 === 0 ? 1 : 0))) as ImageBatch,
  ids: ['a', 'b', 'c'],
};

/** The UserFunctionError `body` throws, with its code, message and cause checked. */
function expectWrapped(body: () => unknown, code: 'model:threw' | 'feature:threw', message: string, cause: unknown): UserFunctionError {
  let caught: unknown;
  let result: unknown;
  try {
    result = body();
  } catch (e) {
    caught = e;
  }
  expect(result).toBeUndefined();
  expect(caught).toBeInstanceOf(UserFunctionError);
  expect(caught).toBeInstanceOf(FgflowError);
  const e = caught as UserFunctionError;
  expect(e.code).toBe(code);
  expect(e.message).toBe(message);
  expect(e.cause).toBe(cause);
  return e;
}

describe('defect 8: what a user function throws is wrapped, naming it and the sample', () => {
  it('a model that throws an Error in alignment gets model:threw naming the sample, with the Error as cause', () => {
    const boom = new RangeError('index out of range');
    const e = expectWrapped(() => alignment(() => { throw boom; }, [brightness], { image, mask, id: 'p7' }), 'model:threw', 'alignment: the model threw on sample p7: RangeError: index out of range', boom);
    expect(e.sampleIds).toEqual(['p7']);
    expect(e.role).toBe('model');
  });

  it('a model that throws a string in flowAlignment gets model:threw with the string as cause', () => {
    expectWrapped(() => flowAlignment(() => { throw 'not ready'; }, [brightness], { image, mask, id: 3 }), 'model:threw', 'flowAlignment: the model threw on sample 3: not ready', 'not ready');
  });

  it('a batch model that throws gets model:threw naming the batch ids, in alignmentBatch and flowAlignmentBatch', () => {
    const oops = new Error('bad batch\nsecond line');
    const model = () => { throw oops; };
    expectWrapped(() => alignmentBatch(model, [brightness], batch), 'model:threw', 'alignmentBatch: the model threw on samples a, b, c: Error: bad batch', oops);
    expectWrapped(() => flowAlignmentBatch(model, [brightness], batch), 'model:threw', 'flowAlignmentBatch: the model threw on samples a, b, c: Error: bad batch', oops);
  });

  it('a feature that throws gets feature:threw naming the feature and the sample; a FeatureError still means undefined (null, flagged)', () => {
    const err = new TypeError('mask.foo is not a function');
    const broken = Object.assign((() => { throw err; }) as unknown as Feature, { featureName: 'broken' });
    expectWrapped(() => alignment(linear, [brightness, broken], { image, mask, id: 's1' }), 'feature:threw', 'alignment: feature broken threw on sample s1: TypeError: mask.foo is not a function', err);
    const reason = { reason: 42 };
    const thrower = (() => { throw reason; }) as unknown as Feature;
    expectWrapped(() => flowAlignment(linear, { custom: thrower }, { image, mask, id: 's2' }), 'feature:threw', 'flowAlignment: feature custom threw on sample s2: {"reason":42}', reason);
  });

  it('a feature that throws a FeatureError is still undefined on that sample, not an error', () => {
    const refuses = (() => { throw new FeatureError('empty-mask', undefined, 'no', 'refuses'); }) as unknown as Feature;
    const r = alignment(linear, { refuses }, { image, mask, id: 'q' });
    expect(r.S).toEqual([null]);
    expect(r.issues).toContainEqual(expect.objectContaining({ subject: 'refuses', kind: 'empty-mask' }));
  });

  it("the reward's apply and an attribution model that throw get model:threw naming the rows", () => {
    const reward = alignmentReward({ features: { brightness }, lambda: 1 });
    const x = Tensor.fromBuffer([2, 2, SIDE, SIDE] as const, 'f64', Float64Array.from({ length: 4 * D }, (_, i) => (i % 5 === 0 ? 1 : 0.5)));
    const fail = new Error('shape of params');
    expectWrapped(() => reward(() => { throw fail; }, {}, { x, indices: [10, 11] }), 'model:threw', 'alignmentReward: the model threw on samples 10, 11: Error: shape of params', fail);
    expectWrapped(() => saliency(() => { throw 'no'; }, reshape(x, [2, 2 * D])), 'model:threw', 'saliency: the model threw on samples 0, 1: no', 'no');
  });
});
