/**
 * How long work reports its progress. The experiment calls a sink; the command line draws it
 * (bars on a terminal, lines in a log), tests and libraries pass `silentProgress` or their own.
 */
export interface ProgressSink {
  /** Starts a task of `total` units; `label` names it. */
  start(label: string, total: number, fields?: Record<string, string | number>): void;
  update(done: number, fields?: Record<string, string | number>): void;
  stop(summary?: string): void;
  log(line: string): void;
}

export const silentProgress: ProgressSink = { start() {}, update() {}, stop() {}, log() {} };

/** A sink whose task labels carry a prefix (e.g. the job), so parallel jobs stay readable. */
export function prefixed(sink: ProgressSink, prefix: string): ProgressSink {
  return {
    start: (label, total, fields) => sink.start(`${prefix} ${label}`, total, fields),
    update: (done, fields) => sink.update(done, fields),
    stop: (summary) => sink.stop(summary),
    log: (line) => sink.log(`${prefix}: ${line}`),
  };
}
