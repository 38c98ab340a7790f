/**
 * Layers as pure functions: `init(key, inShape) → params` and `apply(params, x) → y`, with the
 * output shape computed in the type from the input shape (a type-level function per layer, so a
 * `sequential` chain's output type is the composition). Where TypeScript cannot follow (widened
 * `number[]` shapes, products above the type-level limit) the type falls back to `number` and
 * the shape is checked at run time.
 */
import * as ops from '../ad/ops.ts';
import type { Pytree } from '../ad/pytree.ts';
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import * as random from '../tensor/random.ts';
import type { Key } from '../tensor/random.ts';
import { zeros, type Tensor } from '../tensor/tensor.ts';
import {
  formatShape,
  shapeSize,
  type AvgPool2d,
  type Check,
  type Conv2d,
  type DType,
  type IsTuple,
  type Padding,
  type Shape,
  type ShapeMismatch,
} from '../tensor/shape.ts';
import { checkDType, heNormal, initializers, type Initializer, type InitializerName, type InitOptions } from './init.ts';

// ------------------------------------------------------------------ type-level shape functions

/** A type-level function from an input shape (`in`) to an output shape or a ShapeMismatch (`out`). */
export interface ShapeFn {
  readonly in: Shape;
  readonly out: unknown;
}
/** F applied to S: the output shape, or the mismatch that rejects S. */
export type ApplyShape<F extends ShapeFn, S extends Shape> = (F & { readonly in: S })['out'];
/** F applied to S as a shape (the widest shape when F rejects S; such a call does not compile anyway). */
export type OutShape<F extends ShapeFn, S extends Shape> = ApplyShape<F, S> extends infer R extends Shape ? R : number[];

export interface Layer<P extends Pytree = Pytree, F extends ShapeFn = ShapeFn> {
  /** What the layer is, for messages and summaries (e.g. "conv2d 5×5 → 16"). */
  readonly kind: string;
  /** Fresh parameters for inputs of `inShape` (batch dimension first; its size is ignored). */
  init(key: Key, inShape: Shape, options?: InitOptions): P;
  /** The output shape for an input shape; a ShapeError when the layer cannot take it. */
  outputShape<const S extends Shape>(inShape: S): OutShape<F, S>;
  apply<S extends Shape, D extends DType>(params: P, x: Tensor<S, D> & Check<ApplyShape<F, S>>): Tensor<OutShape<F, S>, D>;
  /**
   * A layer whose output ends in a per-channel bias (conv2d) gives its output without the bias,
   * and the bias added to another tensor, so `sequential` can add the bias after a following
   * layer that commutes with it (average pooling): the same map on fewer elements.
   */
  readonly channelBias?: ChannelBias<P>;
  /** Adding a per-channel bias before this layer equals adding it after (average pooling). */
  readonly commutesWithChannelBias?: boolean;
}

export interface ChannelBias<P> {
  unbiased(params: P, x: AnyTensor): AnyTensor;
  add(params: P, y: AnyTensor): AnyTensor;
}

// A named layer first: inference reads a type's own arguments, not those of an interface it extends.
export type ParamsOf<L> = L extends NamedLayer<string, infer P, ShapeFn> ? P : L extends Layer<infer P, ShapeFn> ? P : never;
export type ShapeFnOf<L> = L extends NamedLayer<string, Pytree, infer F> ? F : L extends Layer<Pytree, infer F> ? F : never;
export type EmptyParams = { readonly [key: string]: never };

interface IdentityFn extends ShapeFn {
  readonly out: this['in'];
}

interface Conv2dFn<O extends number, K extends number, St extends number, P extends Padding> extends ShapeFn {
  readonly out: IsTuple<this['in']> extends true ? Conv2d<this['in'], [O, number, K, K], St, P> : number[];
}

interface AvgPool2dFn<K extends number, St extends number> extends ShapeFn {
  readonly out: IsTuple<this['in']> extends true ? AvgPool2d<this['in'], K, St> : number[];
}

interface DenseFn<U extends number> extends ShapeFn {
  readonly out: IsTuple<this['in']> extends true
    ? this['in'] extends readonly [infer N extends number, number]
      ? [N, U]
      : ShapeMismatch<'dense: input must be [N, features] (flatten first)', this['in'], [U]>
    : number[];
}

