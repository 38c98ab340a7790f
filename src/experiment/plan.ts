/**
 * The plan: which (λ, seed) jobs an experiment runs, the settings every job depends on, and the
 * fingerprint that ties a result, a checkpoint or a shard to them. Two runs with the same
 * fingerprint compute the same numbers, so a shard, a resumed run or a merge may combine them;
 * different fingerprints are refused with the settings that differ.
 */
import { createHash } from 'node:crypto';
import { ExperimentError } from './errors.ts';
import { defaultExperimentOptions, type ExperimentOptions, type Shard } from './options.ts';

/** A model of the sweep (no reward, or one of the rewards), or the sanity check's model trained on shuffled labels. */
export type JobKind = 'none' | 'pointwise' | 'span' | 'shuffled-labels';

export interface Job {
  /** e.g. 'baseline-seed0', 'pointwise-λ0.1-seed3'; unique in a plan, used as a folder name. */
  readonly id: string;
  /** The model's name in the report (the same for every seed). */
  readonly model: string;
  readonly lambda: number;
  readonly kind: JobKind;
  readonly seed: number;
  /** The features of the reward when it leaves one out (the reward ablation); absent: all of them. */
  readonly rewardFeatures?: readonly string[];
  /** Whether this job draws the report's example images (the first seed's baseline and largest λ). */
  readonly examples: boolean;
  /** What this job's numbers depend on: the settings other jobs share, the data, its λ and seed. */
  readonly fingerprint: string;
}

/** What the numbers of a job depend on: every option except where results go and how jobs are run. */
export type PlanSettings = Readonly<Record<string, unknown>>;

export interface Plan {
  readonly settings: PlanSettings;
  /** sha256 of the settings and the data fingerprint. */
  readonly fingerprint: string;
  readonly dataFingerprint: string;
  /** Every job of the experiment, seed by seed; a shard runs a subset of them. */
  readonly jobs: readonly Job[];
}

const RUN_ONLY: readonly (keyof ExperimentOptions)[] = ['out', 'jobs', 'shard', 'resume', 'force', 'signal', 'recovery', 'budgetMinutes'];

export function modelName(lambda: number, kind: 'pointwise' | 'span'): string {
  return lambda === 0 ? 'baseline' : `${kind}-λ${lambda}`;
}

/** The settings a job's numbers depend on, as plain JSON (data named, numerics of the backend included). */
export function planSettings(o: ExperimentOptions, numerics: string): PlanSettings {
  const settings: Record<string, unknown> = { data: o.data ?? 'phantom' };
  for (const [k, v] of Object.entries(o)) if (!RUN_ONLY.includes(k as keyof ExperimentOptions) && k !== 'data' && v !== undefined) settings[k] = v;
  settings.numerics = numerics;
  return settings;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(canonical(parts)).digest('hex').slice(0, 32);
}

/** The settings one job depends on: all but the lists of other seeds and λ, and which other jobs the plan holds. */
export function jobSettings(settings: PlanSettings): PlanSettings {
  const { seeds: _seeds, lambdas: _lambdas, sanity: _sanity, ablateReward: _ablate, ...rest } = settings;
  return rest;
}

/** The largest λ of the sweep: the one the reward ablation retrains without each feature. */
export function ablatedLambda(o: Pick<ExperimentOptions, 'lambdas'>): number {
  return Math.max(...o.lambdas);
}

/** The jobs of one seed: the sweep, then the sanity check's shuffled-label model, then the reward ablation. */
function seedJobs(o: ExperimentOptions, seed: number): Omit<Job, 'fingerprint'>[] {
  const drawn = new Set([o.lambdas[0], o.lambdas[o.lambdas.length - 1]]);
  const jobs: Omit<Job, 'fingerprint'>[] = o.lambdas.map((lambda) => {
    const model = modelName(lambda, o.reward);
    return { id: `${model}-seed${seed}`, model, lambda, kind: lambda === 0 ? 'none' : o.reward, seed, examples: o.examples > 0 && seed === o.seeds[0] && drawn.has(lambda) };
  });
  if (o.sanity) jobs.push({ id: `shuffled-labels-seed${seed}`, model: 'shuffled-labels', lambda: 0, kind: 'shuffled-labels', seed, examples: false });
  const lambda = ablatedLambda(o);
  if (o.ablateReward && lambda > 0) {
    for (const drop of o.features) {
      const model = `${modelName(lambda, o.reward)}-without-${drop}`;
      jobs.push({ id: `${model}-seed${seed}`, model, lambda, kind: o.reward, seed, examples: false, rewardFeatures: o.features.filter((f) => f !== drop) });
    }
  }
  return jobs;
}

/** The jobs (without fingerprints) a plan's settings call for: what a merge must find. */
export function expectedJobs(settings: PlanSettings): Omit<Job, 'fingerprint'>[] {
  const o = { ...defaultExperimentOptions, ...settings } as ExperimentOptions;
  return o.seeds.flatMap((seed) => seedJobs(o, seed));
}

export function makePlan(o: ExperimentOptions, dataFingerprint: string, numerics: string): Plan {
  const settings = planSettings(o, numerics);
  const shared = jobSettings(settings);
  const jobs: Job[] = o.seeds.flatMap((seed) =>
    seedJobs(o, seed).map((j) => ({ ...j, fingerprint: fingerprint(shared, dataFingerprint, j.lambda, j.seed, j.examples, j.kind, j.rewardFeatures ?? null) })),
  );
  return { settings, dataFingerprint, fingerprint: fingerprint(settings, dataFingerprint), jobs };
}

/** The jobs of shard i of n: every n-th job from the (i−1)-th, so each shard gets a mix of λ. */
export function shardJobs(jobs: readonly Job[], shard: Shard | undefined): Job[] {
  if (!shard) return [...jobs];
  if (shard.index > shard.count) throw new ExperimentError('usage', `--shard ${shard.index}/${shard.count}: i must lie in 1..n`);
  return jobs.filter((_, k) => k % shard.count === shard.index - 1);
}

/** Setting names whose values differ between two runs' settings, each with both values. */
export function settingDifferences(mine: PlanSettings, theirs: PlanSettings): string[] {
  const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].sort();
  return keys.filter((k) => canonical(mine[k]) !== canonical(theirs[k])).map((k) => `${k}: ${canonical(theirs[k])} there, ${canonical(mine[k])} here`);
}
