/**
 * Runs a chain of gradient transformations over pytrees. For concrete tensors the rules of the
 * whole chain are generated into one loop per leaf (JavaScript compiled once per chain), so an
 * update costs one pass over each leaf's buffers, with every intermediate in double precision
 * and only state slots and outputs stored in the leaf's dtype. When anything is traced (an update
 * that is itself differentiated), the same rules run with the DSL's differentiable ops.
 *
 * A transformation that needs the global norm of its incoming update (clipByGlobalNorm) splits
 * the chain into segments: one pass computes the update up to it, and its norm, before the rest.
 */
import * as ops from '../ad/ops.ts';
import { describe, flatten as treeFlatten, PytreeError, sameStructure, unflatten, type Pytree } from '../ad/pytree.ts';
import { DTypeError, ShapeError } from '../tensor/errors.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { sameShape } from '../tensor/shape.ts';
import { ConfigError } from './errors.ts';
import type { Arith, ElementIO, GradientTransformation, Product, Update } from './transformations.ts';

/** A pytree: a step count and one tree per slot, each with the params' structure. */
export type OptState<P extends Pytree = Pytree> = {
  /** Updates applied so far (f64 scalar, exact). */
  readonly count: Tensor<[], 'f64'>;
  readonly slots: { readonly [slot: string]: P };
};

/** A compiled chain: state layout, initial state, the transformed updates, and a descent step. */
export interface ChainRunner {
  readonly slots: readonly string[];
  init<P extends Pytree>(params: P): OptState<P>;
  /** The chain's output for `grads` (what optax's update returns), and the next state. */
  transform<P extends Pytree>(grads: P, state: OptState<P>, params: P): { updates: P; state: OptState<P> };
  /** params + the chain's output, and the next state. */
  update<P extends Pytree>(grads: P, state: OptState<P>, params: P): { params: P; state: OptState<P> };
}

type Output = 'params' | 'updates' | 'boundary';

// ------------------------------------------------------------------ shared evaluation of an update

/** The value of a product of scalars, or null for the empty product (no multiplication at all). */
function productValue<T>(A: Arith<T>, p: Product<T>): T | null {
  if (!p.num.length && !p.den.length) return null;
  const num = p.num.length ? p.num.reduce((a, b) => A.mul(a, b)) : A.lit(1);
  return p.den.length ? A.div(num, p.den.reduce((a, b) => A.mul(a, b))) : num;
}

/** (factor·num)/den; `hoist` moves per-step values out of the element loop. */
function term<T>(A: Arith<T>, hoist: (x: T) => T, u: Update<T>): T {
  const f = productValue(A, u.factor);
  const scaledNum = f === null ? u.num : A.mul(hoist(f), u.num);
  return u.den === null ? scaledNum : A.div(scaledNum, u.den);
}

function updateValue<T>(A: Arith<T>, hoist: (x: T) => T, u: Update<T>, p: T): T {
  const t = term(A, hoist, u);
  return u.decay ? A.add(t, A.mul(hoist(productValue(A, u.decay)!), p)) : t;
}

/** p + u, with a decay folded into the parameter's coefficient, (1 + decay)·p, as AdamW's (1 − lr·λ)·p. */
function stepValue<T>(A: Arith<T>, hoist: (x: T) => T, u: Update<T>, p: T): T {
  const t = term(A, hoist, u);
  return u.decay ? A.add(A.mul(hoist(A.add(A.lit(1), productValue(A, u.decay)!)), p), t) : A.add(p, t);
}

function finish<T>(A: Arith<T>, hoist: (x: T) => T, output: Output, u: Update<T>, p: T): T {
  return output === 'params' ? stepValue(A, hoist, u, p) : updateValue(A, hoist, u, p);
}

const NUMBERS: Arith<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  sqrt: Math.sqrt,
  max: Math.max,
  lit: (v) => v,
};

// ------------------------------------------------------------------ segments

interface Placed {
  readonly t: GradientTransformation;
  /** Index of its first scalar in the chain's scalar array. */
  readonly offset: number;
}

interface Segment {
  readonly placed: readonly Placed[];
  /** The slots its transformations own, in order. */
  readonly slots: readonly string[];
  /** Whether the next segment starts with a transformation that needs this segment's output norm. */
  readonly boundary: boolean;
}

function segmentsOf(transformations: readonly GradientTransformation[]): Segment[] {
  const groups: Placed[][] = [[]];
  let offset = 0;
  for (const t of transformations) {
    if (t.needsNorm) groups.push([]);
    groups[groups.length - 1]!.push({ t, offset });
    offset += t.scalarNames.length;
  }
  return groups.map((placed, i) => ({ placed, slots: placed.flatMap((p) => p.t.slots), boundary: i < groups.length - 1 }));
}

