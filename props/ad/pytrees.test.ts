/**
 * Transforms over pytrees: gradients keep the structure of what they differentiate, jvp and
 * vjp accept and return nested records and arrays; and every malformed call gets its own typed
 * error (class, code and a message naming the problem).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, ArgumentError, FgflowError, grad, jacfwd, jvp, matmul, mul, PytreeError, ShapeError, square, sum, tanh, treeFlatten, treeLeaves, treeUnflatten,
  valueAndGrad, vjp, zeros, type Pytree, type Tensor,
} from '../../src/index.ts';
import { real, tensorOf } from '../support/arbitraries.ts';
import { centralDifference, expectClose, expectIdentity, f64, inner, stepFor } from '../support/numeric.ts';
import { FD, RUNS, SEED } from '../support/tolerance.ts';

const T = (x: unknown) => x as Tensor;

interface Net {
  layers: [{ w: Tensor; b: Tensor }, { w: Tensor; b: Tensor }];
  scale: Tensor;
  extra: { deep: { nested: Tensor[] } };
}

const netShapes = { layers: [{ w: [3, 4], b: [3, 1] }, { w: [2, 3], b: [2, 1] }], scale: [], extra: { deep: { nested: [[2], [1, 1]] } } };

const netArb: fc.Arbitrary<Net> = fc
  .tuple(...[[3, 4], [3, 1], [2, 3], [2, 1], [], [2], [1, 1]].map((s) => tensorOf(s, real(-1, 1))))
  .map(([w1, b1, w2, b2, scale, n0, n1]) => ({ layers: [{ w: w1!, b: b1! }, { w: w2!, b: b2! }], scale: scale!, extra: { deep: { nested: [n0!, n1!] } } }));

function netLoss(p: Net, x: Tensor): Tensor {
  const h = tanh(add(matmul(p.layers[0].w, x as never), p.layers[0].b));
  const y = add(matmul(p.layers[1].w, h as never), p.layers[1].b);
  const [n0, n1] = p.extra.deep.nested;
  return T(add(mul(p.scale, sum(square(y))), sum(mul(n0!, n1!))));
}

/** The tree with every tensor replaced by its shape. */
const shapesOf = (t: unknown): unknown => JSON.parse(JSON.stringify(t, (_k, v) => (v && typeof v === 'object' && 'shape' in v && 'dtype' in v ? [...(v as Tensor).shape] : v)));

describe('gradients keep the structure of nested parameters', () => {
  it('grad over a record of arrays of records returns the same keys, nesting and leaf shapes, with correct values', () => {
    fc.assert(
      fc.property(netArb, tensorOf([4, 1], real(-1, 1)), (params, x) => {
        const g = grad(netLoss)(params, x);
        expect(shapesOf(g)).toEqual(netShapes);
        expect(Object.keys(g).sort()).toEqual(['extra', 'layers', 'scale']);
        expect(Array.isArray(g.layers) && Array.isArray(g.extra.deep.nested)).toBe(true);
        // Values: the directional derivative along a fixed direction touching every element.
        const leaves = treeLeaves(params as unknown as Pytree);
        const { def } = treeFlatten(params as unknown as Pytree);
        const dir = leaves.map((l, i) => f64(Array.from({ length: l.size }, (_, j) => Math.sin(7 * i + 3 * j + 1)), l.shape));
        const fd = centralDifference((ls) => [netLoss(treeUnflatten<Net>(def, ls), x)], leaves, dir, stepFor(leaves));
        expectClose([f64([inner(treeLeaves(g as unknown as Pytree), dir).value], [])], fd, FD.f64, 'gradient along a direction');
      }),
      { seed: SEED, numRuns: RUNS.second },
    );
  });

  it('jvp and vjp over pytree inputs and outputs satisfy ⟨u, Jv⟩ = ⟨Jᵀu, v⟩', () => {
    const f = (p: { a: Tensor; b: Tensor[] }) => ({ sum: T(add(p.a, mul(p.b[0]!, p.b[1]!))), parts: [T(tanh(p.a)), T(square(p.b[1]!))] });
    const arb = fc.record({ a: tensorOf([2, 3], real(-1, 1)), b0: tensorOf([3], real(-1, 1)), b1: tensorOf([2, 3], real(-1, 1)) });
    fc.assert(
      fc.property(arb, arb, arb, (p, t, c) => {
        const primal = { a: p.a, b: [p.b0, p.b1] };
        const tangent = { a: t.a, b: [t.b0, t.b1] };
        const [out, tan] = jvp(f, [primal], [tangent]);
        expect(shapesOf(tan)).toEqual({ sum: [2, 3], parts: [[2, 3], [2, 3]] });
        const [out2, pullback] = vjp(f, primal);
        expect(shapesOf(out2)).toEqual(shapesOf(out));
        const ct = { sum: c.a, parts: [c.b1, t.b1] };
        const [back] = pullback(ct);
        expect(shapesOf(back)).toEqual({ a: [2, 3], b: [[3], [2, 3]] });
        const l = inner(treeLeaves(ct), treeLeaves(tan));
        const r = inner(treeLeaves(back), treeLeaves(tangent));
        expectIdentity(l.value, r.value, l.scale + r.scale, '⟨u, Jv⟩ = ⟨Jᵀu, v⟩ over pytrees');
      }),
      { seed: SEED, numRuns: RUNS.second },
    );
  });
});

