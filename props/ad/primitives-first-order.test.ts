/**
 * First order, for every case of every differentiable primitive: jvp against central
 * differences, and vjp against jvp through ⟨u, J v⟩ = ⟨Jᵀu, v⟩.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkFirstOrder, probe } from '../support/derivatives.ts';
import { DIFFERENTIABLE_CASES } from '../support/primitive-cases.ts';
import { RUNS, SEED } from '../support/tolerance.ts';

describe('first-order derivatives of every primitive', () => {
  for (const c of DIFFERENTIABLE_CASES) {
    it(c.label, () => {
      fc.assert(
        fc.property(probe(c), (p) => checkFirstOrder(c, p)),
        { seed: SEED, numRuns: RUNS.first },
      );
    });
  }
});
