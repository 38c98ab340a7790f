/**
 * Second order, for every case of every differentiable primitive: each composition of forward and reverse
 * mode against central differences of the AD derivative one order lower.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkSecondOrder, probe } from '../support/derivatives.ts';
import { DIFFERENTIABLE_CASES } from '../support/primitive-cases.ts';
import { RUNS, SEED } from '../support/tolerance.ts';

describe('second-order derivatives', () => {
  for (const c of DIFFERENTIABLE_CASES) {
    it(c.label, () => {
      fc.assert(
        fc.property(probe(c), (p) => checkSecondOrder(c, p)),
        { seed: SEED, numRuns: RUNS.second },
      );
    });
  }
});
