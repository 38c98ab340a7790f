/**
 * Gradient transformations (after optax): each maps an incoming update to an outgoing one, per
 * element, reading and writing its own state slots. `chain(...)` (chain.ts) composes them into an
 * optimiser. A transformation's rule is written once, in an abstract arithmetic, and the chain
 * runs it three ways: with numbers for the per-step scalars, as one generated loop over each
 * leaf's elements (the fused path for concrete tensors), and with the DSL's differentiable ops
 * (when the update is itself differentiated).
 */
import { ConfigError } from './errors.ts';
import { checkLearningRate, learningRateAt, type LearningRate } from './schedules.ts';

/** The arithmetic rules are written in. */
export interface Arith<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
  max(a: T, b: T): T;
  lit(value: number): T;
}

/** (Π num) / (Π den) of per-step scalars: how scales and decays fold together before any element is touched. */
export interface Product<T> {
  readonly num: readonly T[];
  readonly den: readonly T[];
}

/**
 * An update as a chain carries it, per element: decay·p + (factor·num)/den. Keeping the per-step
 * factor and decay apart from the element values lets `scale` and `addDecayedWeights` fold into
 * the step where PyTorch's formulas put them (Adam's (lr/bc₁·m)/(√v/√bc₂ + ε), AdamW's
 * (1 − lr·λ)·p), so a chain computes what those formulas do, to the bit.
 */
export interface Update<T> {
  readonly num: T;
  readonly den: T | null;
  readonly factor: Product<T>;
  readonly decay: Product<T> | null;
}

/** What a rule sees of one element. */
export interface ElementIO<T> {
  readonly A: Arith<T>;
  readonly param: T;
  /** One of this transformation's per-step scalars (see `scalarNames`). */
  scalar(name: string): T;
  read(slot: string): T;
  /** Stores a slot's new value and gives it back as stored (in the leaf's dtype). */
  write(slot: string, value: T): T;
  /** The update's value: decay·p + (factor·num)/den. */
  value(u: Update<T>): T;
}

export type TransformationConfig =
  | { readonly name: 'scaleByAdam'; readonly beta1: number; readonly beta2: number; readonly eps: number }
  | { readonly name: 'momentum'; readonly decay: number; readonly nesterov: boolean }
  | { readonly name: 'addDecayedWeights'; readonly weightDecay: number }
  | { readonly name: 'scale'; readonly factor: number }
  | { readonly name: 'scaleByLearningRate'; readonly lr: LearningRate }
  | { readonly name: 'clipByGlobalNorm'; readonly maxNorm: number };

export interface GradientTransformation {
  /** JSON naming the transformation and its hyperparameters (checkpoints store it). */
  readonly config: TransformationConfig;
  /** State slots, each a tree of the params' structure that starts at zero. */
  readonly slots: readonly string[];
  /** The per-step scalars the rule reads, by name. */
  readonly scalarNames: readonly string[];
  /** Whether `scalars` needs the global norm (over all leaves) of the incoming update. */
  readonly needsNorm: boolean;
  /** The scalars' values, in `scalarNames` order, for the update after `count` applied ones. */
  scalars<S>(A: Arith<S>, count: number, norm: S | null): readonly S[];
  /** The element rule. */
  rule<T>(u: Update<T>, io: ElementIO<T>): Update<T>;
}

const UNIT = { num: [], den: [] } as const;

function scaled<T>(u: Update<T>, s: T): Update<T> {
  const by = (p: Product<T>): Product<T> => ({ num: [...p.num, s], den: p.den });
  return { num: u.num, den: u.den, factor: by(u.factor), decay: u.decay && by(u.decay) };
}

type Checks = readonly (readonly [name: string, value: unknown, ok: (v: number) => boolean, rule: string])[];

function validate(what: string, checks: Checks): void {
  const problems = checks.flatMap(([name, value, ok, rule]) => (typeof value === 'number' && Number.isFinite(value) && ok(value) ? [] : [`${name} must be ${rule}, got ${JSON.stringify(value)}`]));
  if (problems.length) throw new ConfigError(what, problems);
}

const inUnit = (v: number) => v >= 0 && v < 1;

/** Adam's moment estimates; emits m̂/(√v̂ + ε) as (m/bc₁)/(√v/√bc₂ + ε) (Kingma & Ba, PyTorch's arrangement). */
export function scaleByAdam(options: { readonly beta1?: number; readonly beta2?: number; readonly eps?: number } = {}): GradientTransformation {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = options;
  validate('scaleByAdam', [['beta1', beta1, inUnit, 'in [0, 1)'], ['beta2', beta2, inUnit, 'in [0, 1)'], ['eps', eps, (v) => v > 0, 'a positive number']]);
  return {
    config: { name: 'scaleByAdam', beta1, beta2, eps },
    slots: ['m', 'v'],
    scalarNames: ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'bc1', 'sqrtBc2'],
    needsNorm: false,
    scalars: (A, count) => {
      const t = count + 1;
      return [beta1, 1 - beta1, beta2, 1 - beta2, eps, 1 - Math.pow(beta1, t), Math.sqrt(1 - Math.pow(beta2, t))].map((v) => A.lit(v));
    },
    rule: (u, io) => {
      const { A } = io;
      const s = (name: string) => io.scalar(name);
      const g = io.value(u);
      const m = io.write('m', A.add(A.mul(s('b1'), io.read('m')), A.mul(s('oneMinusB1'), g)));
      const v = io.write('v', A.add(A.mul(s('b2'), io.read('v')), A.mul(A.mul(s('oneMinusB2'), g), g)));
      return { num: m, den: A.add(A.div(A.sqrt(v), s('sqrtBc2')), s('eps')), factor: { num: [], den: [s('bc1')] }, decay: null };
    },
  };
}

