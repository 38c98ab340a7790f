/**
 * Third order, for every case flagged `third` (elementwise nonlinearities, conv2d and its
 * adjoints, avgPool2d and its adjoint): compositions of forward and reverse mode against central differences of the AD derivative one order lower.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkThirdOrder, probe } from '../support/derivatives.ts';
import { DIFFERENTIABLE_CASES } from '../support/primitive-cases.ts';
import { RUNS, SEED } from '../support/tolerance.ts';

describe('third-order derivatives', () => {
  for (const c of DIFFERENTIABLE_CASES.filter((k) => k.third)) {
    it(c.label, () => {
      fc.assert(
        fc.property(probe(c), (p) => checkThirdOrder(c, p)),
        { seed: SEED, numRuns: RUNS.third },
      );
    });
  }
});