// ------------------------------------------------------------------ the fused loop

const JS: Arith<string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  max: (a, b) => `Math.max(${a}, ${b})`,
  lit: (v) => (Object.is(v, -0) ? '(-0)' : `(${String(v)})`),
};

/** fn(scalars, sumOfSquaresSoFar, param, input, ...slotsIn, ...slotsOut, out) → sum of squares (for a boundary). */
type SegmentKernel = (...args: unknown[]) => number;

function compileSegment(seg: Segment, output: Output): SegmentKernel {
  const prelude: string[] = [];
  const body: string[] = [];
  const hoisted = new Map<string, string>();
  const hoist = (e: string): string => {
    let name = hoisted.get(e);
    if (!name) hoisted.set(e, (name = `h${hoisted.size}`)), prelude.push(`const ${name} = ${e};`);
    return name;
  };
  const slotIndex = (slot: string) => seg.slots.indexOf(slot);
  let u: Update<string> = { num: 'g', den: null, factor: { num: [], den: [] }, decay: null };
  for (const { t, offset } of seg.placed) {
    t.scalarNames.forEach((_, i) => prelude.push(`const s${offset + i} = sc[${offset + i}];`));
    const io: ElementIO<string> = {
      A: JS,
      param: 'p',
      scalar: (name) => `s${offset + t.scalarNames.indexOf(name)}`,
      read: (slot) => `si${slotIndex(slot)}[j]`,
      write: (slot, value) => (body.push(`so${slotIndex(slot)}[j] = ${value};`), `so${slotIndex(slot)}[j]`),
      value: (x) => updateValue(JS, hoist, x, 'p'),
    };
    u = t.rule(u, io);
  }
  body.push(`out[j] = ${finish(JS, hoist, output, u, 'p')};`);
  if (output === 'boundary') body.push('ss += out[j] * out[j];');
  const names = [...seg.slots.map((_, i) => `si${i}`), ...seg.slots.map((_, i) => `so${i}`)];
  const source = `${prelude.join('\n')}\nlet ss = ssIn;\nfor (let j = 0; j < out.length; j++) {\n  const p = pd[j], g = gd[j];\n  ${body.join('\n  ')}\n}\nreturn ss;`;
  return new Function('sc', 'ssIn', 'pd', 'gd', ...names, 'out', source) as SegmentKernel;
}

// ------------------------------------------------------------------ the traced path

type Value = Tensor | number;
const isNumber = (x: Value): x is number => typeof x === 'number';
const bothNumbers = (a: Value, b: Value): [number, number] | null => (isNumber(a) && isNumber(b) ? [a, b] : null);

/** The DSL's ops, with numbers kept as numbers (per-step scalars stay in double precision). */
const TENSORS: Arith<Value> = {
  add: (a, b) => (bothNumbers(a, b) ? (a as number) + (b as number) : (ops.add(a as Tensor, b as never) as Tensor)),
  sub: (a, b) => (bothNumbers(a, b) ? (a as number) - (b as number) : (ops.sub(a as Tensor, b as never) as Tensor)),
  mul: (a, b) => (bothNumbers(a, b) ? (a as number) * (b as number) : (ops.mul(a as Tensor, b as never) as Tensor)),
  div: (a, b) => (bothNumbers(a, b) ? (a as number) / (b as number) : (ops.div(a as Tensor, b as never) as Tensor)),
  sqrt: (a) => (isNumber(a) ? Math.sqrt(a) : ops.sqrt(a)),
  max: (a, b) => (bothNumbers(a, b) ? Math.max(a as number, b as number) : (ops.maximum(a as Tensor, b as never) as Tensor)),
  lit: (v) => v,
};

function tracedSegment(seg: Segment, output: Output, scalars: readonly Value[], p: Tensor, g: Tensor, slotsIn: readonly Tensor[]): { out: Tensor; slots: Tensor[] } {
  const slotsOut: Tensor[] = [...slotsIn];
  const same = (x: Value) => x;
  let u: Update<Value> = { num: g, den: null, factor: { num: [], den: [] }, decay: null };
  for (const { t, offset } of seg.placed) {
    const io: ElementIO<Value> = {
      A: TENSORS,
      param: p,
      scalar: (name) => scalars[offset + t.scalarNames.indexOf(name)]!,
      read: (slot) => slotsIn[seg.slots.indexOf(slot)]!,
      write: (slot, value) => (slotsOut[seg.slots.indexOf(slot)] = value as Tensor),
      value: (x) => updateValue(TENSORS, same, x, p),
    };
    u = t.rule(u, io);
  }
  return { out: finish(TENSORS, same, output, u, p) as Tensor, slots: slotsOut };
}