interface FlattenFn extends ShapeFn {
  readonly out: IsTuple<this['in']> extends true
    ? this['in'] extends readonly [infer N extends number, ...number[]]
      ? [N, number]
      : ShapeMismatch<'flatten: input needs a batch dimension', this['in'], []>
    : number[];
}

// ------------------------------------------------------------------ helpers

type AnyTensor = Tensor<Shape, DType>;

function resolveInit(op: string, init: Initializer | InitializerName | undefined, fallback: Initializer): Initializer {
  if (init === undefined) return fallback;
  if (typeof init === 'function') return init;
  const found = (initializers as Record<string, Initializer>)[init];
  if (!found) throw new ArgumentError(op, `unknown initializer ${String(init)}; use one of ${Object.keys(initializers).join(', ')}`);
  return found;
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function expectParam(op: string, t: unknown, shape: Shape, name: string): AnyTensor {
  const tensor = t as AnyTensor | undefined;
  if (!tensor || !Array.isArray(tensor.shape)) throw new ShapeError(op, `parameter ${name} is missing`);
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => shape[i] !== -1 && d !== shape[i])) {
    throw new ShapeError(op, `parameter ${name} has shape ${formatShape(tensor.shape)}, expected [${shape.map((d) => (d === -1 ? '*' : d)).join(', ')}]`);
  }
  return tensor;
}

function dtypeOf(options: InitOptions | undefined): DType {
  return checkDType('init', options?.dtype ?? 'f32');
}

// ------------------------------------------------------------------ conv2d

export interface Conv2dLayerOptions<O extends number, K extends number, St extends number, P extends Padding, B extends boolean> {
  readonly outChannels: O;
  /** Square kernel size. */
  readonly kernel: K;
  readonly stride?: St;
  /** 'same' (TensorFlow's: out = ceil(in / stride)), 'valid', or a fixed zero padding. Default 'valid'. */
  readonly padding?: P;
  /** Add a per-channel bias (default true). */
  readonly bias?: B;
  /** Filter initialiser (default heNormal); biases start at zero. */
  readonly init?: Initializer | InitializerName;
}

export type WithBias<B extends boolean> = B extends false ? { readonly w: AnyTensor } : { readonly w: AnyTensor; readonly b: AnyTensor };

/** 2-D convolution over [N, C, H, W] with filters [O, C, K, K] and an optional bias [O]. */
export function conv2d<const O extends number, const K extends number, const St extends number = 1, const P extends Padding = 'valid', const B extends boolean = true>(
  options: Conv2dLayerOptions<O, K, St, P, B>,
): Layer<WithBias<B>, Conv2dFn<O, K, St, P>> {
  const op = 'nn.conv2d';
  const o = positiveInt(op, 'outChannels', options.outChannels);
  const k = positiveInt(op, 'kernel', options.kernel);
  const stride = positiveInt(op, 'stride', options.stride ?? 1);
  const padding = options.padding ?? 'valid';
  const bias = options.bias ?? true;
  const init = resolveInit(op, options.init, heNormal);
  const outputShape = (s: Shape): number[] => {
    if (s.length !== 4) throw new ShapeError(op, 'input must be [N, C, H, W]', [s]);
    const p = ops.convParams(op, s, [o, s[1]!, k, k], stride, padding);
    return [s[0]!, o, p.outH, p.outW];
  };
  const unbiased = (params: WithBias<B>, x: AnyTensor): AnyTensor => {
    const w = expectParam(op, (params as { w?: unknown }).w, [o, x.shape[1] ?? -1, k, k], 'w');
    return ops.conv2d(x, w as never, { stride, padding }) as AnyTensor;
  };
  const addBias = (params: WithBias<B>, y: AnyTensor): AnyTensor => {
    const b = expectParam(op, (params as { b?: unknown }).b, [o], 'b');
    return ops.add(y, ops.reshape(b, [1, o, 1, 1]) as never) as AnyTensor;
  };
  return {
    kind: `conv2d ${k}×${k}${stride > 1 ? `/${stride}` : ''} → ${o}`,
    init: (key, inShape, initOptions) => {
      outputShape(inShape);
      const dtype = dtypeOf(initOptions);
      const w = init(key, [o, inShape[1]!, k, k], { dtype });
      return (bias ? { w, b: zeros([o], { dtype }) } : { w }) as unknown as WithBias<B>;
    },
    outputShape: outputShape as never,
    apply: (params, x) => {
      const y = unbiased(params, x as AnyTensor);
      return (bias ? addBias(params, y) : y) as never;
    },
    ...(bias ? { channelBias: { unbiased, add: addBias } } : {}),
  };
}

