/**
 * The job runner: runs a plan's jobs in this process one after another, or in K worker processes
 * at once (`--jobs K`). Jobs are independent and each writes its own result file, so the order
 * they finish in never changes a number, and a failed or interrupted run keeps every finished job.
 *
 * A worker is a child process started by the command line (the runner is told how, so that it
 * works from the compiled package and from the sources alike); it receives the options and a
 * list of job ids over IPC, runs them with `runJob`, and reports progress lines and results back.
 */
import type { ChildProcess } from 'node:child_process';
import { ExperimentError } from './errors.ts';
import { interrupted } from './interrupt.ts';
import { runJob, type JobContext, type JobResult } from './job.ts';
import type { ExperimentOptions } from './options.ts';
import type { Job } from './plan.ts';

/** Starts one worker process with an IPC channel (e.g. `fork(bin/fgflow.js, ['job-worker'])`). */
export type WorkerLauncher = () => ChildProcess;

/** What the parent sends a worker, and what a worker sends back. */
export type ToWorker = { readonly type: 'run'; readonly options: Omit<ExperimentOptions, 'signal'>; readonly jobs: readonly string[] } | { readonly type: 'interrupt' };
export type FromWorker =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'result'; readonly job: string; readonly result: JobResult }
  | { readonly type: 'failed'; readonly job: string; readonly code: string; readonly message: string }
  | { readonly type: 'done' };

export interface RunnerInput {
  readonly context: JobContext;
  readonly jobs: readonly Job[];
  readonly parallel: number;
  readonly launchWorker?: WorkerLauncher;
}

export async function runJobs({ context, jobs, parallel, launchWorker }: RunnerInput): Promise<JobResult[]> {
  if (parallel <= 1 || jobs.length <= 1) return runHere(context, jobs);
  if (!launchWorker) throw new ExperimentError('usage', '--jobs above 1 needs worker processes, which only the fgflow command can start; call runExperiment with jobs: 1');
  return runInWorkers(context, jobs, Math.min(parallel, jobs.length), launchWorker);
}

async function runHere(context: JobContext, jobs: readonly Job[]): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const job of jobs) {
    if (context.options.signal?.aborted) throw interrupted(context.options.out);
    results.push(await runJob(context, job));
  }
  return results;
}

/** Jobs dealt round-robin to K workers, each worker running its share in order. */
function deal(jobs: readonly Job[], k: number): Job[][] {
  const shares: Job[][] = Array.from({ length: k }, () => []);
  jobs.forEach((j, i) => shares[i % k]!.push(j));
  return shares;
}

async function runInWorkers(context: JobContext, jobs: readonly Job[], k: number, launch: WorkerLauncher): Promise<JobResult[]> {
  const { options, progress } = context;
  const { signal: _signal, ...plain } = options;
  const results = new Map<string, JobResult>();
  const failures: string[] = [];
  let wasInterrupted = false;
  progress.start(`jobs (${k} processes)`, jobs.length);
  const runShare = (share: Job[]) =>
    new Promise<void>((resolve) => {
      const child = launch();
      const onAbort = () => child.send({ type: 'interrupt' } satisfies ToWorker);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('message', (m: FromWorker) => {
        if (m.type === 'log') progress.log(m.line);
        else if (m.type === 'result') {
          results.set(m.job, m.result);
          progress.update(results.size);
        } else if (m.type === 'failed') {
          if (m.code === 'interrupted') wasInterrupted = true;
          else failures.push(`${m.job}: ${m.message}`);
        }
      });
      child.on('exit', (code, sig) => {
        options.signal?.removeEventListener('abort', onAbort);
        const missing = share.filter((j) => !results.has(j.id));
        if (missing.length && !wasInterrupted && failures.length === 0) failures.push(`a worker stopped (${sig ?? `exit ${code}`}) before finishing ${missing.map((j) => j.id).join(', ')}`);
        resolve();
      });
      child.send({ type: 'run', options: plain, jobs: share.map((j) => j.id) } satisfies ToWorker);
    });
  await Promise.all(deal(jobs, k).map(runShare));
  progress.stop(`${results.size} of ${jobs.length} jobs finished`);
  if (failures.length) throw new ExperimentError('plan', `${failures.length} job${failures.length === 1 ? '' : 's'} failed: ${failures.join('; ')}`);
  if (wasInterrupted || options.signal?.aborted) throw interrupted(options.out);
  return jobs.map((j) => results.get(j.id)!);
}
