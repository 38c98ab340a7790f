/** Mutation fuzzing shared by the loaders' fuzz tests: seeded byte-level mutations and the outcome checks. */
import { expect } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { DataError } from '../../src/data/errors.ts';

export const RUNS = 1000;
export const MAX_MS = 2000;

type Op =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'set'; pos: number; byte: number }
  | { kind: 'truncate'; frac: number }
  | { kind: 'insert'; pos: number; bytes: number[] }
  | { kind: 'delete'; pos: number; len: number };

// positions: half the time in the first 600 bytes (headers), otherwise anywhere
const posArb = fc.oneof(fc.nat({ max: 600 }), fc.nat());
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), pos: posArb, bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), pos: posArb, byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('insert' as const), pos: posArb, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pos: posArb, len: fc.integer({ min: 1, max: 64 }) }) },
);
export const opsArb = fc.array(opArb, { minLength: 1, maxLength: 6 });

export const mutate = (src: Uint8Array, ops: readonly Op[]): Uint8Array => {
  let b = Uint8Array.from(src);
  for (const op of ops) {
    const n = b.length;
    if (n === 0 && op.kind !== 'insert') continue;
    switch (op.kind) {
      case 'flip':
        b[op.pos % n] = (b[op.pos % n] as number) ^ (1 << op.bit);
        break;
      case 'set':
        b[op.pos % n] = op.byte;
        break;
      case 'truncate':
        b = b.slice(0, Math.floor(op.frac * n));
        break;
      case 'insert': {
        const p = n === 0 ? 0 : op.pos % (n + 1);
        const out = new Uint8Array(n + op.bytes.length);
        out.set(b.subarray(0, p));
        out.set(op.bytes, p);
        out.set(b.subarray(p), p + op.bytes.length);
        b = out;
        break;
      }
      case 'delete': {
        const p = op.pos % n;
        const removed = Math.min(op.len, n - p);
        const out = new Uint8Array(n - removed);
        out.set(b.subarray(0, p));
        out.set(b.subarray(p + removed), p);
        b = out;
        break;
      }
    }
  }
  return b;
};

export interface Tally {
  ok: number;
  codes: Record<string, number>;
  maxMs: number;
}

/**
 * Run `decode` on RUNS mutations of the given valid inputs; check each outcome: a valid value, or a
 * Left holding a typed error (a DataError unless `typed` says otherwise) with a message.
 */
export const fuzz = <T, L = DataError>(
  name: string,
  bases: readonly Uint8Array[],
  decode: (b: Uint8Array) => E.Either<L, T>,
  valid: (t: T) => boolean,
  seed: number,
  typed: (e: unknown) => e is L & { code: string; message: string } = ((e: unknown) => e instanceof DataError) as never,
): Tally => {
  const tally: Tally = { ok: 0, codes: {}, maxMs: 0 };
  // sanity: every unmutated base decodes
  for (const b of bases) {
    const r = decode(b);
    if (E.isLeft(r)) throw new Error(`${name}: base input does not decode: ${String((r.left as { message?: unknown }).message)}`);
  }
  fc.assert(
    fc.property(fc.nat({ max: bases.length - 1 }), opsArb, (which, ops) => {
      const input = mutate(bases[which] as Uint8Array, ops);
      const t0 = performance.now();
      let r: E.Either<L, T>;
      try {
        r = decode(input);
      } catch (e) {
        throw new Error(`${name}: threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)} instead of returning a DataError`);
      }
      const ms = performance.now() - t0;
      tally.maxMs = Math.max(tally.maxMs, ms);
      if (ms > MAX_MS) throw new Error(`${name}: a call took ${ms.toFixed(0)} ms`);
      if (E.isLeft(r)) {
        const left: unknown = r.left;
        if (!typed(left)) throw new Error(`${name}: Left is not a typed error`);
        if (left.message.length === 0) throw new Error(`${name}: empty error message`);
        tally.codes[left.code] = (tally.codes[left.code] ?? 0) + 1;
      } else {
        if (!valid(r.right)) throw new Error(`${name}: invalid Right value`);
        tally.ok++;
      }
    }),
    { seed, numRuns: RUNS, endOnFailure: true },
  );
  return tally;
};

export const report = (name: string, t: Tally): void => {
  // eslint-disable-next-line no-console
  console.log(`[fuzz] ${name}: ${RUNS} mutations, ${t.ok} decoded, errors ${JSON.stringify(t.codes)}, slowest ${t.maxMs.toFixed(1)} ms`);
  expect(t.ok + Object.values(t.codes).reduce((a, b) => a + b, 0)).toBe(RUNS);
};

