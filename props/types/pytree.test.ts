import { describe, expect, expectTypeOf, it } from 'vitest';
import { grad, ones, sum, mul, valueAndGrad, vjp, type Tensor } from '../../src/index.ts';

interface Params {
  readonly w: Tensor<[3], 'f64'>;
  readonly layers: readonly { readonly b: Tensor<[2], 'f64'> }[];
}

describe('pytree types', () => {
  const p: Params = { w: ones([3], { dtype: 'f64' }), layers: [{ b: ones([2], { dtype: 'f64' }) }] };
  const loss = (q: Params) => sum(mul(q.w, 2));

  it('grad of a loss over an interface-typed record returns that type', () => {
    const g = grad(loss)(p);
    expectTypeOf(g).toEqualTypeOf<Params>();
    expect(g.w.toArray()).toEqual([2, 2, 2]);
    expect(g.layers[0]!.b.toArray()).toEqual([0, 0]);
  });

  it('argnums arrays give a tuple of the chosen arguments’ types', () => {
    const f = (q: Params, x: Tensor<[3], 'f64'>, scale: number) => sum(mul(mul(q.w, x), scale));
    const [value, [gp, gx]] = valueAndGrad(f, { argnums: [0, 1] })(p, ones([3], { dtype: 'f64' }), 3);
    expectTypeOf(gp).toEqualTypeOf<Params>();
    expectTypeOf(gx).toEqualTypeOf<Tensor<[3], 'f64'>>();
    expect(value.item()).toBe(9);
    expect(gx.toArray()).toEqual([3, 3, 3]);
  });

  it('vjp’s pullback returns cotangents typed like the arguments', () => {
    const [, pullback] = vjp(loss, p);
    const [ct] = pullback(ones([], { dtype: 'f64' }) as never);
    expectTypeOf(ct).toEqualTypeOf<Params>();
    expect(ct.w.toArray()).toEqual([2, 2, 2]);
  });
});
