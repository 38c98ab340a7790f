/**
 * The paper's CNN: per block conv (5×5 first, 3×3 after) → average pool → ELU, then dense
 * layers with ELU, then one logit, built from the layer combinators (layers.ts) like any user
 * model. Its configuration is plain JSON data, validated as a whole.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DTypeError, ShapeError } from '../tensor/errors.ts';
import type { Key } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type Check, type DimsCompatible, type DType, type IsTuple, type Shape, type ShapeMismatch } from '../tensor/shape.ts';
import { ConfigError } from './errors.ts';
import { avgPool2d, conv2d, dense, elu, flatten, named, sequential, toModel, type EmptyParams, type Layer, type Model, type NamedLayer } from './layers.ts';

export interface CnnConfig {
  /** Side of the square input image (128 default; 512 is supported). */
  readonly inputSize: number;
  /** Input channels: [windowed CT, tumour mask] by default. */
  readonly inChannels: number;
  /** Output channels of each conv block; the first kernel is 5×5, the others 3×3. */
  readonly channels: readonly number[];
  /** Widths of the hidden dense layers (each followed by ELU) before the single logit. */
  readonly hidden: readonly number[];
  /** Average-pool window and stride after each conv. */
  readonly pool: number;
  readonly padding: 'same' | 'valid';
  readonly dtype: DType;
}

export const defaultCnnConfig: CnnConfig = Object.freeze({
  inputSize: 128,
  inChannels: 2,
  channels: Object.freeze([16, 32, 64]),
  hidden: Object.freeze([256, 128]),
  pool: 2,
  padding: 'same',
  dtype: 'f32',
} as const);

export type LayerParams = { readonly w: Tensor; readonly b: Tensor };
/** conv1…convK, dense1…denseM, logit: each {w, b}. */
export type CnnParams = { readonly [layer: string]: LayerParams };

type Get<C, K extends keyof CnnConfig, Default> = C extends { readonly [P in K]: infer V } ? V : Default;
type InputCheck<S extends Shape, C extends number, Size extends number> =
  IsTuple<S> extends true
    ? S extends readonly [number, infer C2 extends number, infer H extends number, infer W extends number]
      ? (DimsCompatible<C2, C> | DimsCompatible<H, Size> | DimsCompatible<W, Size>) extends true
        ? unknown
        : ShapeMismatch<'paperCnn: input must be [N, inChannels, inputSize, inputSize]', S, [number, C, Size, Size]>
      : ShapeMismatch<'paperCnn: input must be [N, inChannels, inputSize, inputSize]', S, [number, C, Size, Size]>
    : unknown;

/** A literal input dtype must be the model's; a widened one (DType) is checked at run time. */
type DTypeCheck<X extends DType, D extends DType> = [X] extends [D] ? unknown : [D] extends [X] ? unknown : ShapeMismatch<'paperCnn: input dtype differs from the model dtype', X, D>;

export interface PaperCnn<C extends number = number, Size extends number = number, D extends DType = DType> extends Model<CnnParams> {
  /** The full, validated configuration (defaults filled in): JSON data, stored in checkpoints and reports. */
  readonly config: CnnConfig;
  /** [N, C, H, W] sizes after each conv block, then the flattened feature count. */
  readonly architecture: readonly string[];
  init(key: Key): CnnParams;
  /** x [N, inChannels, inputSize, inputSize] → logits [N, 1]. Shapes and dtypes the type does not pin down are checked at run time. */
  apply<S extends Shape, X extends DType>(params: CnnParams, x: Tensor<S, X> & Check<InputCheck<S, C, Size>> & Check<DTypeCheck<X, D>>): Tensor<[S[0] & number, 1], X>;
}

const KNOWN = new Set(Object.keys(defaultCnnConfig));

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function checkIntList(name: string, v: unknown, allowEmpty: boolean, problems: string[]): void {
  if (!Array.isArray(v)) {
    problems.push(`${name} must be an array of positive integers, got ${JSON.stringify(v)}`);
    return;
  }
  if (!allowEmpty && v.length === 0) problems.push(`${name} must not be empty`);
  v.forEach((c, i) => {
    if (!isPositiveInt(c)) problems.push(`${name}[${i}] must be a positive integer, got ${JSON.stringify(c)}`);
  });
}

function kernelOf(block: number): number {
  return block === 0 ? 5 : 3;
}

/** Spatial side after each block, or the index of the first block the input is too small for. */
function spatialSizes(c: CnnConfig): { sizes: number[]; failedAt?: number } {
  const sizes: number[] = [];
  let s = c.inputSize;
  for (let i = 0; i < c.channels.length; i++) {
    if (c.padding === 'valid') s -= kernelOf(i) - 1;
    if (s < c.pool) return { sizes, failedAt: i };
    s = Math.floor((s - c.pool) / c.pool) + 1;
    sizes.push(s);
  }
  return { sizes };
}

