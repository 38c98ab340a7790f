/** What a run of the experiment stands on: its data and plan, and how the command line runs it. */
import { loadExperimentData, type ExperimentData } from './data.ts';
import type { ExperimentOptions } from './options.ts';
import { makePlan, type Plan } from './plan.ts';
import type { WorkerLauncher } from './runner.ts';

/** How the command line runs the experiment: the backend that runs, and how to start a worker. */
export interface Environment {
  /** What ran, in words (e.g. "cpu-threads, 2 threads"). */
  readonly backend: string;
  /** Backends that give the same bits share a class (cpu and cpu-threads: 'cpu'); results of different classes never mix. */
  readonly numerics: string;
  readonly launchWorker?: WorkerLauncher;
}

export function planExperiment(o: ExperimentOptions, env: Pick<Environment, 'numerics'>): { data: ExperimentData; plan: Plan } {
  const data = loadExperimentData(o);
  return { data, plan: makePlan(o, data.fingerprint, env.numerics) };
}

