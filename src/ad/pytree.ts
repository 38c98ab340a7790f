/**
 * Pytrees: nested arrays and plain records whose leaves are tensors. Transforms flatten their
 * arguments to leaves, work on the leaves, and rebuild results of the same structure.
 */
import { FgflowError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';

export type Pytree = Tensor | readonly Pytree[] | { readonly [key: string]: Pytree };

export class PytreeError extends FgflowError {
  constructor(
    readonly op: string,
    message: string,
    readonly path?: string,
  ) {
    super('pytree', `${op}: ${message}${path !== undefined ? ` at ${path || '(root)'}` : ''}`);
  }
}

/** The structure of a pytree without its leaves. */
export type TreeDef = { kind: 'leaf' } | { kind: 'array'; children: TreeDef[] } | { kind: 'record'; keys: string[]; children: TreeDef[] };

function isPlainRecord(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Flattens a pytree; any leaf that is not a tensor is a PytreeError naming its path. */
export function flatten(tree: unknown, op = 'flatten'): { leaves: Tensor[]; def: TreeDef } {
  const leaves: Tensor[] = [];
  const walk = (node: unknown, path: string): TreeDef => {
    if (node instanceof Tensor) {
      leaves.push(node);
      return { kind: 'leaf' };
    }
    if (Array.isArray(node)) return { kind: 'array', children: node.map((c, i) => walk(c, `${path}[${i}]`)) };
    if (isPlainRecord(node)) {
      const keys = Object.keys(node).sort();
      return { kind: 'record', keys, children: keys.map((k) => walk(node[k], path ? `${path}.${k}` : k)) };
    }
    const what = typeof node === 'number' ? `the number ${node} (wrap it with scalar(...) to differentiate it)` : node === null ? 'null' : typeof node;
    throw new PytreeError(op, `leaf is ${what}, not a tensor`, path);
  };
  const def = walk(tree, '');
  return { leaves, def };
}

export function unflatten<T = Pytree>(def: TreeDef, leaves: readonly unknown[]): T {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[i++];
      case 'array':
        return d.children.map(build);
      case 'record': {
        const out: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (out[k] = build(d.children[j]!)));
        return out;
      }
    }
  };
  const out = build(def) as T;
  if (i !== leaves.length) throw new PytreeError('unflatten', `structure has ${i} leaves but ${leaves.length} were given`);
  return out;
}

export function sameStructure(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'leaf') return true;
  if (a.kind === 'array' && b.kind === 'array') return a.children.length === b.children.length && a.children.every((c, i) => sameStructure(c, b.children[i]!));
  if (a.kind === 'record' && b.kind === 'record')
    return a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i]) && a.children.every((c, i) => sameStructure(c, b.children[i]!));
  return false;
}

export function describe(def: TreeDef): string {
  switch (def.kind) {
    case 'leaf':
      return 'tensor';
    case 'array':
      return `[${def.children.map(describe).join(', ')}]`;
    case 'record':
      return `{${def.keys.map((k, i) => `${k}: ${describe(def.children[i]!)}`).join(', ')}}`;
  }
}

/** Applies `fn` to every leaf, keeping the structure. */
export function treeMap<T>(tree: T, fn: (leaf: Tensor, index: number) => Tensor): T {
  const { leaves, def } = flatten(tree, 'treeMap');
  return unflatten<T>(def, leaves.map(fn));
}

/** Applies `fn` leafwise to several trees of one structure (a PytreeError if they differ). */
export function treeZip<T>(trees: readonly T[], fn: (leaves: Tensor[], index: number) => Tensor, op = 'treeZip'): T {
  const flat = trees.map((t) => flatten(t, op));
  const def = flat[0]!.def;
  for (const f of flat) {
    if (!sameStructure(def, f.def)) throw new PytreeError(op, `structures differ: ${describe(def)} vs ${describe(f.def)}`);
  }
  return unflatten<T>(def, flat[0]!.leaves.map((_, i) => fn(flat.map((f) => f.leaves[i]!), i)));
}

export function treeLeaves(tree: unknown): Tensor[] {
  return flatten(tree, 'treeLeaves').leaves;
}
