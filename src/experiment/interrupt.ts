import { ExperimentError } from './errors.ts';

/** The error an interrupted run stops with (exit code 130 on the command line); what finished is kept. */
export function interrupted(out: string): ExperimentError {
  return new ExperimentError('interrupted', `interrupted; finished jobs and checkpoints are in ${out} (rerun with --resume to continue)`);
}
