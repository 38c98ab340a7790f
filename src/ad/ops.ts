/** Every differentiable operation of the DSL, in one namespace. */
export * from './primitives/unary.ts';
export {
  add, sub, mul, div, pow, maximum, minimum, greater, greaterEqual, less, lessEqual, equal, notEqual, where,
} from './primitives/binary.ts';
export { sum, max, broadcastTo, type ReduceOptions, type Reduction, type AxesArg } from './primitives/reduce.ts';
export { reshape, transpose, flip, slice, pad, concat, astype, flattenBatch } from './primitives/layout.ts';
export { matmul, matmulT, type MatmulOptions } from './primitives/matmul.ts';
export { conv2d, conv2dInputAdjoint, conv2dFilterAdjoint, convParams, type ConvParams, type Conv2dOptions } from './primitives/conv.ts';
export { avgPool2d, avgPool2dAdjoint, poolParams, type PoolParams, type AvgPool2dOptions } from './primitives/pool.ts';
export { maxPool2d, maxPool2dArgmax, maxPool2dRoute, maxPool2dRouteAdjoint, type MaxPool2dOptions } from './primitives/maxpool.ts';
export { stopGradient } from './primitives/stop.ts';
export { mean, unbroadcast, logSumExp, dot, norm2 } from './composite.ts';