// ------------------------------------------------------------------ avgPool2d

export interface AvgPool2dLayerOptions<K extends number, St extends number> {
  readonly size: K;
  /** Defaults to `size` (non-overlapping windows). */
  readonly stride?: St;
}

/** Average pooling over size×size windows, no padding. */
export function avgPool2d<const K extends number, const St extends number = K>(options: AvgPool2dLayerOptions<K, St>): Layer<EmptyParams, AvgPool2dFn<K, St>> {
  const op = 'nn.avgPool2d';
  const size = positiveInt(op, 'size', options.size);
  const stride = positiveInt(op, 'stride', options.stride ?? size);
  const outputShape = (s: Shape): number[] => {
    const p = ops.poolParams(op, s, size, stride);
    return [s[0]!, s[1]!, p.outH, p.outW];
  };
  return {
    kind: `avgPool2d ${size}×${size}${stride !== size ? `/${stride}` : ''}`,
    init: (_key, inShape) => {
      outputShape(inShape);
      return {};
    },
    outputShape: outputShape as never,
    apply: (_params, x) => ops.avgPool2d(x as never, { size, stride }) as never,
    // Averaging each channel's windows commutes with adding that channel's constant.
    commutesWithChannelBias: true,
  };
}

// ------------------------------------------------------------------ activations

function activation(kind: string, fn: (x: AnyTensor) => AnyTensor): Layer<EmptyParams, IdentityFn> {
  return {
    kind,
    init: () => ({}),
    outputShape: ((s: Shape) => [...s]) as never,
    apply: (_params, x) => fn(x as AnyTensor) as never,
  };
}

/** ELU with α = 1 (smooth first derivative, as the paper wants for gradient-based interpretation). */
export const elu = (): Layer<EmptyParams, IdentityFn> => activation('elu', (x) => ops.elu(x));
export const relu = (): Layer<EmptyParams, IdentityFn> => activation('relu', (x) => ops.relu(x));
export const sigmoid = (): Layer<EmptyParams, IdentityFn> => activation('sigmoid', (x) => ops.sigmoid(x));

// ------------------------------------------------------------------ dense, flatten

export interface DenseLayerOptions<B extends boolean> {
  readonly bias?: B;
  /** Weight initialiser (default heNormal); biases start at zero. */
  readonly init?: Initializer | InitializerName;
}

/** x [N, in] · w [in, units] + b [units]. */
export function dense<const U extends number, const B extends boolean = true>(units: U, options: DenseLayerOptions<B> = {}): Layer<WithBias<B>, DenseFn<U>> {
  const op = 'nn.dense';
  const u = positiveInt(op, 'units', units);
  const bias = options.bias ?? true;
  const init = resolveInit(op, options.init, heNormal);
  const outputShape = (s: Shape): number[] => {
    if (s.length !== 2) throw new ShapeError(op, 'input must be [N, features] (flatten first)', [s]);
    return [s[0]!, u];
  };
  return {
    kind: `dense → ${u}`,
    init: (key, inShape, initOptions) => {
      outputShape(inShape);
      const dtype = dtypeOf(initOptions);
      const w = init(key, [inShape[1]!, u], { dtype });
      return (bias ? { w, b: zeros([u], { dtype }) } : { w }) as unknown as WithBias<B>;
    },
    outputShape: outputShape as never,
    apply: (params, x) => {
      const xt = x as AnyTensor;
      outputShape(xt.shape);
      const w = expectParam(op, (params as { w?: unknown }).w, [xt.shape[1]!, u], 'w');
      const y = ops.matmul(xt, w as never) as AnyTensor;
      if (!bias) return y as never;
      const b = expectParam(op, (params as { b?: unknown }).b, [u], 'b');
      return ops.add(y, b as never) as never;
    },
  };
}