// ------------------------------------------------------------------ state and trees

function countTensor(n: number): Tensor<[], 'f64'> {
  const buf = new Float64Array(1);
  buf[0] = n;
  return Tensor.fromBuffer([] as [], 'f64', buf);
}

function zerosLike(t: Tensor): Tensor {
  return Tensor.fromBuffer(t.shape, t.dtype, allocate(t.dtype, t.size));
}

/** Flattens trees that must share one structure and, leaf by leaf, shape and dtype. */
function leavesOf(op: string, trees: readonly (readonly [string, Pytree])[]): { def: ReturnType<typeof treeFlatten>['def']; leaves: Tensor[][] } {
  const flat = trees.map(([name, t]) => [name, treeFlatten(t, op)] as const);
  const [firstName, first] = flat[0]!;
  for (const [name, f] of flat.slice(1)) {
    if (!sameStructure(first.def, f.def)) throw new PytreeError(op, `${name} has structure ${describe(f.def)}, ${firstName} has ${describe(first.def)}`);
    f.leaves.forEach((leaf, i) => {
      const ref = first.leaves[i]!;
      if (!sameShape(leaf.shape, ref.shape)) throw new ShapeError(op, `leaf ${i} of ${name} differs in shape from ${firstName}'s`, [leaf.shape, ref.shape]);
      if (leaf.dtype !== ref.dtype) throw new DTypeError(op, `leaf ${i} of ${name} is ${leaf.dtype}, ${firstName}'s is ${ref.dtype}`);
    });
  }
  return { def: first.def, leaves: flat.map(([, f]) => f.leaves) };
}

function checkState(op: string, slots: readonly string[], state: OptState): number {
  if (!state || !(state.count instanceof Tensor) || state.count.size !== 1 || !state.slots) throw new PytreeError(op, 'state must be what init() returned: { count, slots }');
  for (const s of slots) if (!(s in state.slots)) throw new PytreeError(op, `state has no slot "${s}" (slots: ${Object.keys(state.slots).join(', ')})`);
  return state.count.item();
}

function sumOfSquares(leaves: readonly Tensor[]): number {
  let s = 0;
  for (const leaf of leaves) {
    const d = leaf.data;
    for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  }
  return s;
}

// ------------------------------------------------------------------ the runner

interface Leaves {
  readonly params: readonly Tensor[];
  readonly grads: readonly Tensor[];
  /** Per chain slot, its leaves. */
  readonly slots: readonly (readonly Tensor[])[];
}

interface Compiled {
  readonly slots: readonly string[];
  readonly segments: readonly Segment[];
  readonly scalarCount: number;
  /** The generated loop for segment i, compiled on first use. */
  kernel(i: number, output: Output): SegmentKernel;
}

interface Result {
  readonly outs: Tensor[];
  /** Per chain slot, its new leaves. */
  readonly newSlots: Tensor[][];
}

/** One segment over every leaf, fused; writes the new slot leaves and returns the outputs and their sum of squares. */
function fusedSegment(c: Compiled, i: number, output: Output, sc: Float64Array, leaves: Leaves, inputs: readonly Tensor[], newSlots: Tensor[][]): { outs: Tensor[]; ss: number } {
  const seg = c.segments[i]!;
  if (seg.placed.length === 0) return { outs: [...inputs], ss: output === 'boundary' ? sumOfSquares(inputs) : 0 };
  const fn = c.kernel(i, output);
  const chainSlots = seg.slots.map((s) => c.slots.indexOf(s));
  let ss = 0;
  const outs = leaves.params.map((p, j) => {
    const ins = chainSlots.map((k) => leaves.slots[k]![j]!);
    const outSlots = ins.map((s) => allocate(s.dtype, s.size));
    const out = allocate(p.dtype, p.size);
    ss = fn(sc, ss, p.data, inputs[j]!.data, ...ins.map((s) => s.data), ...outSlots, out);
    chainSlots.forEach((k, n) => (newSlots[k]![j] = Tensor.fromBuffer(ins[n]!.shape, ins[n]!.dtype, outSlots[n]!)));
    return Tensor.fromBuffer(p.shape, p.dtype, out);
  });
  return { outs, ss };
}