/** Fills defaults and checks every field; Left lists every problem found. */
export function validateCnnConfig(input: unknown = {}): E.Either<ConfigError, CnnConfig> {
  const problems: string[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return E.left(new ConfigError('paperCnn config', [`must be an object, got ${JSON.stringify(input)}`]));
  }
  for (const k of Object.keys(input)) if (!KNOWN.has(k)) problems.push(`unknown option "${k}" (known: ${[...KNOWN].join(', ')})`);
  const c = { ...defaultCnnConfig, ...(input as Partial<CnnConfig>) };
  if (!isPositiveInt(c.inputSize)) problems.push(`inputSize must be a positive integer, got ${JSON.stringify(c.inputSize)}`);
  if (!isPositiveInt(c.inChannels)) problems.push(`inChannels must be a positive integer, got ${JSON.stringify(c.inChannels)}`);
  checkIntList('channels', c.channels, false, problems);
  checkIntList('hidden', c.hidden, true, problems);
  if (!isPositiveInt(c.pool)) problems.push(`pool must be a positive integer, got ${JSON.stringify(c.pool)}`);
  if (c.padding !== 'same' && c.padding !== 'valid') problems.push(`padding must be 'same' or 'valid', got ${JSON.stringify(c.padding)}`);
  if (c.dtype !== 'f32' && c.dtype !== 'f64') problems.push(`dtype must be 'f32' or 'f64', got ${JSON.stringify(c.dtype)}`);
  if (problems.length === 0) {
    const { failedAt, sizes } = spatialSizes(c);
    if (failedAt !== undefined) {
      const before = failedAt === 0 ? c.inputSize : sizes[failedAt - 1]!;
      problems.push(`inputSize ${c.inputSize} is too small: block ${failedAt + 1} gets a ${before}×${before} map, which a ${kernelOf(failedAt)}×${kernelOf(failedAt)} '${c.padding}' conv and a ${c.pool}×${c.pool} pool cannot reduce`);
    }
  }
  if (problems.length) return E.left(new ConfigError('paperCnn config', problems));
  return E.right(
    Object.freeze({
      inputSize: c.inputSize,
      inChannels: c.inChannels,
      channels: Object.freeze([...c.channels]),
      hidden: Object.freeze([...c.hidden]),
      pool: c.pool,
      padding: c.padding,
      dtype: c.dtype,
    }),
  );
}

/**
 * conv1…convK, each → avgpool → elu, flatten, dense1…denseM, each → elu, and logit. The named
 * layers give the params their keys; sequential adds each conv's bias after its pool.
 */
function paperLayers(cfg: CnnConfig): readonly (NamedLayer<string, LayerParams> | Layer<EmptyParams>)[] {
  return [
    ...cfg.channels.flatMap((c, i) => [named(`conv${i + 1}`, conv2d({ outChannels: c, kernel: kernelOf(i), padding: cfg.padding })), avgPool2d({ size: cfg.pool }), elu()]),
    flatten(),
    ...cfg.hidden.flatMap((h, i) => [named(`dense${i + 1}`, dense(h)), elu()]),
    named('logit', dense(1, { init: 'glorotUniform' })),
  ];
}

/** Logits [N, 1] of x's dtype for x's N samples: checked at run time where the static type promises them. */
function isLogitsOf<S extends Shape, X extends DType>(y: Tensor<Shape, DType>, x: Tensor<S, X>): y is Tensor<[S[0] & number, 1], X> {
  return y.shape.length === 2 && y.shape[0] === x.shape[0] && y.shape[1] === 1 && y.dtype === x.dtype;
}

/** The paper's CNN for a configuration (defaults: 128², [CT, mask], 16/32/64 channels, 256/128 hidden). */
export function paperCnn<const C extends Partial<CnnConfig> = {}>(
  config: C = {} as C,
): PaperCnn<Get<C, 'inChannels', 2> & number, Get<C, 'inputSize', 128> & number, Get<C, 'dtype', 'f32'> & DType> {
  const validated = validateCnnConfig(config);
  if (E.isLeft(validated)) throw validated.left;
  const cfg = validated.right;
  const { sizes } = spatialSizes(cfg);
  const finalSize = sizes[sizes.length - 1]!;
  const features = cfg.channels[cfg.channels.length - 1]! * finalSize * finalSize;
  const architecture = [
    ...cfg.channels.map((c, i) => `conv${i + 1} ${kernelOf(i)}×${kernelOf(i)} → avgpool ${cfg.pool} → elu: [N, ${c}, ${sizes[i]}, ${sizes[i]}]`),
    `flatten: [N, ${features}]`,
    ...cfg.hidden.map((h, i) => `dense${i + 1} → elu: [N, ${h}]`),
    'logit: [N, 1]',
  ];
  const net: Model<CnnParams> = toModel(sequential(...paperLayers(cfg)), [1, cfg.inChannels, cfg.inputSize, cfg.inputSize], { dtype: cfg.dtype });
  return {
    config: cfg,
    architecture,
    init: (key) => net.init(key),
    apply: (params, x) => {
      if (x.dtype !== cfg.dtype) throw new DTypeError('paperCnn.apply', `input is ${x.dtype} but the model is configured for ${cfg.dtype}`);
      const y = net.apply(params, x);
      if (!isLogitsOf(y, x)) throw new ShapeError('paperCnn.apply', `the network must give logits [N, 1] of ${x.dtype}`, [y.shape]);
      return y;
    },
  };
}