/** [N, ...] → [N, product of the rest]. */
export function flatten(): Layer<EmptyParams, FlattenFn> {
  const op = 'nn.flatten';
  const outputShape = (s: Shape): number[] => {
    if (s.length < 1) throw new ShapeError(op, 'input needs a batch dimension', [s]);
    return [s[0]!, shapeSize(s.slice(1))];
  };
  return {
    kind: 'flatten',
    init: (_key, inShape) => {
      outputShape(inShape);
      return {};
    },
    outputShape: outputShape as never,
    apply: (_params, x) => ops.reshape(x as AnyTensor, outputShape((x as AnyTensor).shape)) as never,
  };
}

// ------------------------------------------------------------------ sequential composition

type ChainOut<Ls extends readonly unknown[], S> = S extends ShapeMismatch<string, unknown, unknown>
  ? S
  : S extends Shape
    ? Ls extends readonly [infer L, ...infer R]
      ? ChainOut<R, ApplyShape<ShapeFnOf<L>, S>>
      : S
    : never;

interface SequentialFn<Ls extends readonly unknown[]> extends ShapeFn {
  readonly out: ChainOut<Ls, this['in']>;
}

/** A layer whose params a sequential keeps under `name`. */
export interface NamedLayer<K extends string = string, P extends Pytree = Pytree, F extends ShapeFn = ShapeFn> extends Layer<P, F> {
  readonly name: K;
}

/** Names a layer: in a sequential with named layers, its params sit under this key (as PyTorch's named Sequential). */
export function named<const K extends string, P extends Pytree, F extends ShapeFn>(name: K, layer: Layer<P, F>): NamedLayer<K, P, F> {
  if (typeof name !== 'string' || name === '') throw new ArgumentError('nn.named', `a layer's name must be a non-empty string, got ${JSON.stringify(name)}`);
  return { ...layer, name, kind: `${name}: ${layer.kind}` };
}

/** Whether any layer of a sequential is named (then its params are keyed by those names). */
export type AnyNamed<Ls extends readonly unknown[]> = [Extract<Ls[number], { readonly name: string }>] extends [never] ? false : true;
/** A sequential's params keyed by its named layers. */
export type NamedParams<Ls extends readonly unknown[]> = { -readonly [L in Ls[number] as L extends { readonly name: infer K extends string } ? K : never]: ParamsOf<L> };
/** One entry per layer ({} for parameterless ones), or, when layers are named, a record of the named layers' params. */
export type SequentialParams<Ls extends readonly unknown[]> = AnyNamed<Ls> extends true ? NamedParams<Ls> : { -readonly [K in keyof Ls]: ParamsOf<Ls[K]> };

/** Any layer, whatever its params and shapes. */
export type AnyLayer = Layer<any, any>;

/** Where each layer's params live: its index in a tuple, or its name in a record (null: it has none). */
function paramKeys(op: string, layers: readonly AnyLayer[]): (string | number | null)[] {
  const names = layers.map((l) => (l as Partial<NamedLayer>).name);
  if (names.every((n) => n === undefined)) return layers.map((_, i) => i);
  const seen = new Set<string>();
  for (const n of names) {
    if (n !== undefined && seen.has(n)) throw new ArgumentError(op, `two layers are named ${JSON.stringify(n)}`);
    if (n !== undefined) seen.add(n);
  }
  return names.map((n) => n ?? null);
}

