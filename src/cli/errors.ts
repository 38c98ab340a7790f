import { FgflowError } from '../errors.ts';

/** A problem with how the command was called or with its inputs; the CLI prints it without a stack trace. */
export class CliError extends FgflowError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}
