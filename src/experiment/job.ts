/**
 * A job: one (λ, seed) model of the experiment, from its split to its result file. Each job has a
 * folder of its own under `<out>/jobs/` with its checkpoints and `result.json`; a job whose result
 * file matches its fingerprint is done, so a resumed or repeated run skips it, and a shard's jobs
 * can be merged with another shard's.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Example, ModelRun } from '../report/schema.ts';
import { ceilingsFor, type CeilingScore } from './ceiling.ts';
import { splitForSeed, subset, type ExperimentData, type SeedSplit } from './data.ts';
import { ExperimentError } from './errors.ts';
import { drawExamples } from './examples.ts';
import { ablate, measure, noiseSpanAlignment, randomise, summariseMeasurement } from './measure.ts';
import type { ExperimentOptions } from './options.ts';
import { jobSettings, settingDifferences, type Job, type Plan, type PlanSettings } from './plan.ts';
import { prefixed, type ProgressSink } from './progress.ts';
import { trainJob } from './train-job.ts';
import { CAUSE_FEATURE } from './cause-features.ts';
import { interrupted } from './interrupt.ts';
import { writeFileAtomic } from './files.ts';

export const RESULT_VERSION = 1;
export const RESULT_FILE = 'result.json';

/** What a finished job leaves in `<out>/jobs/<id>/result.json`. */
export interface JobResult {
  readonly version: typeof RESULT_VERSION;
  readonly job: Job;
  /** The whole plan's settings and fingerprint, so a merge can check that shards agree. */
  readonly planFingerprint: string;
  readonly settings: PlanSettings;
  readonly dataFingerprint: string;
  readonly data: JobData;
  readonly split: { readonly train: number; readonly validation: number; readonly test: number; readonly testPositives: number; readonly validationPositives: number };
  readonly run: ModelRun;
  /** The seed's ceilings (baseline jobs of data with a ground truth only). */
  readonly ceilings: readonly CeilingScore[];
  readonly examples: readonly Example[];
  readonly backend: string;
}

/** The dataset as the report describes it. */
export interface JobData {
  readonly name: string;
  readonly subjects: number;
  readonly positives: number;
  readonly groundTruth?: { readonly rule: string; readonly weights: Readonly<Record<string, number>>; readonly measuredBy?: Readonly<Record<string, string | null>> };
  readonly description?: string;
  /** Units of the extent-like features ('mm', or 'px' and why). */
  readonly units?: string;
}

export function describeData(data: ExperimentData): JobData {
  const ds = data.prepared.dataset;
  const gt = ds.groundTruth;
  return {
    name: ds.name,
    subjects: data.prepared.labels.length,
    positives: data.prepared.labels.filter((l) => l === 1).length,
    ...(ds.description ? { description: ds.description } : {}),
    units: data.prepared.units,
    ...(gt
      ? {
          groundTruth: {
            rule: `label = 1 for the ${gt.positives} highest scores of Σ w·z + ${gt.noise}·ε (z: standardised ${Object.keys(gt.weights).join(', ')}; hidden: ${gt.hidden.join(', ')})`,
            weights: { ...gt.weights },
            measuredBy: Object.fromEntries(Object.keys(gt.weights).map((v) => [v, CAUSE_FEATURE[v] ?? null])),
          },
        }
      : {}),
  };
}

/** The measure options with the data's pixel spacing, so the features are in mm where it is known. */
export function withSpacing<O extends object>(o: O, data: ExperimentData): O & { spacing?: readonly [number, number] } {
  return data.prepared.spacing ? { ...o, spacing: data.prepared.spacing } : o;
}

export function jobDir(out: string, job: Job): string {
  return join(out, 'jobs', job.id);
}

/** The job's result when its folder holds one for exactly this job; null when it has none yet. */
export async function readJobResult(out: string, job: Job, plan: Plan): Promise<JobResult | null> {
  const file = join(jobDir(out, job), RESULT_FILE);
  if (!existsSync(file)) return null;
  const result = await parseResultFile(file);
  if (result.job.fingerprint !== job.fingerprint) {
    const differences = settingDifferences(jobSettings(plan.settings), jobSettings(result.settings));
    if (result.dataFingerprint !== plan.dataFingerprint) differences.unshift(`data: fingerprint ${result.dataFingerprint} there, ${plan.dataFingerprint} here`);
    throw new ExperimentError('mismatch', `${file} holds a result made with other settings (${differences.join('; ') || 'another job'}); use another --out, or --force to replace it`);
  }
  return result;
}

