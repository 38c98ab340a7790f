/**
 * Optimisers as pure state transitions over pytrees: `init(params) → state` and
 * `update(grads, state, params) → { params, state }`. The state holds one tree per slot with
 * the params' structure (Adam: m, v; SGD: velocity) and a step count.
 *
 * Concrete tensors are updated by fused loops over their buffers (one pass per leaf instead of a
 * kernel per arithmetic op); traced tensors (an update that is itself differentiated) go through
 * the differentiable ops instead.
 */
import * as ops from '../ad/ops.ts';
import { flatten as treeFlatten, unflatten, sameStructure, describe, PytreeError, type Pytree } from '../ad/pytree.ts';
import { DTypeError, ShapeError } from '../tensor/errors.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { sameShape } from '../tensor/shape.ts';
import { ConfigError } from './errors.ts';

export interface AdamConfig {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** L2 penalty added to the gradient (PyTorch's Adam), or decoupled (AdamW) when `decoupled`. */
  readonly weightDecay: number;
  readonly decoupled: boolean;
}

export interface SgdConfig {
  readonly lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/** JSON data naming the optimiser and its hyperparameters (stored in checkpoints). */
export type OptimizerConfig = ({ readonly name: 'adam' } & AdamConfig) | ({ readonly name: 'sgd' } & SgdConfig);

/** A pytree: a step count and one tree per slot, each with the params' structure. */
export type OptState<P extends Pytree = Pytree> = {
  /** Updates applied so far (f64 scalar, exact). */
  readonly count: Tensor<[], 'f64'>;
  readonly slots: { readonly [slot: string]: P };
};

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** The slot names of the state, in order (the state layout recorded in checkpoints). */
  readonly slots: readonly string[];
  init<P extends Pytree>(params: P): OptState<P>;
  update<P extends Pytree>(grads: P, state: OptState<P>, params: P): { params: P; state: OptState<P> };
}

// ------------------------------------------------------------------ validation

type Checks = [name: string, value: unknown, ok: (v: number) => boolean, rule: string][];

function validate(what: string, input: object, known: readonly string[], checks: Checks): void {
  const problems: string[] = [];
  for (const k of Object.keys(input)) if (!known.includes(k)) problems.push(`unknown option "${k}" (known: ${known.join(', ')})`);
  for (const [name, value, ok, rule] of checks) {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) problems.push(`${name} must be ${rule}, got ${JSON.stringify(value)}`);
  }
  if (problems.length) throw new ConfigError(what, problems);
}

function checkBool(what: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(what, [`${name} must be a boolean, got ${JSON.stringify(v)}`]);
  return v;
}

// ------------------------------------------------------------------ shared machinery

function zerosLike(t: Tensor): Tensor {
  return Tensor.fromBuffer(t.shape, t.dtype, allocate(t.dtype, t.size));
}

function countTensor(n: number): Tensor<[], 'f64'> {
  const buf = new Float64Array(1);
  buf[0] = n;
  return Tensor.fromBuffer([] as [], 'f64', buf);
}

function isTraced(t: Tensor): boolean {
  return t.tracer !== undefined;
}

/** Flattens trees that must share one structure and, leaf by leaf, shape and dtype. */
function leavesOf(op: string, trees: readonly [string, Pytree][]): { def: ReturnType<typeof treeFlatten>['def']; leaves: Tensor[][] } {
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

function initState<P extends Pytree>(op: string, slots: readonly string[], params: P): OptState<P> {
  const { def, leaves } = treeFlatten(params, op);
  const out: Record<string, P> = {};
  for (const s of slots) out[s] = unflatten<P>(def, leaves.map(zerosLike));
  return { count: countTensor(0), slots: out };
}

function checkState(op: string, slots: readonly string[], state: OptState): number {
  if (!state || !(state.count instanceof Tensor) || state.count.size !== 1 || !state.slots) throw new PytreeError(op, 'state must be what init() returned: { count, slots }');
  for (const s of slots) if (!(s in state.slots)) throw new PytreeError(op, `state has no slot "${s}" (slots: ${Object.keys(state.slots).join(', ')})`);
  return state.count.item();
}

function newLike(t: Tensor): Float32Array | Float64Array {
  return allocate(t.dtype, t.size);
}

// ------------------------------------------------------------------ Adam

const ADAM_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false } as const;

