/**
 * The experiment as stages: plan (options → data, splits, jobs) → train and measure (one job per
 * (λ, seed), resumable, in this process or in worker processes) → assemble (results → report).
 * The command line only parses options and draws progress; tests and programs call this module.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeReport, type ReportJson } from '../report/index.ts';
import { assembleReport } from './assemble.ts';
import { ExperimentError } from './errors.ts';
import { makeDir, nonEmptyDir, removeEmptyDirs, removeStaleTemporaries, writeFileAtomic, ioError } from './files.ts';
import type { ExperimentData } from './data.ts';
import { parseResultFile, RESULT_FILE, runJob, type JobContext, type JobResult } from './job.ts';
import { defaultExperimentOptions, validateOptions, type ExperimentOptions } from './options.ts';
import { settingDifferences, shardJobs, type Plan } from './plan.ts';
import { planExperiment, type Environment } from './context.ts';
import type { ProgressSink } from './progress.ts';
import { interrupted } from './interrupt.ts';
import { runJobs, type FromWorker, type ToWorker } from './runner.ts';

export { defaultExperimentOptions, validateOptions, parseSeeds, parseShard, type ExperimentOptions, type Shard } from './options.ts';
export { ExperimentError, type ExperimentErrorCode } from './errors.ts';
export { silentProgress, type ProgressSink } from './progress.ts';
export type { JobResult } from './job.ts';
export type { WorkerLauncher } from './runner.ts';
export { mergeShards } from './merge.ts';
export { sampleReport, type SampleOptions } from './demo.ts';
export { planExperiment, type Environment } from './context.ts';
export { trainOne, explainCheckpoint, type TrainOneResult, type ExplainResult } from './single.ts';

export const PLAN_FILE = 'plan.json';
/** What this package writes into --out; --force replaces exactly these. */
const OWN_OUTPUTS = ['jobs', PLAN_FILE, 'report.json', 'report.html'];

export interface ExperimentResult {
  /** Null for a shard, whose results a merge assembles. */
  readonly report: ReportJson | null;
  readonly files: { readonly json: string; readonly html: string } | null;
  readonly results: readonly JobResult[];
}

/** Refuses a non-empty --out unless --resume or --force says what to do with it. */
async function prepareOut(o: ExperimentOptions): Promise<void> {
  if (nonEmptyDir(o.out) && !o.resume && !o.force) {
    throw new ExperimentError('usage', `${o.out} already holds files; pass --resume to continue the run in it, --force to replace its results, or another --out`);
  }
  if (o.force) for (const name of OWN_OUTPUTS) await fs.rm(join(o.out, name), { recursive: true, force: true }).catch((e) => Promise.reject(ioError('remove', join(o.out, name), e)));
  await makeDir(o.out);
  if (o.resume) await removeStaleTemporaries(o.out);
}

/** The plan recorded in --out: a resumed run must have the same settings and data. */
async function recordPlan(o: ExperimentOptions, plan: Plan): Promise<void> {
  const file = join(o.out, PLAN_FILE);
  if (existsSync(file)) {
    const theirs = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Plan>;
    if (theirs.fingerprint !== plan.fingerprint) {
      const differences = settingDifferences(plan.settings, theirs.settings ?? {});
      if (theirs.dataFingerprint !== plan.dataFingerprint) differences.unshift(`data: fingerprint ${theirs.dataFingerprint} there, ${plan.dataFingerprint} here`);
      throw new ExperimentError('mismatch', `${o.out} holds a run with other settings (${differences.join('; ')}); rerun with its options, or use --force to replace it`);
    }
    return;
  }
  await writeFileAtomic(file, JSON.stringify({ settings: plan.settings, fingerprint: plan.fingerprint, dataFingerprint: plan.dataFingerprint, jobs: plan.jobs.map((j) => j.id) }, null, 2));
}

