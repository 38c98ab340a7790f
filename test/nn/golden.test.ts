/**
 * The golden test: a tiny default-style experiment (see golden.ts) gives the numbers pinned in
 * golden.json, computed before the refactors of issue 16, to the bit: losses, metrics, S and A as
 * exact doubles, and CRC-32s of the final params and optimiser state. A change here means a
 * refactor changed what the library computes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_KINDS, GOLDEN_SEEDS, goldenRun, type GoldenRun } from './golden.ts';

const pinned = JSON.parse(readFileSync(new URL('./golden.json', import.meta.url), 'utf8')) as Record<string, GoldenRun>;

describe('golden: a tiny phantom experiment keeps its per-seed numbers to the bit', () => {
  for (const seed of GOLDEN_SEEDS) {
    for (const kind of GOLDEN_KINDS) {
      it(`${kind}, seed ${seed}: losses, metrics, S, A and the final params' checksum are unchanged`, async () => {
        const run = await goldenRun(seed, kind);
        // Through JSON, as pinned: doubles survive the round trip exactly, undefined fields drop out.
        expect(JSON.parse(JSON.stringify(run))).toEqual(pinned[`${kind}/${seed}`]);
      });
    }
  }

  it('the pinned runs differ from each other (the reward and the seed both change the result)', () => {
    const crcs = Object.values(pinned).map((r) => r.paramsCrc);
    expect(new Set(crcs).size).toBe(GOLDEN_SEEDS.length * GOLDEN_KINDS.length);
  });
});