export async function parseResultFile(file: string): Promise<JobResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new ExperimentError('io', `${file}: cannot read a job result (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const r = parsed as Partial<JobResult> | null;
  if (!r || r.version !== RESULT_VERSION || !r.job || !r.run || typeof r.planFingerprint !== 'string') {
    throw new ExperimentError('mismatch', `${file}: not an fgflow job result (version ${RESULT_VERSION})`);
  }
  return r as JobResult;
}

export interface JobContext {
  readonly options: ExperimentOptions;
  readonly plan: Plan;
  readonly data: ExperimentData;
  readonly backend: string;
  readonly progress: ProgressSink;
}

/** Lets a pending Ctrl-C reach its handler, then stops if it came: a finished training stays checkpointed, and --resume measures it. */
async function checkInterrupt(o: ExperimentOptions): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (o.signal?.aborted) throw interrupted(o.out);
}

export interface JobResultParts {
  readonly plan: Plan;
  readonly job: Job;
  readonly data: ExperimentData;
  readonly split: SeedSplit;
  readonly run: ModelRun;
  readonly examples: readonly Example[];
  readonly backend: string;
}

/** A measured model's result file: the run, with what a merge and the report need to place it. */
export function jobResult({ plan, job, data, split, run, examples, backend }: JobResultParts): JobResult {
  const positives = (idx: readonly number[]) => idx.filter((i) => data.prepared.labels[i] === 1).length;
  return {
    version: RESULT_VERSION,
    job,
    planFingerprint: plan.fingerprint,
    settings: plan.settings,
    dataFingerprint: plan.dataFingerprint,
    data: describeData(data),
    split: { train: split.train.length, validation: split.validation.length, test: split.test.length, testPositives: positives(split.test), validationPositives: positives(split.validation) },
    run,
    ceilings: job.lambda === 0 && job.kind === 'none' ? ceilingsFor(data.prepared.dataset, split) : [],
    examples,
    backend,
  };
}

export async function runJob(ctx: JobContext, job: Job): Promise<JobResult> {
  const { options: o, plan, data } = ctx;
  const done = await readJobResult(o.out, job, plan);
  if (done) return done;
  const progress = prefixed(ctx.progress, job.id);
  const dir = jobDir(o.out, job);
  await fs.mkdir(dir, { recursive: true });
  const split = splitForSeed(data.prepared.labels, job.seed, o);
  const trained = await trainJob({ options: o, plan, data, job, split, dir, progress });
  await checkInterrupt(o);
  const test = subset(data.prepared, split.test);
  const ids = split.test.map((i) => data.prepared.ids[i]!);
  const input = { model: trained.model, params: trained.params, test, ids, seed: job.seed, options: withSpacing(o, data), progress };
  const m = measure(input);
  await checkInterrupt(o);
  const ablation = ablate(input);
  const noiseSpan = noiseSpanAlignment(input);
  const randomisation = o.sanity && job.kind === 'none' ? randomise(input, (key) => trained.model.init(key)) : undefined;
  await checkInterrupt(o);
  const run: ModelRun = {
    seed: job.seed,
    ...summariseMeasurement(m, o),
    noiseSpanAlignment: noiseSpan,
    ...(ablation ? { ablation } : {}),
    ...(randomisation ? { randomisation } : {}),
    selectedEpoch: trained.selectedEpoch,
    history: trained.history.map((h) => ({
      epoch: h.epoch,
      trainLoss: h.trainLoss,
      trainBalancedAccuracy: h.train?.balancedAccuracy ?? 0,
      validationBalancedAccuracy: h.validation?.balancedAccuracy ?? 0,
      validationAuc: h.validation?.auc ?? null,
      validationLoss: h.validation?.bce ?? 0,
    })),
    trainSeconds: trained.seconds,
  };
  const examples = job.examples ? drawExamples({ model: trained.model, params: trained.params, modelName: job.model, seed: job.seed, test, ids, logits: m.logits, count: o.examples, options: withSpacing(o, data) }) : [];
  const result = jobResult({ plan, job, data, split, run, examples, backend: ctx.backend });
  await writeFileAtomic(join(dir, RESULT_FILE), JSON.stringify(result));
  return result;
}
