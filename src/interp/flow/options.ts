/** Validation and defaults of the flow options, resolved once per call. */
import { ArgumentError } from '../../tensor/errors.ts';
import { resolveGradientOptions, type ResolvedOptions } from '../alignment.ts';
import { DEFAULTS } from '../defaults.ts';
import type { Image } from '../types.ts';
import { TABLEAUX, type Tableau } from './tableau.ts';
import type { FlowOptions, Integrator } from './types.ts';

export interface ResolvedFlowOptions extends ResolvedOptions {
  readonly threshold: number;
  readonly normalise: boolean;
  readonly integrator: Integrator;
  readonly tableau: Tableau;
  readonly stepSize: number | undefined;
  readonly maxSteps: number;
  readonly maxLength: number | undefined;
  readonly tolerance: number;
  readonly maxBisections: number;
  readonly returnPath: boolean;
  readonly includePartialPaths: boolean;
}

export function resolveFlowOptions(op: string, options: FlowOptions, dtype: Image['dtype']): ResolvedFlowOptions {
  const g = resolveGradientOptions(op, options, dtype);
  const threshold = options.threshold ?? DEFAULTS.threshold;
  const integrator = options.integrator ?? DEFAULTS.integrator;
  const maxSteps = options.maxSteps ?? DEFAULTS.maxSteps;
  const tolerance = options.tolerance ?? DEFAULTS.crossingTolerance;
  const maxBisections = options.maxBisections ?? DEFAULTS.maxBisections;
  if (!Number.isFinite(threshold)) throw new ArgumentError(op, `threshold must be finite, got ${threshold}`);
  if (!Object.hasOwn(TABLEAUX, integrator)) throw new ArgumentError(op, `integrator must be 'euler', 'heun' or 'rk4', got ${String(integrator)}`);
  if (options.stepSize !== undefined && !(options.stepSize > 0 && Number.isFinite(options.stepSize))) throw new ArgumentError(op, `stepSize must be positive, got ${options.stepSize}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 0) throw new ArgumentError(op, `maxSteps must be a non-negative integer, got ${maxSteps}`);
  if (options.maxLength !== undefined && !(options.maxLength >= 0)) throw new ArgumentError(op, `maxLength must be ≥ 0, got ${options.maxLength}`);
  if (!(tolerance > 0 && Number.isFinite(tolerance))) throw new ArgumentError(op, `tolerance must be positive, got ${tolerance}`);
  if (!Number.isInteger(maxBisections) || maxBisections < 0) throw new ArgumentError(op, `maxBisections must be a non-negative integer, got ${maxBisections}`);
  return {
    ...g,
    threshold,
    normalise: options.normalise ?? DEFAULTS.normalise,
    integrator,
    tableau: TABLEAUX[integrator],
    stepSize: options.stepSize,
    maxSteps,
    maxLength: options.maxLength,
    tolerance,
    maxBisections,
    returnPath: options.returnPath ?? false,
    includePartialPaths: options.includePartialPaths ?? DEFAULTS.includePartialPaths,
  };
}
