/** The worker side of `--jobs K`: a child process that runs the jobs its parent sends it. */
import { planExperiment, type Environment } from './context.ts';
import { ExperimentError } from './errors.ts';
import { interrupted } from './interrupt.ts';
import { runJob, type JobContext } from './job.ts';
import type { ExperimentOptions } from './options.ts';
import type { ProgressSink } from './progress.ts';
import type { FromWorker, ToWorker } from './runner.ts';

/** Runs the jobs it is sent and reports back over IPC. */
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

