/**
 * Optimisers as chains of gradient transformations (optax's model): `chain(...)` composes
 * transformations (transformations.ts) into an optimiser whose state is one tree per slot, with
 * the params' structure, and a step count. `adam`, `adamw` and `sgd` are such chains; each
 * transformation is written once, and the chain fuses them into one loop per leaf (chain.ts).
 * Configs are JSON, so checkpoints store them and `optimizerFromConfig` rebuilds the optimiser.
 */
import { flatten as treeFlatten, type Pytree } from '../ad/pytree.ts';
import { compileChain, type ChainRunner, type OptState } from './chain.ts';
import { ConfigError } from './errors.ts';
import { learningRateProblems, type LearningRate } from './schedules.ts';
import {
  addDecayedWeights, clipByGlobalNormTransform, momentum, scaleByAdam, scaleByLearningRate, transformationFromConfig,
  type GradientTransformation, type TransformationConfig,
} from './transformations.ts';

export type { OptState } from './chain.ts';

export interface AdamConfig {
  /** A fixed learning rate or a schedule of the step count (schedules.ts). */
  readonly lr: LearningRate;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** L2 penalty added to the gradient (PyTorch's Adam), or decoupled (AdamW) when `decoupled`. */
  readonly weightDecay: number;
  readonly decoupled: boolean;
}

export interface SgdConfig {
  readonly lr: LearningRate;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/** JSON data naming the optimiser and its hyperparameters (stored in checkpoints). */
export type OptimizerConfig =
  | ({ readonly name: 'adam' } & AdamConfig)
  | ({ readonly name: 'adamw' } & Omit<AdamConfig, 'decoupled'>)
  | ({ readonly name: 'sgd' } & SgdConfig)
  | { readonly name: 'chain'; readonly transformations: readonly TransformationConfig[] };

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** The slot names of the state, in order (the state layout recorded in checkpoints). */
  readonly slots: readonly string[];
  readonly transformations: readonly GradientTransformation[];
  init<P extends Pytree>(params: P): OptState<P>;
  /** The chain's output for `grads` (the update to add to params) and the next state. */
  transform<P extends Pytree>(grads: P, state: OptState<P>, params: P): { updates: P; state: OptState<P> };
  update<P extends Pytree>(grads: P, state: OptState<P>, params: P): { params: P; state: OptState<P> };
}

function optimizer(config: OptimizerConfig, transformations: readonly GradientTransformation[]): Optimizer {
  const runner: ChainRunner = compileChain(`${config.name}`, transformations);
  return { config: Object.freeze(config), slots: runner.slots, transformations, init: runner.init, transform: runner.transform, update: runner.update };
}

/** Transformations applied in order to the gradient; the optimiser adds the result to the params. */
export function chain(...transformations: GradientTransformation[]): Optimizer {
  return optimizer({ name: 'chain', transformations: transformations.map((t) => t.config) }, transformations);
}

// ------------------------------------------------------------------ validation of the named optimisers

type Checks = [name: string, value: unknown, ok: (v: number) => boolean, rule: string][];

/** Every problem at once: unknown options, the learning rate, each numeric field, each flag. */
function validate(what: string, input: object, known: readonly string[], lr: unknown, checks: Checks, flags: Record<string, unknown>): void {
  const problems: string[] = [];
  for (const k of Object.keys(input)) if (!known.includes(k)) problems.push(`unknown option "${k}" (known: ${known.join(', ')})`);
  problems.push(...learningRateProblems('lr', lr));
  for (const [name, value, ok, rule] of checks) {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) problems.push(`${name} must be ${rule}, got ${JSON.stringify(value)}`);
  }
  for (const [name, v] of Object.entries(flags)) if (typeof v !== 'boolean') problems.push(`${name} must be a boolean, got ${JSON.stringify(v)}`);
  if (problems.length) throw new ConfigError(what, problems);
}

const inUnit = (v: number) => v >= 0 && v < 1;

// ------------------------------------------------------------------ Adam, AdamW, SGD

const ADAM_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false } as const;

function adamChain(c: AdamConfig): GradientTransformation[] {
  // The L2 term stays in the chain at zero weight too: g + 0·p is what PyTorch-style Adam has
  // always computed here, so results keep every bit (the sign of a zero gradient included).
  return [
    addDecayedWeights(c.decoupled ? 0 : c.weightDecay),
    scaleByAdam({ beta1: c.beta1, beta2: c.beta2, eps: c.eps }),
    ...(c.decoupled ? [addDecayedWeights(c.weightDecay)] : []),
    scaleByLearningRate(c.lr),
  ];
}

