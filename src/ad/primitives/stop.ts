import type { Tensor } from '../../tensor/tensor.ts';
import type { DType, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';

/** The identity, seen by every transform as a constant: no derivative flows through it. */
export const stopGradientPrim = definePrimitive<void>({
  name: 'stopGradient',
  shapeRule: ([x]) => x!,
  impl: ([x]) => x!,
});

export function stopGradient<S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<S, D> {
  return bind(stopGradientPrim, [x], undefined) as Tensor<S, D>;
}
