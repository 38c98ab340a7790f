/**
 * Every primitive of the table has derivative checks: differentiable ones in
 * DIFFERENTIABLE_CASES (first, second and, where flagged, third order), the others in
 * CONSTANT_CASES (exact zero derivatives). A primitive added to the table without a case
 * fails here, and so does a case that does not really bind the primitive it claims to check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, defineRules, definePrimitive, jvp, primitives, vjp, type Tensor } from '../../src/index.ts';
import { CONSTANT_CASES, DIFFERENTIABLE_CASES } from '../support/primitive-cases.ts';
import { spy } from '../support/spy.ts';
import { SEED } from '../support/tolerance.ts';

const THIRD_ORDER_REQUIRED = ['neg', 'exp', 'log', 'log1p', 'sqrt', 'abs', 'square', 'reciprocal', 'sigmoid', 'tanh', 'elu', 'relu', 'softplus', 'conv2d', 'avgPool2d', 'maxPool2d'];

describe('the primitive table is covered', () => {
  const table = primitives();
  const differentiable = new Set(DIFFERENTIABLE_CASES.map((c) => c.primitive));
  const constant = new Set(CONSTANT_CASES.map((c) => c.primitive));

  it('every primitive has a case, and every case names a primitive of the table', () => {
    const missing = [...table.keys()].filter((n) => !differentiable.has(n) && !constant.has(n));
    expect(missing).toEqual([]);
    const stale = [...differentiable, ...constant].filter((n) => !table.has(n));
    expect(stale).toEqual([]);
  });

  it('primitives with rules are checked as differentiable, those without as constants', () => {
    for (const [name, prim] of table) {
      const hasRules = prim.jvp !== undefined && prim.vjp !== undefined;
      expect({ name, hasRules, partial: (prim.jvp === undefined) !== (prim.vjp === undefined) }).toEqual({ name, hasRules: differentiable.has(name), partial: false });
    }
  });

  it('a second declaration of a name, or a second set of rules, is an ArgumentError naming the primitive', () => {
    const add = table.get('add')!;
    const rules = { jvp: () => null, vjp: () => [null, null] };
    expect(() => definePrimitive({ name: 'add', shapeRule: add.shapeRule, impl: add.impl })).toThrow(expect.objectContaining({ name: 'ArgumentError', message: expect.stringMatching(/primitive add is defined twice/) }));
    expect(() => defineRules(add, rules)).toThrow(/primitive add already has derivative rules/);
    expect(() => defineRules({ name: 'undeclared', shapeRule: add.shapeRule, impl: add.impl }, rules)).toThrow(ArgumentError);
  });

  it('elementwise nonlinearities, conv2d, avgPool2d and maxPool2d (and their adjoints) are checked to third order', () => {
    const third = new Set(DIFFERENTIABLE_CASES.filter((c) => c.third).map((c) => c.primitive));
    for (const name of [...THIRD_ORDER_REQUIRED, 'conv2dInputAdjoint', 'conv2dFilterAdjoint', 'avgPool2dAdjoint', 'maxPool2dRoute', 'maxPool2dRouteAdjoint']) expect(third.has(name), name).toBe(true);
  });

  for (const c of DIFFERENTIABLE_CASES) {
    it(`${c.label}: evaluating, jvp and vjp bind ${c.primitive}`, () => {
      const [s] = fc.sample(c.sample, { seed: SEED, numRuns: 1 });
      const f = (...xs: Tensor[]) => c.apply(xs, s!.consts, s!.params);
      expect(spy(() => f(...s!.xs)).counts.get(c.primitive) ?? 0).toBeGreaterThan(0);
      expect(spy(() => jvp(f, s!.xs, s!.xs)).counts.get(c.primitive) ?? 0).toBeGreaterThan(0);
      expect(spy(() => vjp(f, ...s!.xs)).counts.get(c.primitive) ?? 0).toBeGreaterThan(0);
    });
  }

  for (const c of CONSTANT_CASES) {
    it(`${c.primitive}: its case binds it`, () => {
      const [xs] = fc.sample(c.sample, { seed: SEED, numRuns: 1 });
      expect(spy(() => c.apply(xs!)).counts.get(c.primitive) ?? 0).toBeGreaterThan(0);
    });
  }
});
