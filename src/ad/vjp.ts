/**
 * Reverse mode: a trace that records, for each operation on its tracers, a node with the
 * operands' primals and parent nodes. The pullback walks the nodes in reverse creation order
 * (a topological order) calling each primitive's vjp rule. Rules are differentiable ops, so a
 * pullback run under an outer trace is itself traced: that is how gradients nest.
 */
import { ShapeError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { sameShape } from '../tensor/shape.ts';
import { bind, primalFor, Trace, type AdPayload, type Primitive } from './core.ts';
import { add } from './primitives/binary.ts';
// The interpreters read the rules off the primitives, so loading them loads the rule table.
import './rules.ts';

export class Node {
  private static nextId = 0;
  readonly id = Node.nextId++;
  constructor(
    readonly prim: Primitive | null,
    readonly params: unknown,
    readonly primals: readonly Tensor[],
    readonly out: Tensor,
    readonly parents: readonly (Node | null)[],
  ) {}
}

interface VjpPayload extends AdPayload {
  readonly node: Node;
}

export class VjpTrace extends Trace {
  nodeOf(x: Tensor): Node | null {
    const p = x.tracer as VjpPayload | undefined;
    return p && p.trace === this ? p.node : null;
  }

  /** A leaf of this trace: an input the pullback returns a cotangent for. */
  leaf(primal: Tensor): Tensor {
    return this.wrap(primal, new Node(null, undefined, [], primal, []));
  }

  private wrap(primal: Tensor, node: Node): Tensor {
    const payload: VjpPayload = { trace: this, primal, node };
    return Tensor.traced(primal.shape, primal.dtype, payload);
  }

  process<P>(prim: Primitive<P>, args: readonly Tensor[], params: P): Tensor {
    const primals = args.map((a) => primalFor(a, this));
    const parents = args.map((a) => this.nodeOf(a));
    const out = bind(prim, primals, params);
    if (!prim.vjp || parents.every((p) => p === null)) return out;
    return this.wrap(out, new Node(prim as Primitive, params, primals, out, parents));
  }
}

/**
 * Cotangents of `leaves` given the cotangent of `output` (a tracer of the trace, or a constant,
 * whose cotangents are all zero: returned as null).
 */
export function backward(trace: VjpTrace, output: Tensor, cotangent: Tensor, leaves: readonly Tensor[]): (Tensor | null)[] {
  if (!sameShape(output.shape, cotangent.shape) || output.dtype !== cotangent.dtype)
    throw new ShapeError('vjp', `cotangent must match the output's shape and dtype (${output.dtype} vs ${cotangent.dtype})`, [output.shape, cotangent.shape]);
  const root = trace.nodeOf(output);
  const leafNodes = leaves.map((l) => trace.nodeOf(l));
  if (!root) return leaves.map(() => null);
  // Collect the nodes reachable from the output; ids increase in creation order.
  const reachable = new Map<number, Node>();
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (reachable.has(n.id)) continue;
    reachable.set(n.id, n);
    for (const p of n.parents) if (p && !reachable.has(p.id)) stack.push(p);
  }
  const order = [...reachable.values()].sort((a, b) => b.id - a.id);
  const cts = new Map<Node, Tensor>([[root, cotangent]]);
  for (const node of order) {
    const ct = cts.get(node);
    if (!ct || !node.prim) continue;
    cts.delete(node);
    const needs = node.parents.map((p) => p !== null);
    const grads = node.prim.vjp!(ct, node.primals, node.params, node.out, needs);
    node.parents.forEach((p, i) => {
      const g = grads[i];
      if (!p || !g) return;
      const prev = cts.get(p);
      cts.set(p, prev ? add(prev, g) : g);
    });
  }
  return leafNodes.map((n) => (n ? (cts.get(n) ?? null) : null));
}
