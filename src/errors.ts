/**
 * The root of fgflow's error hierarchy. It sits below every layer (data included) so that
 * every error fgflow raises on purpose is an `FgflowError` with a stable `code`.
 */
export class FgflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
