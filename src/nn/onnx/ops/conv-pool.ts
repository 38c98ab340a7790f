/**
 * Conv, MaxPool, AveragePool, GlobalAveragePool and BatchNormalization (inference) on NCHW
 * tensors. Geometry comes from ONNX's attributes (kernel_shape, strides, pads as [top, left,
 * bottom, right], auto_pad, ceil_mode) and is handed to fgflow's primitives directly: their
 * geometries already allow separate heights and widths and leading padding.
 */
import { add, concat, div, mean, mul, pad, reshape, slice, sqrt, sub, where } from '../../../ad/ops.ts';
import { bind } from '../../../ad/core.ts';
import { conv2dPrim, type ConvParams } from '../../../ad/primitives/conv.ts';
import { maxPool2dPrim } from '../../../ad/primitives/maxpool.ts';
import { avgPool2dPrim, type PoolParams } from '../../../ad/primitives/pool.ts';
import { allocate, Tensor } from '../../../tensor/tensor.ts';
import type { NodeContext, OpImplementation } from './values.ts';

interface Window {
  readonly kh: number;
  readonly kw: number;
  readonly strideH: number;
  readonly strideW: number;
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
  readonly outH: number;
  readonly outW: number;
}

function requireNchw(ctx: NodeContext, x: Tensor): [number, number, number, number] {
  if (x.shape.length !== 4) ctx.unsupported(`only 2-D images [N, C, H, W] are supported, got an input of shape [${x.shape.join(', ')}]`);
  return x.shape as readonly number[] as [number, number, number, number];
}

function pair(ctx: NodeContext, name: string, fallback: number): [number, number] {
  const v = ctx.ints(name) ?? [fallback, fallback];
  if (v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < 1)) ctx.fail(`${name} must be two positive integers, got [${v.join(', ')}]`);
  return [v[0]!, v[1]!];
}

/** Output size along one axis; ceil_mode adds the windows that start inside the (padded) input. */
function outSize(size: number, k: number, stride: number, before: number, after: number, ceil: boolean): number {
  const span = size + before + after - k;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch's and ONNX's rule: the last window must start inside the input or its leading padding.
  return ceil && (out - 1) * stride >= size + before ? out - 1 : out;
}

function windowOf(ctx: NodeContext, h: number, w: number, kernel: readonly [number, number]): Window {
  const dilations = ctx.ints('dilations');
  if (dilations && dilations.some((d) => d !== 1)) ctx.unsupported(`dilations [${dilations.join(', ')}] are not supported (only 1)`);
  const [kh, kw] = kernel;
  const [strideH, strideW] = pair(ctx, 'strides', 1);
  const ceil = ctx.int('ceil_mode', 0) === 1;
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  let pads: [number, number, number, number];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = (size: number, k: number, s: number) => Math.max(0, (Math.ceil(size / s) - 1) * s + k - size);
    const th = total(h, kh, strideH), tw = total(w, kw, strideW);
    const lead = (t: number) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2));
    pads = [lead(th), lead(tw), th - lead(th), tw - lead(tw)];
  } else if (autoPad === 'NOTSET' || autoPad === 'VALID') {
    const p = autoPad === 'VALID' ? [0, 0, 0, 0] : (ctx.ints('pads') ?? [0, 0, 0, 0]);
    if (p.length !== 4 || p.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`pads must be four non-negative integers [top, left, bottom, right], got [${p.join(', ')}]`);
    pads = [p[0]!, p[1]!, p[2]!, p[3]!];
  } else ctx.fail(`unknown auto_pad ${autoPad}`);
  const outH = outSize(h, kh, strideH, pads[0], pads[2], ceil);
  const outW = outSize(w, kw, strideW, pads[1], pads[3], ceil);
  if (outH < 1 || outW < 1) ctx.fail(`a ${kh}×${kw} window does not fit a ${h}×${w} input with pads [${pads.join(', ')}]`);
  return { kh, kw, strideH, strideW, pads, outH, outW };
}

/** The padding the output size implies after the input (ceil_mode may need more than `pads` gives, or less). */
function trailing(size: number, k: number, stride: number, before: number, out: number): number {
  return Math.max(0, (out - 1) * stride + k - size - before);
}

/** x padded on H and W with `fill` (the padding of a max pool is −∞: it never wins). */
function padImage(x: Tensor, g: Window, h: number, w: number, fill: number): Tensor {
  const [t, l] = g.pads;
  const b = trailing(h, g.kh, g.strideH, t, g.outH), r = trailing(w, g.kw, g.strideW, l, g.outW);
  if (t + l + b + r === 0) return x;
  const padded = pad(x as never, [[0, 0], [0, 0], [t, b], [l, r]] as never) as Tensor;
  if (fill === 0) return padded;
  const inside = pad(onesLike(x, [1, 1, h, w]) as never, [[0, 0], [0, 0], [t, b], [l, r]] as never) as Tensor;
  return where(inside, padded, fill as never) as Tensor;
}

function onesLike(x: Tensor, shape: readonly number[]): Tensor {
  const buf = allocate(x.dtype, shape.reduce((a, b) => a * b, 1));
  buf.fill(1);
  return Tensor.fromBuffer(shape, x.dtype, buf);
}

function poolParams(h: number, w: number, g: Window): PoolParams {
  return { h, w, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW, outH: g.outH, outW: g.outW };
}