/** Adam with bias correction (Kingma & Ba), PyTorch's parameterisation. */
export function adam(options: Partial<AdamConfig> = {}): Optimizer {
  const what = 'adam config';
  const c = { ...ADAM_DEFAULTS, ...options };
  validate(what, options, Object.keys(ADAM_DEFAULTS), [
    ['lr', c.lr, (v) => v > 0, 'a positive number'],
    ['beta1', c.beta1, (v) => v >= 0 && v < 1, 'in [0, 1)'],
    ['beta2', c.beta2, (v) => v >= 0 && v < 1, 'in [0, 1)'],
    ['eps', c.eps, (v) => v > 0, 'a positive number'],
    ['weightDecay', c.weightDecay, (v) => v >= 0, 'non-negative'],
  ]);
  checkBool(what, 'decoupled', c.decoupled);
  const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled } = c;
  const slots = ['m', 'v'] as const;
  return {
    config: Object.freeze({ name: 'adam' as const, lr, beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled }),
    slots,
    init: (params) => initState('adam.init', slots, params),
    update: <P extends Pytree>(grads: P, state: OptState<P>, params: P) => {
      const op = 'adam.update';
      const t = checkState(op, slots, state) + 1;
      const { def, leaves } = leavesOf(op, [['params', params], ['grads', grads], ['state.slots.m', state.slots.m!], ['state.slots.v', state.slots.v!]]);
      const [ps, gs, ms, vs] = leaves as [Tensor[], Tensor[], Tensor[], Tensor[]];
      const bc1 = 1 - Math.pow(b1, t);
      const bc2 = 1 - Math.pow(b2, t);
      const newP: Tensor[] = [], newM: Tensor[] = [], newV: Tensor[] = [];
      ps.forEach((p, i) => {
        const g = gs[i]!, m = ms[i]!, v = vs[i]!;
        if ([p, g, m, v].some(isTraced)) {
          const gg = wd > 0 && !decoupled ? ops.add(g, ops.mul(p, wd)) : g;
          const m2 = ops.add(ops.mul(m, b1), ops.mul(gg, 1 - b1));
          const v2 = ops.add(ops.mul(v, b2), ops.mul(ops.square(gg), 1 - b2));
          const step = ops.div(ops.mul(m2, lr / bc1), ops.add(ops.div(ops.sqrt(v2), Math.sqrt(bc2)), eps));
          const decayed = wd > 0 && decoupled ? ops.mul(p, 1 - lr * wd) : p;
          newP.push(ops.sub(decayed, step));
          newM.push(m2);
          newV.push(v2);
          return;
        }
        const pd = p.data, gd = g.data, md = m.data, vd = v.data;
        const po = newLike(p), mo = newLike(m), vo = newLike(v);
        const stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2), l2 = decoupled ? 0 : wd, shrink = decoupled ? 1 - lr * wd : 1;
        for (let j = 0; j < po.length; j++) {
          const gj = gd[j]! + l2 * pd[j]!;
          const mj = b1 * md[j]! + (1 - b1) * gj;
          const vj = b2 * vd[j]! + (1 - b2) * gj * gj;
          mo[j] = mj;
          vo[j] = vj;
          po[j] = shrink * pd[j]! - (stepSize * mo[j]!) / (Math.sqrt(vo[j]!) / sqrtBc2 + eps);
        }
        newP.push(Tensor.fromBuffer(p.shape, p.dtype, po));
        newM.push(Tensor.fromBuffer(m.shape, m.dtype, mo));
        newV.push(Tensor.fromBuffer(v.shape, v.dtype, vo));
      });
      return {
        params: unflatten<P>(def, newP),
        state: { count: countTensor(t), slots: { m: unflatten<P>(def, newM), v: unflatten<P>(def, newV) } },
      };
    },
  };
}

// ------------------------------------------------------------------ SGD

const SGD_DEFAULTS = { lr: 1e-2, momentum: 0, nesterov: false, weightDecay: 0 } as const;

