/**
 * The interp golden test: flows (every integrator, raw steps, a threshold, a starved bisection,
 * unfinished, non-finite and stalled paths), ∇f⊥, integrated gradients, SmoothGrad and the reward
 * with its cache give the numbers pinned in golden.json, computed before issue 16 part 5 split
 * these into parts, to the bit. A change here means a refactor changed what interp computes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goldenInterp } from './golden.ts';

const pinned = JSON.parse(readFileSync(new URL('./golden.json', import.meta.url), 'utf8')) as ReturnType<typeof goldenInterp>;

describe('interp golden: refactors keep every pinned number to the bit', () => {
  const run = goldenInterp();
  const current = JSON.parse(JSON.stringify(run)) as typeof pinned;
  for (const name of Object.keys(pinned.flows)) {
    it(`the ${name} flows: F, F_A, stop, length, steps, end values, issues and the whole path are unchanged`, () => {
      expect(current.flows[name]).toEqual(pinned.flows[name]);
    });
  }
  it('S, A, the remainder, the rank and ∇f⊥ of alignmentBatch are unchanged', () => expect(current.perp).toEqual(pinned.perp));
  it('integrated gradients (both rules, zero and image baselines) and their deltas are unchanged', () => expect(current.ig).toEqual(pinned.ig));
  it('SmoothGrad with the range-relative and a fixed σ is unchanged', () => expect(current.smooth).toEqual(pinned.smooth));
  it("the reward's value, its cached repeat and its parameter gradient are unchanged (pointwise and span)", () => expect(current.reward).toEqual(pinned.reward));
});
