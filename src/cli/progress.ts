/**
 * Progress reporting for long work: cli-progress bars on a TTY, one plain line per
 * milestone otherwise (CI logs, pipes), and nothing at all with --quiet or --json.
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../experiment/progress.ts';

export type { ProgressSink };

export type ProgressMode = 'bar' | 'lines' | 'silent';

export function progressMode(options: { quiet?: boolean; json?: boolean }, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (options.quiet || options.json) return 'silent';
  return stream.isTTY ? 'bar' : 'lines';
}

export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (mode === 'silent') return { start() {}, update() {}, stop() {}, log() {} };
  if (mode === 'lines') {
    let label = '';
    let total = 0;
    let lastPrinted = -1;
    let started = 0;
    return {
      start(l, t) {
        label = l;
        total = t;
        lastPrinted = -1;
        started = Date.now();
        stream.write(`${label}: started (${t} steps)\n`);
      },
      update(done, fields) {
        // A line per 10% keeps CI logs readable.
        const decile = total ? Math.floor((10 * done) / total) : 0;
        if (decile === lastPrinted) return;
        lastPrinted = decile;
        const extra = fields ? ` ${formatFields(fields, '=')}` : '';
        stream.write(`${label}: ${done}/${total}${extra}\n`);
      },
      stop(summary) {
        stream.write(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s${summary ? ` — ${summary}` : ''}\n`);
      },
      log(line) {
        stream.write(line + '\n');
      },
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total, fields = {}) {
      bar = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(22)} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | {info}`,
          stream,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { info: formatFields(fields) });
    },
    update(done, fields) {
      bar?.update(done, fields ? { info: formatFields(fields) } : undefined);
    },
    stop(summary) {
      bar?.stop();
      bar = undefined;
      if (summary) stream.write(`  ${summary}\n`);
    },
    log(line) {
      stream.write(line + '\n');
    },
  };
}

/** Fields as "name value" pairs, numbers rounded to 3 decimals, as on the bar and in the log alike. */
export function formatFields(fields: Record<string, string | number>, separator = ' '): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}${separator}${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`)
    .join(separator === ' ' ? '  ' : ' ');
}
