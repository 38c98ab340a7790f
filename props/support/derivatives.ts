/**
 * Derivative checks of every order for a function of a list of tensors, each against central
 * differences of the AD derivative one order lower (so errors never compound), plus the
 * forward/reverse consistency identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩.
 */
import fc from 'fast-check';
import { add, grad, jvp, mul, sum, vjp, type Tensor } from '../../src/index.ts';
import { direction, gridDirection } from './arbitraries.ts';
import { centralDifference, expectClose, expectExact, expectIdentity, inner, stepFor, type T64 } from './numeric.ts';
import type { PrimitiveCase, Sample } from './primitive-cases.ts';
import { FD, GRID } from './tolerance.ts';

export type Fn = (xs: readonly Tensor[]) => Tensor;
export type ListFn = (xs: readonly Tensor[]) => Tensor[];

/** jvp of a function of a list of tensors (any pytree output). */
export function jvpOf<R extends Tensor | Tensor[]>(F: (xs: readonly Tensor[]) => R, xs: readonly Tensor[], vs: readonly Tensor[]): [R, R] {
  return jvp((...ys: Tensor[]) => F(ys), [...xs], [...vs]) as unknown as [R, R];
}

/** The gradient of scalar S with respect to every tensor of the list. */
export function gradOf(S: Fn): ListFn {
  const g = grad((ys: Tensor[]) => S(ys));
  return (xs) => g([...xs]) as Tensor[];
}

/** Σᵢ ⟨aᵢ, bᵢ⟩ in the DSL (differentiable). */
export function dotList(as: readonly Tensor[], bs: readonly Tensor[]): Tensor {
  let acc: Tensor | null = null;
  as.forEach((a, i) => {
    const d = sum(mul(a, bs[i]! as never)) as Tensor;
    acc = acc ? (add(acc, d as never) as Tensor) : d;
  });
  if (!acc) throw new Error('dotList: no tensors');
  return acc;
}

/**
 * The scalar whose higher derivatives are checked: ⟨u₁, p⟩ + ½⟨u₂, p²⟩ + ⅙⟨u₃, p³⟩. The cubic
 * terms give linear primitives non-zero second and third derivatives, so their rules are
 * exercised under outer traces too.
 */
export function scalarise(p: Tensor, [u1, u2, u3]: readonly Tensor[]): Tensor {
  const p2 = mul(p, p as never) as Tensor;
  const p3 = mul(p2, p as never) as Tensor;
  return add(add(dotList([u1!], [p]), mul(0.5, dotList([u2!], [p2]))), mul(1 / 6, dotList([u3!], [p3]))) as Tensor;
}

/** A sample with its directions: v, w like the differentiated inputs, u₁…u₃ like the output. */
export interface Probe extends Sample {
  readonly v: T64[];
  readonly w: T64[];
  readonly u: T64[];
}

export function probe(c: PrimitiveCase): fc.Arbitrary<Probe> {
  const dir = c.grid ? gridDirection : direction;
  return c.sample.chain((s) => {
    const out = c.apply(s.xs, s.consts, s.params);
    const ins = s.xs.map((x) => x.shape);
    return fc
      .record({
        v: fc.tuple(...ins.map((sh) => dir(sh))),
        w: fc.tuple(...ins.map((sh) => dir(sh))),
        // On the grid the cotangents pass through f32 as well, so they are drawn from the grid too.
        u: fc.tuple(dir(out.shape), dir(out.shape), dir(out.shape)),
      })
      .map((d) => ({ ...s, ...d }));
  });
}

/** The function of the differentiated inputs alone, constants and parameters closed over. */
export function bound(c: PrimitiveCase, p: Sample): Fn {
  return (xs) => c.apply(xs, p.consts, p.params);
}

function step(c: PrimitiveCase, xs: readonly Tensor[]): number {
  return c.grid ? GRID.h : stepFor(xs);
}

const cd = (F: ListFn, xs: readonly Tensor[], vs: readonly Tensor[], h: number): Tensor[] => centralDifference((ys) => F(ys), xs, vs, h);