/** Momentum (optax's trace, PyTorch's form): v ← μ·v + u, emitting v, or u + μ·v with Nesterov. */
export function momentum(decay: number, options: { readonly nesterov?: boolean } = {}): GradientTransformation {
  const nesterov = options.nesterov ?? false;
  validate('momentum', [['decay', decay, inUnit, 'in [0, 1)']]);
  if (typeof nesterov !== 'boolean') throw new ConfigError('momentum', [`nesterov must be a boolean, got ${JSON.stringify(nesterov)}`]);
  return {
    config: { name: 'momentum', decay, nesterov },
    slots: ['velocity'],
    scalarNames: ['decay'],
    needsNorm: false,
    scalars: (A) => [A.lit(decay)],
    rule: (u, io) => {
      const { A } = io;
      const g = io.value(u);
      const v = io.write('velocity', A.add(A.mul(io.scalar('decay'), io.read('velocity')), g));
      return { num: nesterov ? A.add(g, A.mul(io.scalar('decay'), v)) : v, den: null, factor: UNIT, decay: null };
    },
  };
}

/** u + λ·p: L2 regularisation before an adaptive step (PyTorch's weight_decay), decoupled weight decay after it (AdamW). */
export function addDecayedWeights(weightDecay: number): GradientTransformation {
  validate('addDecayedWeights', [['weightDecay', weightDecay, (v) => v >= 0, 'non-negative']]);
  return {
    config: { name: 'addDecayedWeights', weightDecay },
    slots: [],
    scalarNames: ['weightDecay'],
    needsNorm: false,
    scalars: (A) => [A.lit(weightDecay)],
    rule: (u, io) => {
      const decay = { num: [io.scalar('weightDecay')], den: [] };
      return u.decay ? { num: io.value(u), den: null, factor: UNIT, decay } : { ...u, decay };
    },
  };
}

/** u · factor. */
export function scale(factor: number): GradientTransformation {
  validate('scale', [['factor', factor, () => true, 'a finite number']]);
  return { config: { name: 'scale', factor }, slots: [], scalarNames: ['factor'], needsNorm: false, scalars: (A) => [A.lit(factor)], rule: (u, io) => scaled(u, io.scalar('factor')) };
}

/** u · (−lr), lr fixed or a schedule of the step count (a descent step). */
export function scaleByLearningRate(lr: LearningRate): GradientTransformation {
  checkLearningRate('scaleByLearningRate', lr);
  return {
    config: { name: 'scaleByLearningRate', lr },
    slots: [],
    scalarNames: ['negLr'],
    needsNorm: false,
    scalars: (A, count) => [A.lit(-learningRateAt(lr, count))],
    rule: (u, io) => scaled(u, io.scalar('negLr')),
  };
}

/** u · min(1, maxNorm / ‖u‖₂), the norm taken over every leaf together. */
export function clipByGlobalNormTransform(maxNorm: number): GradientTransformation {
  validate('clipByGlobalNorm', [['maxNorm', maxNorm, (v) => v > 0, 'a positive finite number']]);
  return {
    config: { name: 'clipByGlobalNorm', maxNorm },
    slots: [],
    scalarNames: ['clip'],
    needsNorm: true,
    scalars: (A, _count, norm) => [A.div(A.lit(maxNorm), A.max(norm!, A.lit(maxNorm)))],
    rule: (u, io) => scaled(u, io.scalar('clip')),
  };
}

/** Rebuilds a transformation from its JSON config (e.g. read back from a checkpoint). */
export function transformationFromConfig(config: TransformationConfig): GradientTransformation {
  const c = config as TransformationConfig | null;
  switch (c?.name) {
    case 'scaleByAdam':
      return scaleByAdam(c);
    case 'momentum':
      return momentum(c.decay, { nesterov: c.nesterov });
    case 'addDecayedWeights':
      return addDecayedWeights(c.weightDecay);
    case 'scale':
      return scale(c.factor);
    case 'scaleByLearningRate':
      return scaleByLearningRate(c.lr);
    case 'clipByGlobalNorm':
      return clipByGlobalNormTransform(c.maxNorm);
    default:
      throw new ConfigError('transformation config', [`unknown transformation ${JSON.stringify((c as { name?: unknown } | null)?.name)}`]);
  }
}
