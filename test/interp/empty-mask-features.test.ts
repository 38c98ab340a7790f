/**
 * Issue 14, defect 9: the built-in features called directly on an empty mask returned NaN,
 * although the measures flag that case. Every feature made by defineFeature now checks its
 * domain on each call and throws the typed FeatureError; the measures still turn the same
 * case into a null with a flag.
 */
import { describe, expect, it } from 'vitest';
import { FgflowError, grad, mul, sum, Tensor } from '../../src/index.ts';
import { alignment, brightness, defineFeature, extent, FeatureError, logAspectRatio, type Image } from '../../src/interp/index.ts';

const SIDE = 6;
const image = (fill: (i: number) => number): Image<'f64'> =>
  Tensor.fromBuffer([SIDE, SIDE] as const, 'f64', Float64Array.from({ length: SIDE * SIDE }, (_, i) => fill(i))) as Image<'f64'>;
const ct = image((i) => 0.2 + (i % 5) / 10);
const empty = image(() => 0);
const line = image((i) => (Math.floor(i / SIDE) === 2 ? 1 : 0));

/** The error `body` throws (undefined when it returns). */
const thrown = (body: () => unknown): unknown => {
  try {
    body();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('defect 9: built-in features where they are undefined', () => {
  for (const [name, feature] of [['brightness', brightness], ['extent', extent], ['logAspectRatio', logAspectRatio]] as const) {
    it(`${name} on an empty mask gets a FeatureError (code feature:empty-mask) naming the feature, directly and under grad, never NaN`, () => {
      for (const call of [() => feature(ct, empty), () => grad((x: Tensor) => feature(x as Image, empty))(ct)]) {
        const e = thrown(call);
        expect(e).toBeInstanceOf(FeatureError);
        expect(e).toBeInstanceOf(FgflowError);
        expect((e as FeatureError).code).toBe('feature:empty-mask');
        expect((e as FeatureError).kind).toBe('empty-mask');
        expect((e as FeatureError).message).toBe(`feature ${name} undefined: the mask is empty (Σ M = 0)`);
      }
      const measured = alignment((x: Image) => sum(mul(x, ct)), { [name]: feature }, { image: ct, mask: empty, id: 'e' });
      expect(measured.S).toEqual([null]);
      expect(measured.issues).toContainEqual(expect.objectContaining({ sampleId: 'e', subject: name, kind: 'empty-mask' }));
    });
  }

  it('logAspectRatio on a line-shaped mask gets a FeatureError degenerate-covariance; on a blob it is a finite number', () => {
    expect((thrown(() => logAspectRatio(ct, line)) as FeatureError).kind).toBe('degenerate-covariance');
    const blob = image((i) => (Math.abs(Math.floor(i / SIDE) - 2.5) < 2 && Math.abs((i % SIDE) - 2.5) < 1 ? 1 : 0));
    expect(Number.isFinite(logAspectRatio(ct, blob).item())).toBe(true);
    expect(Number.isFinite(brightness(ct, blob).item())).toBe(true);
  });

  it("a user's defineFeature with a domain gets the same check", () => {
    const meanInside = defineFeature('meanInside', 'mask', (x, m) => sum(mul(x, m)));
    expect((thrown(() => meanInside(ct, empty)) as FeatureError).message).toBe('feature meanInside undefined: the mask is empty (Σ M = 0)');
  });
});
