/** The jobs' results grouped by model, each in seed order, checked against what the plan's settings call for. */
import { ExperimentError } from './errors.ts';
import type { JobResult } from './job.ts';
import type { ModelResult } from '../report/schema.ts';
import { expectedJobs, type JobKind, type PlanSettings } from './plan.ts';

export interface ModelGroup {
  readonly name: string;
  readonly lambda: number;
  readonly kind: JobKind;
  readonly rewardFeatures?: readonly string[];
  /** In the order of the seeds. */
  readonly results: JobResult[];
}

/** Each model's results in seed order, for every model the settings call for; names a missing (model, λ, seed). */
export function resultsByModel(settings: PlanSettings, results: readonly JobResult[]): { seeds: number[]; groups: ModelGroup[] } {
  const seeds = settings.seeds as number[];
  const expected = expectedJobs(settings);
  const index = new Map(results.map((r) => [r.job.id, r]));
  const missing = expected.filter((j) => !index.has(j.id)).map((j) => (j.kind === 'shuffled-labels' || j.rewardFeatures ? `(${j.model}, seed ${j.seed})` : `(λ ${j.lambda}, seed ${j.seed})`));
  if (missing.length) throw new ExperimentError('incomplete', `the results lack ${missing.length} job${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`);
  const groups = new Map<string, ModelGroup>();
  for (const j of expected) {
    const g = groups.get(j.model) ?? { name: j.model, lambda: j.lambda, kind: j.kind, ...(j.rewardFeatures ? { rewardFeatures: j.rewardFeatures } : {}), results: [] };
    g.results.push(index.get(j.id)!);
    groups.set(j.model, g);
  }
  return { seeds, groups: [...groups.values()] };
}

export const isSweep = (g: ModelGroup): g is ModelGroup & { kind: ModelResult['kind'] } => g.kind !== 'shuffled-labels' && !g.rewardFeatures;