/** SGD with optional (Nesterov) momentum, PyTorch's form: v ← μ·v + g, p ← p − lr·v (or lr·(g + μ·v)). */
export function sgd(options: Partial<SgdConfig> = {}): Optimizer {
  const what = 'sgd config';
  const c = { ...SGD_DEFAULTS, ...options };
  validate(what, options, Object.keys(SGD_DEFAULTS), [
    ['lr', c.lr, (v) => v > 0, 'a positive number'],
    ['momentum', c.momentum, (v) => v >= 0 && v < 1, 'in [0, 1)'],
    ['weightDecay', c.weightDecay, (v) => v >= 0, 'non-negative'],
  ]);
  checkBool(what, 'nesterov', c.nesterov);
  const { lr, momentum: mu, nesterov, weightDecay: wd } = c;
  const slots = ['velocity'] as const;
  return {
    config: Object.freeze({ name: 'sgd' as const, lr, momentum: mu, nesterov, weightDecay: wd }),
    slots,
    init: (params) => initState('sgd.init', slots, params),
    update: <P extends Pytree>(grads: P, state: OptState<P>, params: P) => {
      const op = 'sgd.update';
      const t = checkState(op, slots, state) + 1;
      const { def, leaves } = leavesOf(op, [['params', params], ['grads', grads], ['state.slots.velocity', state.slots.velocity!]]);
      const [ps, gs, vs] = leaves as [Tensor[], Tensor[], Tensor[]];
      const newP: Tensor[] = [], newV: Tensor[] = [];
      ps.forEach((p, i) => {
        const g = gs[i]!, v = vs[i]!;
        if ([p, g, v].some(isTraced)) {
          const gg = wd > 0 ? ops.add(g, ops.mul(p, wd)) : g;
          const v2 = ops.add(ops.mul(v, mu), gg);
          const dir = nesterov ? ops.add(gg, ops.mul(v2, mu)) : v2;
          newP.push(ops.sub(p, ops.mul(dir, lr)));
          newV.push(v2);
          return;
        }
        const pd = p.data, gd = g.data, vd = v.data;
        const po = newLike(p), vo = newLike(v);
        for (let j = 0; j < po.length; j++) {
          const gj = gd[j]! + wd * pd[j]!;
          vo[j] = mu * vd[j]! + gj;
          po[j] = pd[j]! - lr * (nesterov ? gj + mu * vo[j]! : vo[j]!);
        }
        newP.push(Tensor.fromBuffer(p.shape, p.dtype, po));
        newV.push(Tensor.fromBuffer(v.shape, v.dtype, vo));
      });
      return { params: unflatten<P>(def, newP), state: { count: countTensor(t), slots: { velocity: unflatten<P>(def, newV) } } };
    },
  };
}

/** Builds an optimiser from its JSON config (e.g. one read back from a checkpoint). */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  const { name, ...rest } = config as unknown as { name: unknown } & Record<string, unknown>;
  if (name === 'adam') return adam(rest as Partial<AdamConfig>);
  if (name === 'sgd') return sgd(rest as Partial<SgdConfig>);
  throw new ConfigError('optimizer config', [`name must be 'adam' or 'sgd', got ${JSON.stringify(name)}`]);
}

// ------------------------------------------------------------------ gradient clipping

/** ‖tree‖₂ over all leaves together (concrete trees). */
export function globalNorm(tree: Pytree): number {
  let s = 0;
  for (const leaf of treeFlatten(tree, 'globalNorm').leaves) {
    const d = leaf.data;
    for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  }
  return Math.sqrt(s);
}

/** Scales the whole tree by min(1, maxNorm / ‖tree‖₂) so its global norm is at most maxNorm. */
export function clipByGlobalNorm<P extends Pytree>(grads: P, maxNorm: number): P {
  const op = 'clipByGlobalNorm';
  if (!(typeof maxNorm === 'number' && maxNorm > 0 && Number.isFinite(maxNorm))) throw new ConfigError(op, [`maxNorm must be a positive finite number, got ${JSON.stringify(maxNorm)}`]);
  const { def, leaves } = treeFlatten(grads, op);
  if (leaves.some(isTraced)) {
    const sq = leaves.map((l) => ops.sum(ops.square(l)) as Tensor);
    const norm = ops.sqrt(sq.reduce((a, b) => ops.add(a, b)));
    const scale = ops.div(maxNorm, ops.maximum(norm, maxNorm));
    return unflatten<P>(def, leaves.map((l) => ops.mul(l, scale as never)));
  }
  const norm = globalNorm(grads);
  if (norm <= maxNorm) return grads;
  const scale = maxNorm / norm;
  return unflatten<P>(
    def,
    leaves.map((l) => {
      const out = newLike(l);
      const d = l.data;
      for (let i = 0; i < d.length; i++) out[i] = d[i]! * scale;
      return Tensor.fromBuffer(l.shape, l.dtype, out);
    }),
  );
}

