/** Bad input to the noise tunnel gets a typed one-line error naming the tunnel and the option. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, random, ShapeError, sum, Tensor } from '../../src/index.ts';
import { noiseTunnel, saliency, smoothGrad, UserFunctionError } from '../../src/interp/index.ts';

const x = Tensor.fromBuffer([2, 3], 'f64', Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6));
const model = (y: Tensor) => sum(y, [1]);
const key = random.key(1);

describe('noiseTunnel on bad input', () => {
  it('a method that is not a function gets an ArgumentError naming noiseTunnel', () => {
    expect(() => noiseTunnel(42 as never)).toThrow(ArgumentError);
    expect(() => noiseTunnel(42 as never)).toThrow(/^noiseTunnel: method must be an attribution function/);
  });

  it('an unknown type gets an ArgumentError naming the type option and the tunnel', () => {
    expect(() => noiseTunnel(saliency, {}, 'myTunnel')(model, x, { key, type: 'median' as never })).toThrow(ArgumentError);
    expect(() => noiseTunnel(saliency, {}, 'myTunnel')(model, x, { key, type: 'median' as never })).toThrow("myTunnel: type must be 'smoothgrad', 'smoothgradSquared' or 'vargrad', got median");
  });

  it('a missing key, a bad sample count and a negative sigma each get an ArgumentError naming smoothGrad', () => {
    expect(() => smoothGrad(model, x, {} as never)).toThrow('smoothGrad: needs options.key from random.key');
    expect(() => smoothGrad(model, x, { key, samples: 0 })).toThrow('smoothGrad: samples must be a positive integer, got 0');
    expect(() => smoothGrad(model, x, { key, sigma: -1 })).toThrow('smoothGrad: sigma must be ≥ 0, got -1');
  });

  it('a method returning a tensor not shaped like x gets a ShapeError naming the tunnel', () => {
    const wrong = (m: (y: Tensor) => Tensor, y: Tensor) => m(y);
    expect(() => noiseTunnel(wrong, undefined, 'wrongTunnel')(model, x, { key, samples: 2 })).toThrow(ShapeError);
    expect(() => noiseTunnel(wrong, undefined, 'wrongTunnel')(model, x, { key, samples: 2 })).toThrow('wrongTunnel: the attribution method must return a tensor shaped like x (shapes [2] and [2, 3])');
  });

  it('a model that throws inside SmoothGrad gets a UserFunctionError naming smoothGrad, not the saliency it wraps', () => {
    let caught: unknown;
    try {
      smoothGrad(() => {
        throw new Error('boom');
      }, x, { key, samples: 2 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UserFunctionError);
    expect((caught as UserFunctionError).code).toBe('model:threw');
    expect((caught as Error).message).toBe('smoothGrad: the model threw on samples 0, 1: Error: boom');
  });
});
