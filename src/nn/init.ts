/**
 * Weight initialisers, pure functions of a key. Fans follow the usual conventions: a dense
 * weight [in, out] has fanIn = in, fanOut = out; a conv filter [O, C, KH, KW] has
 * fanIn = C·KH·KW and fanOut = O·KH·KW.
 */
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import * as random from '../tensor/random.ts';
import type { Key } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { formatShape, shapeSize, type DType, type Shape } from '../tensor/shape.ts';

export interface InitOptions<D extends DType = DType> {
  /** 'f32' (default) or 'f64' (gradient checks, reference runs). */
  readonly dtype?: D;
}

export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

export type Initializer = <const S extends Shape, D extends DType = 'f32'>(key: Key, shape: S, options?: InitOptions<D> & Partial<Fans>) => Tensor<S, D>;

/** Fans of a dense [in, out] or conv [O, C, KH, KW] weight. */
export function fansOf(shape: Shape): Fans {
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  if (shape.length === 4) {
    const receptive = shape[2]! * shape[3]!;
    return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
  }
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  throw new ShapeError('init', 'fans are defined for rank 1, 2 (dense [in, out]) or 4 (conv [O, C, KH, KW]) weights', [shape]);
}

function resolveFans(op: string, shape: Shape, options: Partial<Fans>): Fans {
  const base = options.fanIn !== undefined && options.fanOut !== undefined ? (options as Fans) : fansOf(shape);
  const fans = { fanIn: options.fanIn ?? base.fanIn, fanOut: options.fanOut ?? base.fanOut };
  if (!(fans.fanIn > 0) || !(fans.fanOut > 0) || shapeSize(shape) === 0) {
    throw new ArgumentError(op, `fans must be positive (fanIn ${fans.fanIn}, fanOut ${fans.fanOut}, shape ${formatShape(shape)})`);
  }
  return fans;
}

function makeInit(name: string, dist: 'normal' | 'uniform', scale: (f: Fans) => number): Initializer {
  return ((key: Key, shape: Shape, options: InitOptions & Partial<Fans> = {}) => {
    const fans = resolveFans(name, shape, options);
    const s = scale(fans);
    const dtype = options.dtype ?? 'f32';
    return dist === 'normal' ? random.normal(key, shape, { dtype, std: s }) : random.uniform(key, shape, { dtype, low: -s, high: s });
  }) as Initializer;
}

/** N(0, 2 / fanIn): keeps activations' scale through (E)LU layers. */
export const heNormal = makeInit('heNormal', 'normal', (f) => Math.sqrt(2 / f.fanIn));
/** U(−√(6 / fanIn), √(6 / fanIn)). */
export const heUniform = makeInit('heUniform', 'uniform', (f) => Math.sqrt(6 / f.fanIn));
/** N(0, 2 / (fanIn + fanOut)). */
export const glorotNormal = makeInit('glorotNormal', 'normal', (f) => Math.sqrt(2 / (f.fanIn + f.fanOut)));
/** U(−√(6 / (fanIn + fanOut)), √(6 / (fanIn + fanOut))). */
export const glorotUniform = makeInit('glorotUniform', 'uniform', (f) => Math.sqrt(6 / (f.fanIn + f.fanOut)));

export const initializers = { heNormal, heUniform, glorotNormal, glorotUniform } as const;
export type InitializerName = keyof typeof initializers;

export function checkDType(op: string, dtype: unknown): DType {
  if (dtype !== 'f32' && dtype !== 'f64') throw new ArgumentError(op, `dtype must be 'f32' or 'f64', got ${String(dtype)}`);
  return dtype;
}