export async function runExperiment(options: Partial<ExperimentOptions>, progress: ProgressSink, env: Environment): Promise<ExperimentResult> {
  const o: ExperimentOptions = { ...defaultExperimentOptions, ...options };
  validateOptions(o);
  const t0 = performance.now();
  const { data, plan } = planExperiment(o, env);
  const createdOut = !existsSync(o.out);
  const planFile = join(o.out, PLAN_FILE);
  const hadPlan = existsSync(planFile);
  await prepareOut(o);
  try {
    return await runPlanned(o, plan, data, progress, env, t0);
  } catch (e) {
    // A failed run keeps what it finished, never the empty folders (or the plan of nothing) it made on the way.
    if ((e as { code?: string }).code !== 'interrupted') {
      await removeEmptyDirs(o.out, createdOut);
      if (!hadPlan && !existsSync(join(o.out, 'jobs'))) {
        await fs.rm(planFile, { force: true });
        await removeEmptyDirs(o.out, createdOut);
      }
    }
    throw e;
  }
}

async function runPlanned(o: ExperimentOptions, plan: Plan, data: ExperimentData, progress: ProgressSink, env: Environment, t0: number): Promise<ExperimentResult> {
  await recordPlan(o, plan);
  const jobs = shardJobs(plan.jobs, o.shard);
  progress.log(
    `fgflow experiment: ${o.data ?? `phantom (${o.subjects} subjects, data seed ${o.dataSeed})`}, ${o.size}², λ ∈ {${o.lambdas.join(', ')}}, seeds ${o.seeds.join(',')}, ` +
      `${jobs.length} job${jobs.length === 1 ? '' : 's'}${o.shard ? ` (shard ${o.shard.index}/${o.shard.count} of ${plan.jobs.length})` : ''}, backend ${env.backend}`,
  );
  const context: JobContext = { options: o, plan, data, backend: env.backend, progress };
  const results = await runJobs({ context, jobs, parallel: o.jobs, ...(env.launchWorker ? { launchWorker: env.launchWorker } : {}) });
  if (o.shard) {
    progress.log(`shard ${o.shard.index}/${o.shard.count}: ${results.length} job results in ${join(o.out, 'jobs')}; assemble the report with fgflow report --merge DIR…`);
    return { report: null, files: null, results };
  }
  if (o.signal?.aborted) throw interrupted(o.out);
  const report = assembleReport({ settings: plan.settings, results, timing: timingOf(results, t0) });
  const files = await writeReportFiles(report, o.out);
  return { report, files, results };
}

export function timingOf(results: readonly JobResult[], t0: number): Record<string, number> {
  const timing: Record<string, number> = { totalSeconds: (performance.now() - t0) / 1000 };
  for (const r of results) timing[`train:${r.job.id}`] = r.run.trainSeconds;
  return timing;
}

export async function writeReportFiles(report: ReportJson, out: string): Promise<{ json: string; html: string }> {
  try {
    return await writeReport(report, out);
  } catch (e) {
    if (e instanceof ExperimentError) throw e;
    throw ioError('write the report into', out, e);
  }
}

/** The worker side of `--jobs K`: runs the jobs it is sent and reports back over IPC. */
export async function serveJobs(env: Omit<Environment, 'launchWorker'>, channel: { send(m: FromWorker): void; on(event: 'message', f: (m: ToWorker) => void): void }): Promise<void> {
  const controller = new AbortController();
  const run = await new Promise<Extract<ToWorker, { type: 'run' }>>((resolve) =>
    channel.on('message', (m) => {
      if (m.type === 'interrupt') controller.abort();
      else resolve(m);
    }),
  );
  const o: ExperimentOptions = { ...run.options, signal: controller.signal };
  const progress: ProgressSink = { start() {}, update() {}, stop: (s) => s && channel.send({ type: 'log', line: s }), log: (line) => channel.send({ type: 'log', line }) };
  const { data, plan } = planExperiment(o, env);
  const context: JobContext = { options: o, plan, data, backend: env.backend, progress };
  for (const id of run.jobs) {
    const job = plan.jobs.find((j) => j.id === id);
    try {
      if (!job) throw new ExperimentError('plan', `the worker's plan has no job ${id}`);
      if (controller.signal.aborted) throw interrupted(o.out);
      channel.send({ type: 'result', job: id, result: await runJob(context, job) });
    } catch (e) {
      channel.send({ type: 'failed', job: id, code: (e as { code?: string }).code ?? 'error', message: e instanceof Error ? e.message : String(e) });
      if ((e as { code?: string }).code === 'interrupted') break;
    }
  }
  channel.send({ type: 'done' });
}

export { parseResultFile, RESULT_FILE };