function runFused(c: Compiled, count: number, leaves: Leaves, output: 'params' | 'updates'): Result {
  const sc = new Float64Array(c.scalarCount);
  const newSlots = c.slots.map(() => new Array<Tensor>(leaves.params.length));
  let inputs: readonly Tensor[] = leaves.grads;
  let norm: number | null = null;
  c.segments.forEach((seg, i) => {
    for (const { t, offset } of seg.placed) sc.set(t.scalars(NUMBERS, count, norm), offset);
    const r = fusedSegment(c, i, seg.boundary ? 'boundary' : output, sc, leaves, inputs, newSlots);
    inputs = r.outs;
    if (seg.boundary) norm = Math.sqrt(r.ss);
  });
  return { outs: [...inputs], newSlots };
}

function runTraced(c: Compiled, count: number, leaves: Leaves, output: 'params' | 'updates'): Result {
  const sc = new Array<Value>(c.scalarCount);
  const newSlots = c.slots.map((_, k) => [...leaves.slots[k]!]);
  let inputs: readonly Tensor[] = leaves.grads;
  let norm: Value | null = null;
  c.segments.forEach((seg) => {
    for (const { t, offset } of seg.placed) t.scalars(TENSORS, count, norm).forEach((v, k) => (sc[offset + k] = v));
    const chainSlots = seg.slots.map((s) => c.slots.indexOf(s));
    const segOutput = seg.boundary ? 'updates' : output;
    inputs = leaves.params.map((p, j) => {
      const r = tracedSegment(seg, segOutput, sc, p, inputs[j]!, chainSlots.map((k) => leaves.slots[k]![j]!));
      chainSlots.forEach((k, n) => (newSlots[k]![j] = r.slots[n]!));
      return r.out;
    });
    if (seg.boundary) norm = TENSORS.sqrt(inputs.map((x) => ops.sum(ops.square(x)) as Tensor).reduce<Value>((a, b) => TENSORS.add(a, b), 0));
  });
  return { outs: [...inputs], newSlots };
}

function run<P extends Pytree>(c: Compiled, where: string, output: 'params' | 'updates', grads: P, state: OptState<P>, params: P): { outs: P; state: OptState<P> } {
  const count = checkState(where, c.slots, state);
  const trees: [string, Pytree][] = [['params', params], ['grads', grads], ...c.slots.map((s): [string, Pytree] => [`state.slots.${s}`, state.slots[s]!])];
  const { def, leaves } = leavesOf(where, trees);
  const [ps, gs, ...slotLeaves] = leaves as [Tensor[], Tensor[], ...Tensor[][]];
  const anyTraced = leaves.some((list) => list.some((t) => t.tracer !== undefined));
  const r = (anyTraced ? runTraced : runFused)(c, count, { params: ps, grads: gs, slots: slotLeaves }, output);
  const nextSlots = Object.fromEntries(c.slots.map((s, k) => [s, unflatten<P>(def, r.newSlots[k]!)]));
  return { outs: unflatten<P>(def, r.outs), state: { count: countTensor(count + 1), slots: nextSlots } };
}

/** Compiles a chain once; `op` names it in errors. */
export function compileChain(op: string, transformations: readonly GradientTransformation[]): ChainRunner {
  if (transformations.length === 0) throw new ConfigError(op, ['needs at least one transformation']);
  const slots = transformations.flatMap((t) => t.slots);
  const repeated = slots.filter((s, i) => slots.indexOf(s) !== i);
  if (repeated.length) throw new ConfigError(op, [`state slot ${JSON.stringify(repeated[0])} is used by two transformations`]);
  const segments = segmentsOf(transformations);
  const kernels = new Map<string, SegmentKernel>();
  const compiled: Compiled = {
    slots,
    segments,
    scalarCount: transformations.reduce((n, t) => n + t.scalarNames.length, 0),
    kernel: (i, output) => {
      const key = `${i}:${output}`;
      let k = kernels.get(key);
      if (!k) kernels.set(key, (k = compileSegment(segments[i]!, output)));
      return k;
    },
  };
  return {
    slots,
    init: (params) => {
      const { def, leaves } = treeFlatten(params, `${op}.init`);
      return { count: countTensor(0), slots: Object.fromEntries(slots.map((s) => [s, unflatten(def, leaves.map(zerosLike))])) };
    },
    transform: (grads, state, params) => {
      const r = run(compiled, `${op}.transform`, 'updates', grads, state, params);
      return { updates: r.outs, state: r.state };
    },
    update: (grads, state, params) => {
      const r = run(compiled, `${op}.update`, 'params', grads, state, params);
      return { params: r.outs, state: r.state };
    },
  };
}