function adamConfig(what: string, options: Partial<AdamConfig>, defaults: AdamConfig, known: readonly string[]): AdamConfig {
  const c = { ...defaults, ...options };
  validate(what, options, known, c.lr, [
    ['beta1', c.beta1, inUnit, 'in [0, 1)'],
    ['beta2', c.beta2, inUnit, 'in [0, 1)'],
    ['eps', c.eps, (v) => v > 0, 'a positive number'],
    ['weightDecay', c.weightDecay, (v) => v >= 0, 'non-negative'],
  ], { decoupled: c.decoupled });
  return { lr: c.lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, decoupled: c.decoupled };
}

/** Adam with bias correction (Kingma & Ba), PyTorch's parameterisation: chain(L2, scaleByAdam, [decay], −lr). */
export function adam(options: Partial<AdamConfig> = {}): Optimizer {
  const c = adamConfig('adam config', options, ADAM_DEFAULTS, Object.keys(ADAM_DEFAULTS));
  return optimizer({ name: 'adam', ...c }, adamChain(c));
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, 0.01 by default as in PyTorch. */
export function adamw(options: Partial<Omit<AdamConfig, 'decoupled'>> = {}): Optimizer {
  const { decoupled: _d, ...known } = ADAM_DEFAULTS;
  const c = adamConfig('adamw config', options, { ...ADAM_DEFAULTS, weightDecay: 1e-2, decoupled: true }, Object.keys(known));
  const { decoupled: _, ...config } = c;
  return optimizer({ name: 'adamw', ...config }, adamChain(c));
}

const SGD_DEFAULTS = { lr: 1e-2, momentum: 0, nesterov: false, weightDecay: 0 } as const;

/** SGD with optional (Nesterov) momentum, PyTorch's form: v ← μ·v + g, p ← p − lr·v (or lr·(g + μ·v)). */
export function sgd(options: Partial<SgdConfig> = {}): Optimizer {
  const c = { ...SGD_DEFAULTS, ...options };
  validate('sgd config', options, Object.keys(SGD_DEFAULTS), c.lr, [
    ['momentum', c.momentum, inUnit, 'in [0, 1)'],
    ['weightDecay', c.weightDecay, (v) => v >= 0, 'non-negative'],
  ], { nesterov: c.nesterov });
  const config = { name: 'sgd' as const, lr: c.lr, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay };
  // As in adamChain, the L2 term is kept at zero weight (the previous fused loop computed g + 0·p).
  return optimizer(config, [addDecayedWeights(c.weightDecay), momentum(c.momentum, { nesterov: c.nesterov }), scaleByLearningRate(c.lr)]);
}

/** Builds an optimiser from its JSON config (e.g. one read back from a checkpoint). */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  const { name, ...rest } = config as unknown as { name: unknown } & Record<string, unknown>;
  if (name === 'adam') return adam(rest as Partial<AdamConfig>);
  if (name === 'adamw') return adamw(rest as Partial<AdamConfig>);
  if (name === 'sgd') return sgd(rest as Partial<SgdConfig>);
  if (name === 'chain') {
    const list = (rest as { transformations?: unknown }).transformations;
    if (!Array.isArray(list)) throw new ConfigError('optimizer config', ['a chain needs transformations: an array of transformation configs']);
    return chain(...list.map((t) => transformationFromConfig(t as TransformationConfig)));
  }
  throw new ConfigError('optimizer config', [`name must be 'adam', 'adamw', 'sgd' or 'chain', got ${JSON.stringify(name)}`]);
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

/**
 * clipByGlobalNorm(maxNorm): the transformation u ↦ u·min(1, maxNorm/‖u‖₂), for a chain.
 * clipByGlobalNorm(tree, maxNorm): that transformation applied to a tree (a concrete tree within
 * the norm comes back as it is).
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation;
export function clipByGlobalNorm<P extends Pytree>(grads: P, maxNorm: number): P;
export function clipByGlobalNorm<P extends Pytree>(gradsOrMaxNorm: P | number, maxNorm?: number): P | GradientTransformation {
  if (typeof gradsOrMaxNorm === 'number') return clipByGlobalNormTransform(gradsOrMaxNorm);
  const grads = gradsOrMaxNorm;
  const transform = clipByGlobalNormTransform(maxNorm as number);
  const concrete = treeFlatten(grads, 'clipByGlobalNorm').leaves.every((l) => l.tracer === undefined);
  if (concrete && globalNorm(grads) <= maxNorm!) return grads;
  const runner = compileChain('clipByGlobalNorm', [transform]);
  return runner.transform(grads, runner.init(grads), grads).updates;
}
