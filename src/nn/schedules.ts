/**
 * Learning-rate schedules (after optax's): JSON data, so an optimiser config that holds one stays
 * serialisable, and a pure function of the optimiser's step count, so a run resumed from a
 * checkpoint continues its schedule exactly. `count` is the number of updates applied before the
 * one being computed (0 for the first).
 */
import { ConfigError } from './errors.ts';

export type Schedule =
  | { readonly kind: 'constant'; readonly value: number }
  /** `from` (default 0) rising linearly to `peak` over `warmupSteps` updates, then `peak`. */
  | { readonly kind: 'linearWarmup'; readonly from?: number; readonly peak: number; readonly warmupSteps: number }
  /** `init` · ((1 − alpha)·½(1 + cos(π·min(count, decaySteps)/decaySteps)) + alpha); alpha defaults to 0. */
  | { readonly kind: 'cosineDecay'; readonly init: number; readonly decaySteps: number; readonly alpha?: number }
  /** Linear from `init` (default 0) to `peak` over `warmupSteps`, then cosine down to `end` (default 0) at `decaySteps` (counted from the start). */
  | { readonly kind: 'warmupCosine'; readonly init?: number; readonly peak: number; readonly warmupSteps: number; readonly decaySteps: number; readonly end?: number }
  /** `init`, multiplied by each boundary's `scale` from its `step` on (count ≥ step). */
  | { readonly kind: 'piecewise'; readonly init: number; readonly boundaries: readonly { readonly step: number; readonly scale: number }[] };

/** A fixed learning rate, or a schedule of the step count. */
export type LearningRate = number | Schedule;

function cosine(init: number, count: number, decaySteps: number, alpha: number): number {
  const t = Math.min(count, decaySteps);
  return init * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * t) / decaySteps)) + alpha);
}

/** The learning rate for the update that follows `count` applied ones. */
export function learningRateAt(lr: LearningRate, count: number): number {
  if (typeof lr === 'number') return lr;
  switch (lr.kind) {
    case 'constant':
      return lr.value;
    case 'linearWarmup': {
      const from = lr.from ?? 0;
      return from + ((lr.peak - from) * Math.min(count, lr.warmupSteps)) / lr.warmupSteps;
    }
    case 'cosineDecay':
      return cosine(lr.init, count, lr.decaySteps, lr.alpha ?? 0);
    case 'warmupCosine': {
      const init = lr.init ?? 0;
      if (count < lr.warmupSteps) return init + ((lr.peak - init) * count) / lr.warmupSteps;
      const alpha = lr.peak === 0 ? 0 : (lr.end ?? 0) / lr.peak;
      return cosine(lr.peak, count - lr.warmupSteps, lr.decaySteps - lr.warmupSteps, alpha);
    }
    case 'piecewise':
      return lr.boundaries.reduce((v, b) => (count >= b.step ? v * b.scale : v), lr.init);
  }
}

type Check = readonly [field: string, value: unknown, ok: (v: number) => boolean, rule: string];

const finite = (v: number) => Number.isFinite(v);
const positive = (v: number) => v > 0;
const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
const nonNegativeInt = (v: number) => Number.isInteger(v) && v >= 0;

const FIELDS: Readonly<Record<Schedule['kind'], readonly string[]>> = {
  constant: ['kind', 'value'],
  linearWarmup: ['kind', 'from', 'peak', 'warmupSteps'],
  cosineDecay: ['kind', 'init', 'decaySteps', 'alpha'],
  warmupCosine: ['kind', 'init', 'peak', 'warmupSteps', 'decaySteps', 'end'],
  piecewise: ['kind', 'init', 'boundaries'],
};

function checksOf(s: Schedule): Check[] {
  switch (s.kind) {
    case 'constant':
      return [['value', s.value, positive, 'a positive number']];
    case 'linearWarmup':
      return [['from', s.from ?? 0, (v) => v >= 0, 'non-negative'], ['peak', s.peak, positive, 'a positive number'], ['warmupSteps', s.warmupSteps, positiveInt, 'a positive integer']];
    case 'cosineDecay':
      return [['init', s.init, positive, 'a positive number'], ['decaySteps', s.decaySteps, positiveInt, 'a positive integer'], ['alpha', s.alpha ?? 0, (v) => v >= 0 && v <= 1, 'in [0, 1]']];
    case 'warmupCosine':
      return [
        ['init', s.init ?? 0, (v) => v >= 0, 'non-negative'], ['peak', s.peak, positive, 'a positive number'], ['end', s.end ?? 0, (v) => v >= 0, 'non-negative'],
        ['warmupSteps', s.warmupSteps, nonNegativeInt, 'a non-negative integer'], ['decaySteps', s.decaySteps, (v) => Number.isInteger(v) && v > (s.warmupSteps ?? 0), 'an integer above warmupSteps'],
      ];
    case 'piecewise': {
      const list = Array.isArray(s.boundaries) ? s.boundaries : [];
      const checks: Check[] = [['init', s.init, positive, 'a positive number']];
      list.forEach((b, i) => checks.push([`boundaries[${i}].step`, b?.step, nonNegativeInt, 'a non-negative integer'], [`boundaries[${i}].scale`, b?.scale, positive, 'a positive number']));
      return checks;
    }
  }
}

/** Every problem of a learning rate (a positive number or a schedule), prefixed by `field`. */
export function learningRateProblems(field: string, lr: unknown): string[] {
  if (typeof lr === 'number') return Number.isFinite(lr) && lr > 0 ? [] : [`${field} must be a positive number, got ${JSON.stringify(lr)}`];
  const s = lr as Schedule | null;
  if (s === null || typeof s !== 'object' || !(s.kind in FIELDS)) {
    return [`${field} must be a positive number or a schedule { kind: ${Object.keys(FIELDS).join(' | ')} }, got ${JSON.stringify(lr)}`];
  }
  const problems = Object.keys(s).filter((k) => !FIELDS[s.kind].includes(k)).map((k) => `${field}: unknown field "${k}" for a ${s.kind} schedule`);
  if (s.kind === 'piecewise' && !Array.isArray(s.boundaries)) problems.push(`${field}.boundaries must be an array of { step, scale }`);
  for (const [name, value, ok, rule] of checksOf(s)) {
    if (typeof value !== 'number' || !finite(value) || !ok(value)) problems.push(`${field}.${name} must be ${rule}, got ${JSON.stringify(value)}`);
  }
  return problems;
}

/** Checks a learning rate; a ConfigError lists every problem. */
export function checkLearningRate(what: string, lr: unknown): LearningRate {
  const problems = learningRateProblems('lr', lr);
  if (problems.length) throw new ConfigError(what, problems);
  return lr as LearningRate;
}
