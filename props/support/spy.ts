/**
 * A kernel backend that records which primitives are evaluated and otherwise runs each
 * primitive's own CPU kernel: a way to see, through the public registry, what a computation
 * really binds (coverage) and what it skips (symbolic zeros).
 */
import { primitives, withBackend } from '../../src/index.ts';
import { registerKernel, unregisterBackend } from '../../src/backend/registry.ts';

const BACKEND = 'props-spy';

/** Runs fn with the spy backend and returns its result with the multiset of evaluated primitives. */
export function spy<R>(fn: () => R): { result: R; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  for (const [name, prim] of primitives()) {
    registerKernel(BACKEND, prim, (args, params, aval) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return prim.impl(args, params, aval);
    });
  }
  try {
    return { result: withBackend(BACKEND, fn), counts };
  } finally {
    unregisterBackend(BACKEND);
  }
}
