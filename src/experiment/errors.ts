import { FgflowError } from '../errors.ts';

/**
 * Why an experiment cannot run or be assembled: bad options (`usage`), a plan that does not fit
 * (`plan`), shards or checkpoints that disagree with the run (`mismatch`), a missing job
 * (`incomplete`), statistics on unusable values (`statistics`), or the file system (`io`).
 * The message is one line that names the option, the file or the job.
 */
export type ExperimentErrorCode = 'usage' | 'plan' | 'mismatch' | 'incomplete' | 'statistics' | 'io' | 'interrupted';

export class ExperimentError extends FgflowError {
  constructor(
    override readonly code: ExperimentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