/** Runs fn, expecting an error of exactly `cls` (a FgflowError subclass) whose message matches. */
function expectError(fn: () => unknown, cls: new (...a: never[]) => FgflowError, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${cls.name}`).toBeInstanceOf(cls);
  expect(caught).toBeInstanceOf(FgflowError);
  expect((caught as FgflowError).constructor).toBe(cls);
  expect((caught as FgflowError).code).toBe(code);
  expect((caught as Error).message).toMatch(message);
}

describe('malformed calls get typed errors', () => {
  const x = f64([1, 2, 3], [3]);
  const y = f64([4, 5, 6], [3]);
  const s = f64([2], []);
  const f = (a: Tensor, b: Tensor) => T(sum(mul(a, b)));

  it('jvp: tangents of another structure, shape or dtype; primals not an argument array', () => {
    const g = (p: { a: Tensor; b: Tensor }) => T(mul(p.a, p.b));
    expectError(() => jvp(g, [{ a: x, b: y }], [{ a: x }] as never), PytreeError, 'pytree', /jvp: tangents' structure \[\{a: tensor\}\] differs from primals' \[\{a: tensor, b: tensor\}\]/);
    expectError(() => jvp(g, [{ a: x, b: y }], [[x, y]] as never), PytreeError, 'pytree', /differs from primals'/);
    expectError(() => jvp(g, [{ a: x, b: y }], [{ a: x, b: s }]), ShapeError, 'shape', /jvp: tangent must match its primal's shape and dtype.*\[3\].*\[\]/);
    expectError(() => jvp(g, [{ a: x, b: y }], [{ a: x, b: zeros([3], { dtype: 'f32' }) as Tensor }]), ShapeError, 'shape', /f64 vs f32/);
    expectError(() => jvp(g, { a: x, b: y } as never, [{ a: x, b: y }]), PytreeError, 'pytree', /primals and tangents must be arrays of arguments/);
  });

  it('vjp: a cotangent of another structure or shape', () => {
    const [, pullback] = vjp((a: Tensor) => ({ p: T(mul(a, 2)), q: [T(sum(a))] }), x);
    expectError(() => pullback({ p: x } as never), PytreeError, 'pytree', /vjp: cotangent structure \{p: tensor\} differs from the output's \{p: tensor, q: \[tensor\]\}/);
    expectError(() => pullback({ p: x, q: [s, s] } as never), PytreeError, 'pytree', /cotangent structure/);
    expectError(() => pullback({ p: s, q: [s] }), ShapeError, 'shape', /vjp: cotangent must match the output's shape and dtype/);
  });

  it('argnums out of range, empty, repeated or not an integer', () => {
    expectError(() => grad(f, { argnums: 2 })(x, y), ArgumentError, 'argument', /argnums 2 is out of range for a call with 2 argument\(s\)/);
    expectError(() => grad(f, { argnums: [0, 5] })(x, y), ArgumentError, 'argument', /argnums 5 is out of range/);
    expectError(() => grad(f, { argnums: -1 })(x, y), ArgumentError, 'argument', /argnums -1 is out of range/);
    expectError(() => grad(f, { argnums: 0.5 })(x, y), ArgumentError, 'argument', /argnums 0.5 is out of range/);
    expectError(() => grad(f, { argnums: [] })(x, y), ArgumentError, 'argument', /argnums is empty/);
    expectError(() => grad(f, { argnums: [1, 1] })(x, y), ArgumentError, 'argument', /argnums \[1,1\] repeats an argument/);
    expectError(() => valueAndGrad(f, { argnums: 3, hasAux: false })(x, y), ArgumentError, 'argument', /out of range/);
  });

  it('grad of a function whose output is not a scalar tensor', () => {
    expectError(() => grad((a: Tensor) => T(mul(a, 2)))(x), ShapeError, 'shape', /must return a scalar \(one element\) to take a gradient; use vjp or jacrev for outputs with 3 elements/);
    expectError(() => valueAndGrad((a: Tensor) => T(mul(a, 2)))(x), ShapeError, 'shape', /must return a scalar/);
    expectError(() => grad((_a: Tensor) => 3 as unknown as Tensor)(x), PytreeError, 'pytree', /must return a scalar tensor, got number/);
    expectError(() => grad((a: Tensor) => [T(sum(a))] as unknown as Tensor)(x), PytreeError, 'pytree', /must return a scalar tensor, got object/);
    expectError(() => valueAndGrad((a: Tensor) => T(sum(a)) as never, { hasAux: true })(x), PytreeError, 'pytree', /with hasAux the function must return \[loss, aux\]/);
    expectError(() => valueAndGrad((a: Tensor) => [T(mul(a, 1)), a] as const, { hasAux: true })(x), ShapeError, 'shape', /must return a scalar/);
  });

  it('numbers and other non-tensor leaves, named by their path', () => {
    const loss = (p: Pytree) => T(sum(treeLeaves(p)[0]!));
    expectError(() => grad(loss)({ a: x, b: { c: [x, 3] } } as never), PytreeError, 'pytree', /leaf is the number 3 \(wrap it with scalar\(\.\.\.\) to differentiate it\), not a tensor at \[0\]\.b\.c\[1\]$/);
    expectError(() => grad(loss)({ a: x, b: 'text' } as never), PytreeError, 'pytree', /leaf is string, not a tensor at \[0\]\.b$/);
    expectError(() => grad(loss)([x, null] as never), PytreeError, 'pytree', /leaf is null, not a tensor at \[0\]\[1\]$/);
    expectError(() => grad(loss)({ a: undefined } as never), PytreeError, 'pytree', /leaf is undefined, not a tensor at \[0\]\.a$/);
    expectError(() => grad(loss)({ when: new Date(0) } as never), PytreeError, 'pytree', /leaf is object, not a tensor at \[0\]\.when$/);
    expectError(() => grad(loss)(new Map([['a', x]]) as never), PytreeError, 'pytree', /leaf is object, not a tensor at \[0\]$/);
    expectError(() => grad(f, { argnums: [0, 1] })(x, 2 as never), PytreeError, 'pytree', /leaf is the number 2 .* at \[1\]$/);
    expectError(() => jvp((a: Tensor) => ({ out: a, n: 1 }) as never, [x], [x]), PytreeError, 'pytree', /jvp output: leaf is the number 1.* at n/);
    expectError(() => vjp((a: Tensor) => [a, true] as never, x), PytreeError, 'pytree', /vjp output: leaf is boolean, not a tensor at \[1\]/);
  });

  it('jacfwd of a function of an empty tensor', () => {
    expectError(() => jacfwd((a: Tensor) => T(mul(a, 2)))(f64([], [0])), ShapeError, 'shape', /jacfwd: input has no elements/);
  });
});