/** jvp against central differences of the primal; vjp against jvp through ⟨u, Jv⟩ = ⟨Jᵀu, v⟩. */
export function checkFirstOrder(c: PrimitiveCase, p: Probe): void {
  const F = bound(c, p);
  const direct = F(p.xs);
  const [out, tangent] = jvpOf(F, p.xs, p.v);
  expectExact(out, direct, `${c.label}: jvp primal`);
  const fd = cd((ys) => [F(ys)], p.xs, p.v, step(c, p.xs));
  expectClose([tangent], fd, FD.f64, `${c.label}: jvp vs central differences`);
  const [out2, pullback] = vjp((...ys: Tensor[]) => F(ys), ...p.xs);
  expectExact(out2 as Tensor, direct, `${c.label}: vjp primal`);
  const cts = pullback(p.u[0]! as never) as unknown as Tensor[];
  cts.forEach((ct, i) => {
    if (ct.dtype !== p.xs[i]!.dtype || ct.shape.join() !== p.xs[i]!.shape.join())
      throw new Error(`${c.label}: cotangent ${i} is ${ct.dtype}[${ct.shape}], input is ${p.xs[i]!.dtype}[${p.xs[i]!.shape}]`);
  });
  const lhs = inner([p.u[0]!], [tangent]);
  const rhs = inner(cts, p.v);
  expectIdentity(lhs.value, rhs.value, lhs.scale + rhs.scale, `${c.label}: ⟨u, Jv⟩ = ⟨Jᵀu, v⟩`);
}

/** The four second-order compositions (fwd∘fwd, fwd∘rev, rev∘rev, rev∘fwd), each against differences of a first derivative. */
export function checkSecondOrder(c: PrimitiveCase, p: Probe): void {
  const F = bound(c, p);
  const S: Fn = (ys) => scalarise(F(ys), p.u);
  const h = step(c, p.xs);
  const dS: Fn = (ys) => jvpOf(S, ys, p.v)[1];
  const G = gradOf(S);

  const ff = jvpOf(dS, p.xs, p.v)[1];
  expectClose([ff], cd((ys) => [dS(ys)], p.xs, p.v, h), FD.f64, `${c.label}: jvp of jvp (v·H·v)`);

  const Hv = cd(G, p.xs, p.v, h);
  const fr = jvpOf(G, p.xs, p.v)[1];
  expectClose(fr, Hv, FD.f64, `${c.label}: jvp of grad (H·v)`);
  const rf = gradOf(dS)(p.xs);
  expectClose(rf, Hv, FD.f64, `${c.label}: grad of jvp (H·v)`);

  const rr = gradOf((ys) => dotList(p.w, G(ys)))(p.xs);
  expectClose(rr, cd(G, p.xs, p.w, h), FD.f64, `${c.label}: grad of grad (H·w)`);
}

/** Third order: fwd∘fwd∘fwd, rev∘rev∘rev and fwd∘rev∘rev, against differences of AD second derivatives. */
export function checkThirdOrder(c: PrimitiveCase, p: Probe): void {
  const F = bound(c, p);
  const S: Fn = (ys) => scalarise(F(ys), p.u);
  const h = step(c, p.xs);
  const dS: Fn = (ys) => jvpOf(S, ys, p.v)[1];
  const d2S: Fn = (ys) => jvpOf(dS, ys, p.v)[1];
  const fff = jvpOf(d2S, p.xs, p.v)[1];
  expectClose([fff], cd((ys) => [d2S(ys)], p.xs, p.v, h), FD.f64, `${c.label}: jvp³ (D³S[v,v,v])`);

  const G = gradOf(S);
  const G2 = gradOf((ys) => dotList(p.w, G(ys)));
  const rrr = gradOf((ys) => dotList(p.w, G2(ys)))(p.xs);
  expectClose(rrr, cd(G2, p.xs, p.w, h), FD.f64, `${c.label}: grad³ (D³S[w,w,·])`);
  const frr = jvpOf(G2, p.xs, p.v)[1];
  expectClose(frr, cd(G2, p.xs, p.v, h), FD.f64, `${c.label}: jvp of grad of grad (D³S[w,v,·])`);
}