function kernelShape(ctx: NodeContext): [number, number] {
  const k = ctx.ints('kernel_shape');
  if (!k) ctx.fail('kernel_shape is required');
  if (k.length !== 2) ctx.unsupported(`only 2-D pooling is supported, got kernel_shape [${k.join(', ')}]`);
  return pair(ctx, 'kernel_shape', 1);
}

const maxPool: OpImplementation = (ctx) => {
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') ctx.unsupported('the Indices output of MaxPool is not supported');
  const x = ctx.tensor(0);
  const [, , h, w] = requireNchw(ctx, x);
  const g = windowOf(ctx, h, w, kernelShape(ctx));
  const padded = padImage(x, g, h, w, -Infinity);
  const [, , ph, pw] = padded.shape as readonly number[] as [number, number, number, number];
  return [bind(maxPool2dPrim, [padded], poolParams(ph, pw, g))];
};

const averagePool: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  const [, , h, w] = requireNchw(ctx, x);
  const g = windowOf(ctx, h, w, kernelShape(ctx));
  const includePad = ctx.int('count_include_pad', 0) === 1;
  const padded = padImage(x, g, h, w, 0);
  const [, , ph, pw] = padded.shape as readonly number[] as [number, number, number, number];
  const p = poolParams(ph, pw, g);
  const averaged = bind(avgPool2dPrim, [padded], p);
  if (padded === x) return [averaged];
  // Divide by the share of each window that counts: the real pixels, or (count_include_pad) also the
  // declared padding, but never the extra windows' overhang that ceil_mode adds. A constant.
  const [t, l, b, r] = g.pads;
  const counted = includePad
    ? (pad(onesLike(x, [1, 1, Math.min(h + t + b, ph), Math.min(w + l + r, pw)]) as never, [[0, 0], [0, 0], [0, Math.max(0, ph - h - t - b)], [0, Math.max(0, pw - w - l - r)]] as never) as Tensor)
    : padImage(onesLike(x, [1, 1, h, w]), g, h, w, 0);
  return [div(averaged, bind(avgPool2dPrim, [counted], p)) as Tensor];
};

const globalAveragePool: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  requireNchw(ctx, x);
  return [mean(x as never, [2, 3], { keepDims: true }) as Tensor];
};

function convGroup(ctx: NodeContext, x: Tensor, w: Tensor, g: Window): Tensor {
  const [, c, h, wd] = requireNchw(ctx, x);
  if (w.shape[1] !== c) ctx.fail(`the filter has ${w.shape[1]} input channels per group but the input has ${c}`);
  // The kernel pads before the image by padTop/padLeft; after it, as far as the output size reaches.
  const p: ConvParams = { h, w: wd, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW, padTop: g.pads[0], padLeft: g.pads[1], outH: g.outH, outW: g.outW };
  return bind(conv2dPrim, [x, w], p);
}

const conv: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  const w = ctx.tensor(1);
  const [n, c, h, wd] = requireNchw(ctx, x);
  if (w.shape.length !== 4) ctx.unsupported(`only 2-D convolutions are supported, got a filter of shape [${w.shape.join(', ')}]`);
  const [o, , kh, kw] = w.shape as readonly number[] as [number, number, number, number];
  const groups = ctx.int('group', 1);
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0) ctx.fail(`group ${groups} does not divide ${c} input and ${o} output channels`);
  const g = windowOf(ctx, h, wd, [kh, kw]);
  const perIn = c / groups, perOut = o / groups;
  const parts = Array.from({ length: groups }, (_, k) =>
    groups === 1 ? convGroup(ctx, x, w, g) : convGroup(ctx, slice(x as never, [0, k * perIn, 0, 0], [n, perIn, h, wd] as never) as Tensor, slice(w as never, [k * perOut, 0, 0, 0], [perOut, perIn, kh, kw] as never) as Tensor, g),
  );
  const y = parts.length === 1 ? parts[0]! : (concat(parts as never, 1) as Tensor);
  const bias = ctx.optionalTensor(2);
  return [bias ? (add(y, reshape(bias, [1, o, 1, 1]) as never) as Tensor) : y];
};

const batchNormalization: OpImplementation = (ctx) => {
  if (ctx.int('training_mode', 0) !== 0 || ctx.node.outputs.filter((o) => o !== '').length > 1) ctx.unsupported('only inference-mode BatchNormalization (one output, running statistics) is supported');
  const x = ctx.tensor(0);
  if (x.shape.length < 2) ctx.fail(`the input must be [N, C, …], got [${x.shape.join(', ')}]`);
  const c = x.shape[1]!;
  const column = (t: Tensor) => reshape(t, [1, c, ...x.shape.slice(2).map(() => 1)]) as Tensor;
  const [scale, bias, mu, variance] = [1, 2, 3, 4].map((i) => column(ctx.tensor(i)));
  const inv = div(scale!, sqrt(add(variance!, ctx.float('epsilon', 1e-5)) as never) as never) as Tensor;
  return [add(mul(sub(x, mu! as never) as never, inv as never) as never, bias! as never) as Tensor];
};

export const CONV_POOL_OPS: Readonly<Record<string, OpImplementation>> = {
  Conv: conv,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  BatchNormalization: batchNormalization,
};