function initSequential(op: string, layers: readonly AnyLayer[], keysAt: readonly (string | number | null)[], key: Key, inShape: Shape, options: InitOptions | undefined): Pytree {
  const byName = typeof keysAt.find((k) => k !== null) === 'string';
  const owners = keysAt.filter((k) => k !== null).length;
  // Tuples split the key over every layer; records over the named ones, in order.
  const keys = random.split(key, byName ? owners : layers.length);
  const out: Record<string, Pytree> = {};
  const list: Pytree[] = [];
  let shape: Shape = inShape;
  let next = 0;
  layers.forEach((l, i) => {
    const at = keysAt[i];
    const p = l.init(keys[byName ? (at === null ? 0 : next++) : i]!, shape, options) as Pytree;
    if (at === null && Object.keys(p as object).length) throw new ArgumentError(op, `layer ${i} (${l.kind}) has parameters: name it with nn.named(name, layer)`);
    if (typeof at === 'string') out[at] = p;
    else if (at !== null) list.push(p);
    shape = l.outputShape(shape) as Shape;
  });
  return byName ? out : list;
}

function paramsAt(op: string, params: unknown, at: string | number | null, count: number): Pytree {
  if (at === null) return {};
  if (typeof at === 'number') {
    if (!Array.isArray(params) || params.length !== count) {
      throw new ArgumentError(op, `params must be an array with one entry per layer (${count}), got ${Array.isArray(params) ? params.length : typeof params}`);
    }
    return params[at] as Pytree;
  }
  const p = params !== null && typeof params === 'object' ? (params as Record<string, Pytree>)[at] : undefined;
  if (p === undefined) throw new ShapeError(op, `params have no layer "${at}"; pass what init() returned`);
  return p;
}

/** Runs the layers in order; a layer's per-channel bias moves past a following layer that commutes with it. */
function applySequential(op: string, layers: readonly AnyLayer[], keysAt: readonly (string | number | null)[], params: unknown, x: AnyTensor): AnyTensor {
  let y = x;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    const p = paramsAt(op, params, keysAt[i]!, layers.length);
    const next = layers[i + 1];
    if (l.channelBias && next?.commutesWithChannelBias) {
      const pooled = next.apply(paramsAt(op, params, keysAt[i + 1]!, layers.length), l.channelBias.unbiased(p, y) as never) as AnyTensor;
      y = l.channelBias.add(p, pooled);
      i++;
    } else y = l.apply(p, y as never) as AnyTensor;
  }
  return y;
}

/**
 * Layers applied left to right. Params are a tuple with one entry per layer ({} for parameterless
 * ones), or, when some layers are named (nn.named), a record holding each named layer's params
 * under its name; unnamed layers must then have none.
 */
export function sequential<const Ls extends readonly AnyLayer[]>(...layers: Ls): Layer<SequentialParams<Ls>, SequentialFn<Ls>> {
  const op = 'nn.sequential';
  if (layers.length === 0) throw new ArgumentError(op, 'needs at least one layer');
  const keysAt = paramKeys(op, layers);
  const outputShape = (s: Shape): Shape => layers.reduce<Shape>((shape, l) => l.outputShape(shape) as Shape, s);
  return {
    kind: `sequential(${layers.map((l) => l.kind).join(', ')})`,
    init: (key, inShape, options) => initSequential(op, layers, keysAt, key, inShape, options) as SequentialParams<Ls>,
    outputShape: outputShape as never,
    apply: (params, x) => applySequential(op, layers, keysAt, params, x as AnyTensor) as never,
  };
}

// ------------------------------------------------------------------ models

/** What train() needs: parameters from a key and a forward pass. */
export interface Model<P extends Pytree = Pytree> {
  init(key: Key): P;
  apply(params: P, x: AnyTensor): AnyTensor;
}

/** Binds a layer to an input shape and dtype, giving a Model (e.g. an MLP for train()). */
export function toModel<P extends Pytree>(layer: Layer<P, ShapeFn>, inShape: Shape, options: InitOptions = {}): Model<P> & { readonly layer: Layer<P, ShapeFn>; readonly inShape: Shape } {
  const dtype = dtypeOf(options);
  layer.outputShape(inShape);
  return {
    layer,
    inShape,
    init: (key) => layer.init(key, inShape, { dtype }),
    apply: (params, x) => {
      const s = x.shape;
      if (s.length !== inShape.length || s.some((d, i) => i > 0 && d !== inShape[i])) {
        throw new ShapeError('model.apply', `input must be ${formatShape(['N', ...inShape.slice(1)] as never)}`, [s]);
      }
      return layer.apply(params, x as never) as AnyTensor;
    },
  };
}

