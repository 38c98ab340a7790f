/** Forward mode: a trace whose tracers carry (primal, tangent); null tangents are symbolic zeros. */
import { ShapeError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { sameShape } from '../tensor/shape.ts';
import { bind, primalFor, Trace, type AdPayload, type MaybeTensor, type Primitive } from './core.ts';
// The interpreters read the rules off the primitives, so loading them loads the rule table.
import './rules.ts';

interface JvpPayload extends AdPayload {
  readonly tangent: Tensor;
}

export class JvpTrace extends Trace {
  tangentOf(x: Tensor): MaybeTensor {
    const p = x.tracer as JvpPayload | undefined;
    return p && p.trace === this ? p.tangent : null;
  }

  lift(primal: Tensor, tangent: Tensor): Tensor {
    if (!sameShape(primal.shape, tangent.shape) || primal.dtype !== tangent.dtype)
      throw new ShapeError('jvp', `tangent must match its primal's shape and dtype (${primal.dtype} vs ${tangent.dtype})`, [primal.shape, tangent.shape]);
    const payload: JvpPayload = { trace: this, primal, tangent };
    return Tensor.traced(primal.shape, primal.dtype, payload);
  }

  process<P>(prim: Primitive<P>, args: readonly Tensor[], params: P): Tensor {
    const primals = args.map((a) => primalFor(a, this));
    const tangents = args.map((a) => this.tangentOf(a));
    const out = bind(prim, primals, params);
    if (!prim.jvp || tangents.every((t) => t === null)) return out;
    const tangent = prim.jvp(primals, tangents, params, out);
    return tangent ? this.lift(out, tangent) : out;
  }
}
