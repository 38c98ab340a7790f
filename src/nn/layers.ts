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
}

export type ParamsOf<L> = L extends Layer<infer P, ShapeFn> ? P : never;
export type ShapeFnOf<L> = L extends Layer<Pytree, infer F> ? F : never;
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
      const xt = x as AnyTensor;
      const w = expectParam(op, (params as { w?: unknown }).w, [o, xt.shape[1] ?? -1, k, k], 'w');
      const y = ops.conv2d(xt, w as never, { stride, padding }) as AnyTensor;
      if (!bias) return y as never;
      const b = expectParam(op, (params as { b?: unknown }).b, [o], 'b');
      return ops.add(y, ops.reshape(b, [1, o, 1, 1]) as never) as never;
    },
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

export type SequentialParams<Ls extends readonly unknown[]> = { -readonly [K in keyof Ls]: ParamsOf<Ls[K]> };

/** Layers applied left to right; params are a tuple with one entry per layer ({} for parameterless ones). */
export function sequential<const Ls extends readonly Layer<any, any>[]>(...layers: Ls): Layer<SequentialParams<Ls>, SequentialFn<Ls>> {
  const op = 'nn.sequential';
  if (layers.length === 0) throw new ArgumentError(op, 'needs at least one layer');
  const outputShape = (s: Shape): Shape => layers.reduce<Shape>((shape, l) => l.outputShape(shape) as Shape, s);
  return {
    kind: `sequential(${layers.map((l) => l.kind).join(', ')})`,
    init: (key, inShape, options) => {
      const keys = random.split(key, layers.length);
      let shape: Shape = inShape;
      return layers.map((l, i) => {
        const p = l.init(keys[i]!, shape, options);
        shape = l.outputShape(shape) as Shape;
        return p;
      }) as unknown as SequentialParams<Ls>;
    },
    outputShape: outputShape as never,
    apply: (params, x) => {
      const list = params as unknown as readonly Pytree[];
      if (!Array.isArray(list) || list.length !== layers.length) {
        throw new ArgumentError(op, `params must be an array with one entry per layer (${layers.length}), got ${Array.isArray(list) ? list.length : typeof list}`);
      }
      return layers.reduce<AnyTensor>((y, l, i) => l.apply(list[i]!, y as never) as AnyTensor, x as AnyTensor) as never;
    },
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

