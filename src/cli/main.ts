/** The `fgflow` command: parses options, draws progress, and calls src/experiment. */
import { Command, Option } from 'commander';
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FgflowError } from '../errors.ts';
import {
  defaultExperimentOptions as D,
  CAUSES,
  explainCheckpoint,
  explainOnnx,
  runExperiment,
  runRecoveryStudy,
  serveJobs,
  trainOne,
  writeReportFiles,
  type Environment,
  type ExperimentOptions,
  type WorkerLauncher,
} from '../experiment/index.ts';
import type { ReportJson } from '../report/schema.ts';
import { selectBackend, type SelectedBackend } from './backend.ts';
import { exploreCommand } from './commands/explore.ts';
import { writePhantom } from './commands/phantom.ts';
import { prepareCommand } from './commands/prepare.ts';
import { renderReportCommand } from './commands/report.ts';
import { CliError } from './errors.ts';
import { modelOptions, parseInteger, parseList, parseNumber, runOptions, toExperimentOptions, type Raw } from './options.ts';
import { createProgress, progressMode, type ProgressSink } from './progress.ts';
import { summaryLines } from './summary.ts';

/** First Ctrl-C: finish the current step, save a checkpoint and stop; a second one exits at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupt: finishing the current step and saving a checkpoint (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  return controller.signal;
}

/** The package's version (package.json sits two levels above both src/cli and dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const BIN = fileURLToPath(new URL('../../bin/fgflow.js', import.meta.url));

/** Worker processes for --jobs K: this same command, in its hidden job-worker mode, on the same backend. */
function workerLauncher(raw: Raw, threadsPerWorker: number): WorkerLauncher {
  const args = ['job-worker', '--backend', raw.backend, '--gpujs-mode', raw.gpujsMode, '--threads', String(threadsPerWorker)];
  return () => fork(BIN, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

async function environment(raw: Raw, parallel = 1): Promise<{ env: Environment; backend: SelectedBackend }> {
  const backend = await selectBackend(raw.backend, raw.gpujsMode);
  const env: Environment = { backend: backend.description, numerics: backend.numerics, ...(parallel > 1 ? { launchWorker: workerLauncher(raw, backend.threadsPerWorker(parallel)) } : {}) };
  return { env, backend };
}

/** Options the user typed (not defaults): explain refuses those that contradict the checkpoint. */
function explicitOptions(cmd: Command, options: ExperimentOptions): Partial<ExperimentOptions> {
  const names: Readonly<Record<string, keyof ExperimentOptions>> = { batch: 'batchSize' };
  const out: Record<string, unknown> = {};
  for (const opt of cmd.options) {
    const attr = opt.attributeName();
    if (cmd.getOptionValueSource(attr) !== 'cli') continue;
    const key = names[attr] ?? (attr as keyof ExperimentOptions);
    if (key in options && key !== 'out') out[key] = options[key];
  }
  return out as Partial<ExperimentOptions>;
}

function printReport(report: ReportJson, files: { html: string } | null, raw: Raw, log: (line: string) => void): void {
  if (raw.json) {
    process.stdout.write(`${JSON.stringify({ data: report.data, seeds: report.seeds, models: report.models.map(({ runs: _runs, ...m }) => m), comparisons: report.comparisons, ceilings: report.ceilings ?? [], timing: report.timing }, null, 2)}\n`);
    return;
  }
  for (const line of summaryLines(report)) log(line);
  if (files) log(`report: ${files.html} (${report.timing.totalSeconds.toFixed(0)} s)`);
}

interface JobsRun {
  readonly options: ExperimentOptions;
  readonly progress: ProgressSink;
  readonly env: Environment;
  readonly mode: ReturnType<typeof progressMode>;
}

/** What the commands that run jobs share: progress, options with Ctrl-C, the backend (released afterwards). */
async function withJobs(raw: Raw, body: (run: JobsRun) => Promise<void>): Promise<void> {
  const mode = progressMode(raw);
  const progress = createProgress(mode);
  const options = toExperimentOptions(raw, interruptSignal());
  const { env, backend } = await environment(raw, options.jobs);
  progress.log(backend.note);
  try {
    await body({ options, progress, env, mode });
  } finally {
    await backend.dispose();
  }
}

function experimentCommand(program: Command): void {
  runOptions(modelOptions(program.command('experiment').description('train a baseline and alignment-rewarded CNNs over several seeds, measure S, A and F against the noise baseline, and write report.json and report.html')))
    .option('--out <dir>', 'output directory', D.out)
    .option('--lambdas <list>', 'λ of each model (0 = baseline)', parseList('lambdas', parseNumber('lambdas')), [...D.lambdas])
    .option('--examples <n>', 'test images drawn in the report per model (first seed)', parseInteger('examples'), D.examples)
    .option('--margin <m>', 'balanced-accuracy non-inferiority margin of the paired comparison', parseNumber('margin'), D.margin)
    .option('--ablate-reward', 'the paper’s feature ablation: also train the largest λ without each feature (one job per feature and seed)', false)
    .option('--recovery <dir>', 'embed and link the recovery study in this folder (fgflow validate --out)', './fgflow-validate')
    .action((raw: Raw) =>
      withJobs(raw, async ({ options, progress, env, mode }) => {
        const { report, files } = await runExperiment(options, progress, env);
        if (report) printReport(report, files, raw, (l) => progress.log(l));
        if (mode === 'silent' && !raw.json && files) process.stdout.write(files.html + '\n');
      }),
    );
}

function trainCommand(program: Command): void {
  modelOptions(program.command('train').description('train one model (λ = 0: plain BCE) for one seed, keep the epoch best on validation, and save its checkpoint'))
    .option('--lambda <λ>', 'alignment reward weight', parseNumber('lambda'), 0)
    .option('--seed <n>', 'seed of split, initialisation, batch order and augmentation', parseInteger('seed'), 0)
    .option('--out <dir>', 'where the checkpoints go', './fgflow-train')
    .option('--resume', 'continue from the checkpoint in --out', false)
    .option('--force', 'replace the checkpoints in --out', false)
    .action(async (raw: Raw) => {
      const progress = createProgress(progressMode(raw));
      const { env, backend } = await environment(raw);
      progress.log(backend.note);
      try {
        const out = await trainOne(toExperimentOptions({ ...raw, seeds: [raw.seed] }, interruptSignal()), raw.lambda, progress, env);
        if (raw.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else progress.log(`checkpoint: ${out.checkpoint} (epoch ${out.selectedEpoch + 1}, chosen on validation)  test balanced accuracy ${out.test.balancedAccuracy.toFixed(3)}  AUC ${out.test.auc?.toFixed(3) ?? '–'}`);
      } finally {
        await backend.dispose();
      }
    });
}

function explainCommand(program: Command): void {
  const cmd = modelOptions(program.command('explain').description('measure S, A and F of a trained checkpoint on the test split of the data and seed it was trained with'))
    .option('--checkpoint <file>', 'a checkpoint written by train or experiment')
    .option('--onnx <file>', 'instead, a model trained elsewhere (ONNX): input [N, 2, H, W] takes [CT, mask], [N, 1, H, W] the CT; measured on the test split of --seed')
    .option('--seed <n>', 'must match the checkpoint’s seed when given', parseInteger('seed'))
    .option('--out <dir>', 'also write report.json and report.html here')
    .option('--examples <n>', 'test images drawn in the report', parseInteger('examples'), D.examples);
  cmd.action(async (raw: Raw) => {
    const progress = createProgress(progressMode(raw));
    const { env, backend } = await environment(raw);
    progress.log(backend.note);
    try {
      const options = toExperimentOptions({ ...raw, ...(raw.seed !== undefined ? { seeds: [raw.seed] } : {}) });
      const explicit = explicitOptions(cmd, options);
      if (raw.seed !== undefined) (explicit as Record<string, unknown>).seeds = [raw.seed];
      if ((raw.checkpoint === undefined) === (raw.onnx === undefined)) throw new CliError('usage', 'explain needs exactly one of --checkpoint FILE and --onnx FILE');
      const { report } = raw.onnx !== undefined ? await explainOnnx(raw.onnx, options, progress, env) : await explainCheckpoint(raw.checkpoint, explicit, { out: raw.out ?? D.out }, progress, env);
      const files = raw.out ? await writeReportFiles(report, raw.out) : null;
      printReport(report, files, raw, (l) => progress.log(l));
    } finally {
      await backend.dispose();
    }
  });
}

function validateCommand(program: Command): void {
  runOptions(modelOptions(program.command('validate').description('the recovery study: on phantoms whose label has one cause, does the cause’s feature rank first by F, far above noise?')))
    .option('--out <dir>', 'output directory', './fgflow-validate')
    .option('--causes <list>', 'single causes of the label (brightness, size, logAspectRatio, texture)', parseList('causes', String), [...CAUSES])
    .action((raw: Raw) =>
      withJobs(raw, async ({ options, progress, env }) => {
        const { report } = await runRecoveryStudy(options, raw.causes, progress, env);
        const files = await writeReportFiles(report, options.out);
        if (raw.json) process.stdout.write(`${JSON.stringify(report.recovery, null, 2)}\n`);
        else {
          for (const row of report.recovery!.rows) progress.log(`  ${row.cause.padEnd(15)} ${row.verdict.padEnd(20)} ${row.text}`);
          progress.log(`report: ${files.html}`);
        }
      }),
    );
}

function otherCommands(program: Command): void {
  prepareCommand(program);
  program
    .command('phantom')
    .description('write the synthetic head-and-neck CT phantom as PNGs with a manifest and its ground truth')
    .requiredOption('--out <dir>', 'output directory')
    .option('--subjects <n>', 'subjects', parseInteger('subjects'), D.subjects)
    .option('--positives <n>', 'positive subjects', parseInteger('positives'))
    .option('--size <px>', 'image size', parseInteger('size'), 128)
    .option('--seed <n>', 'seed', parseInteger('seed'), 0)
    .option('--force', 'write into a non-empty --out', false)
    .option('--quiet', 'no progress output', false)
    .action(async (raw: Raw) => {
      const progress = createProgress(progressMode(raw));
      await writePhantom({ out: raw.out, n: raw.subjects, size: raw.size, seed: raw.seed, force: raw.force, ...(raw.positives !== undefined ? { positives: raw.positives } : {}) }, progress);
    });

  program
    .command('report')
    .description('render report.html from a report.json, assemble one from shards (--merge), or write a demo report')
    .option('--from <file>', 'a report.json')
    .option('--merge <dirs...>', 'the --out folders of an experiment’s shards')
    .option('--out <dir>', 'output directory (default: beside the report.json; required with --merge)')
    .option('--demo', 'write a demo report with synthetic numbers', false)
    .action(async (raw: Raw) => {
      const files = await renderReportCommand(raw);
      process.stdout.write(`${files.html}\n`);
    });

  program
    .command('explore')
    .description('write explorer.html: a page that runs fgflow in the browser on a report’s models or on checkpoints (no server, no network)')
    .option('--from <file>', 'a report.json of fgflow experiment (its jobs’ checkpoints are beside it)')
    .option('--checkpoint <files...>', 'checkpoints of fgflow train or of experiment jobs')
    .option('--images <n>', 'test images per seed', parseInteger('images'), 8)
    .option('--out <dir>', 'output directory (default: beside the report.json or the first checkpoint)')
    .action(async (raw: Raw) => {
      process.stdout.write(`${await exploreCommand(raw)}\n`);
    });

  program
    .command('bench')
    .description('run the tinybench suites (kernels, ad, train, backend, peers; all by default) and write bench/results/*.json')
    .argument('[suites...]', 'which suites to run')
    .action((suites: string[]) => {
      // the same as `npm run bench`: compiled, on plain node (scripts/bench.sh says why)
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const r = spawnSync('bash', [join(root, 'scripts/bench.sh'), ...suites], { stdio: 'inherit', cwd: root });
      if (r.status !== 0) throw new CliError('bench', `the benchmark run exited with ${r.status ?? r.signal}`);
    });

  // The worker processes of `experiment --jobs K` (not for direct use).
  program
    .command('job-worker', { hidden: true })
    .addOption(new Option('--backend <name>').default('cpu-threads'))
    .addOption(new Option('--gpujs-mode <mode>').default('auto'))
    .option('--threads <n>', 'threads of this worker', parseInteger('threads'))
    .action(async (raw: Raw) => {
      // The parent forwards Ctrl-C as a message, so the terminal's SIGINT is not this process's to act on.
      process.on('SIGINT', () => {});
      const backend = await selectBackend(raw.backend, raw.gpujsMode, raw.threads);
      try {
        await serveJobs({ backend: backend.description, numerics: backend.numerics }, { send: (m) => process.send!(m), on: (e, f) => process.on(e, f as never) });
      } finally {
        await backend.dispose();
        process.disconnect?.();
      }
    });
}

export function buildProgram(): Command {
  const program = new Command()
    .name('fgflow')
    .description('Feature gradient flow: how well does a classifier’s gradient align with interpretable features?')
    .version(packageVersion(), '-V, --version', 'print the version')
    // A bad option gets one line naming it (and exit code 1), not the whole usage text.
    .showHelpAfterError(false);
  experimentCommand(program);
  trainCommand(program);
  explainCommand(program);
  validateCommand(program);
  otherCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof FgflowError) {
      process.stderr.write(`fgflow: ${e.message}\n`);
      return e.code === 'interrupted' ? 130 : 1;
    }
    throw e;
  }
}
