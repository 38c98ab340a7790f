/** The `fgflow` command. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.ts';
import { FgflowError } from '../errors.ts';
import { explainCommand } from './commands/explain.ts';
import { writePhantom } from './commands/phantom.ts';
import { renderReportCommand } from './commands/report.ts';
import { trainCommand } from './commands/train.ts';
import { BACKEND_CHOICES, defaultBackend, selectBackend } from './backend.ts';
import { defaultExperimentOptions as D, Interrupted, runExperiment, type ExperimentOptions } from './experiment.ts';
import { createProgress, progressMode } from './progress.ts';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got ${v}`);
    return n;
  };
}
function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${v}`);
    return n;
  };
}
function list<T>(name: string, parse: (s: string) => T) {
  return (v: string): T[] => {
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    if (parts.length === 0) throw new InvalidArgumentError(`${name} needs a comma-separated list`);
    return parts.map(parse);
  };
}

/** Options shared by every command that trains or measures. */
function modelOptions(cmd: Command): Command {
  return cmd
    .option('--data <path>', 'a manifest (JSON/CSV) or a directory with manifest.json/csv (default: the synthetic phantom)')
    .option('--subjects <n>', 'phantom subjects', int('subjects'), D.subjects)
    .option('--positives <n>', 'phantom positives (default: 40 of 298, the paper’s ratio)', int('positives'))
    .option('--size <px>', 'model input size (a multiple of 8; the paper uses 512)', int('size'), D.size)
    .option('--crop <px>', 'crop this many source pixels around the tumour before resizing (0: the whole image)', int('crop'), D.crop)
    .option('--epochs <n>', 'training epochs', int('epochs'), D.epochs)
    .option('--batch <n>', 'minibatch size', int('batch'), D.batchSize)
    .option('--lr <rate>', 'Adam learning rate', num('lr'), D.lr)
    .option('--channels <list>', 'conv channels', list('channels', int('channels')), [...D.channels])
    .option('--hidden <list>', 'dense widths', list('hidden', int('hidden')), [...D.hidden])
    .option('--seed <n>', 'seed of data, split, initialisation and shuffling', int('seed'), D.seed)
    .option('--features <list>', 'features to reward and measure (brightness, extent, logAspectRatio)', list('features', String), [...D.features])
    .addOption(new Option('--reward <kind>', 'alignment reward: pointwise (paper) or span').choices(['pointwise', 'span']).default(D.reward))
    .option('--noise-draws <k>', 'noise-feature draws for the baseline', int('noise-draws'), D.noiseDraws)
    .option('--noise-mask', 'restrict noise features to the tumour mask', false)
    .addOption(new Option('--integrator <name>', 'gradient-flow integrator').choices(['euler', 'heun', 'rk4']).default(D.integrator))
    .option('--flow-samples <n>', 'test images whose gradient flow is followed', int('flow-samples'), D.flowSamples)
    .option('--flow-steps <n>', 'maximum steps of each flow path', int('flow-steps'), D.flowSteps)
    .option('--test-fraction <f>', 'held-out fraction (stratified)', num('test-fraction'), D.testFraction)
    .addOption(
      new Option('--backend <name>', 'kernels: wasm (WebAssembly SIMD on all cores, float32 rounding), cpu-threads (all cores, the same bits as cpu), cpu (one thread) or gpujs')
        .choices([...BACKEND_CHOICES]).default(defaultBackend()),
    )
    .addOption(new Option('--gpujs-mode <mode>', 'gpu.js mode with --backend gpujs').choices(['auto', 'webgpu', 'headlessgl', 'webasm', 'cpu']).default('auto'))
    .option('--json', 'print the summary as JSON on stdout (no progress)', false)
    .option('--quiet', 'no progress output', false);
}

type Raw = Record<string, any>;

function experimentOptions(raw: Raw, signal: AbortSignal): ExperimentOptions {
  return {
    ...D,
    ...(raw.data !== undefined ? { data: raw.data as string } : {}),
    subjects: raw.subjects,
    ...(raw.positives !== undefined ? { positives: raw.positives as number } : {}),
    out: raw.out ?? D.out,
    size: raw.size,
    ...(raw.crop ? { crop: raw.crop as number } : { crop: undefined }),
    epochs: raw.epochs,
    batchSize: raw.batch,
    lr: raw.lr,
    channels: raw.channels,
    hidden: raw.hidden,
    seed: raw.seed,
    lambdas: raw.lambdas ?? D.lambdas,
    reward: raw.reward,
    features: raw.features,
    noiseDraws: raw.noiseDraws,
    noiseMask: raw.noiseMask,
    integrator: raw.integrator,
    flowSamples: raw.flowSamples,
    flowSteps: raw.flowSteps,
    examples: raw.examples ?? D.examples,
    testFraction: raw.testFraction,
    resume: raw.resume ?? false,
    signal,
  };
}

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

function summary(report: Awaited<ReturnType<typeof runExperiment>>['report']) {
  return {
    data: report.data,
    models: report.models.map((m) => ({
      name: m.name,
      lambda: m.lambda,
      balancedAccuracy: m.balancedAccuracy,
      auc: m.auc,
      spanAlignment: m.spanAlignment,
      flowSpanAlignment: m.flowSpanAlignment,
      unexplained: m.unexplained,
      features: m.features,
      noise: m.noise,
    })),
    timing: report.timing,
  };
}

/** The package's version (package.json sits two levels above both src/cli and dist/cli). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command()
    .name('fgflow')
    .description('Feature gradient flow: how well does a classifier’s gradient align with interpretable features?')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  modelOptions(
    program
      .command('experiment')
      .description('train a baseline and alignment-rewarded CNNs, measure S, A and F against the noise baseline, write report.json and report.html'),
  )
    .option('--out <dir>', 'output directory', D.out)
    .option('--lambdas <list>', 'λ of each model (0 = baseline)', list('lambdas', num('lambdas')), [...D.lambdas])
    .option('--examples <n>', 'test images drawn in the report per model', int('examples'), D.examples)
    .option('--resume', 'continue from the checkpoints in <out>/checkpoints', false)
    .action(async (raw: Raw) => {
      const mode = progressMode(raw);
      const progress = createProgress(mode);
      const backend = await selectBackend(raw.backend, raw.gpujsMode);
      progress.log(backend.note);
      const { report, files } = await runExperiment(experimentOptions(raw, interruptSignal()), progress);
      if (raw.json) process.stdout.write(JSON.stringify(summary(report), null, 2) + '\n');
      else {
        for (const m of report.models)
          progress.log(
            `${m.name.padEnd(18)} bal.acc ${m.balancedAccuracy.toFixed(3)}  AUC ${m.auc.toFixed(3)}  A ${m.spanAlignment.toFixed(3)}  F_A ${m.flowSpanAlignment.toFixed(3)}  ` +
              Object.entries(m.features).map(([k, v]) => `${k} S ${v.S.toFixed(3)}`).join('  ') +
              `  noise S ${m.noise.S.toFixed(4)}`,
          );
        progress.log(`report: ${files.html} (${report.timing.totalSeconds.toFixed(0)} s)`);
        if (mode === 'silent' && !raw.json) process.stdout.write(files.html + '\n');
      }
      await backend.dispose();
    });

  modelOptions(program.command('train').description('train one model (λ = 0: plain BCE) and save its checkpoint'))
    .option('--lambda <λ>', 'alignment reward weight', num('lambda'), 0)
    .option('--out <dir>', 'where the checkpoint goes', './fgflow-train')
    .option('--resume', 'continue from the checkpoint in <out>', false)
    .action(async (raw: Raw) => {
      const progress = createProgress(progressMode(raw));
      const backend = await selectBackend(raw.backend, raw.gpujsMode);
      progress.log(backend.note);
      const out = await trainCommand(experimentOptions({ ...raw, lambdas: [raw.lambda] }, interruptSignal()), raw.lambda, progress);
      if (raw.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      else progress.log(`checkpoint: ${out.checkpoint}  test balanced accuracy ${out.test.balancedAccuracy.toFixed(3)}  AUC ${out.test.auc?.toFixed(3) ?? '–'}`);
      await backend.dispose();
    });

  modelOptions(program.command('explain').description('measure S, A and F of a trained checkpoint on a dataset’s test split'))
    .requiredOption('--checkpoint <file>', 'a checkpoint written by train or experiment')
    .option('--out <dir>', 'also write report.json and report.html here')
    .option('--examples <n>', 'test images drawn in the report', int('examples'), D.examples)
    .action(async (raw: Raw) => {
      const progress = createProgress(progressMode(raw));
      const backend = await selectBackend(raw.backend, raw.gpujsMode);
      progress.log(backend.note);
      const result = await explainCommand(raw.checkpoint, experimentOptions(raw, new AbortController().signal), raw.out, progress);
      if (raw.json) process.stdout.write(JSON.stringify(result.model, null, 2) + '\n');
      else {
        const m = result.model;
        progress.log(`${m.name}: bal.acc ${m.balancedAccuracy.toFixed(3)}  A ${m.spanAlignment.toFixed(3)}  F_A ${m.flowSpanAlignment.toFixed(3)}  unexplained ${m.unexplained.toFixed(3)}`);
        for (const [k, v] of Object.entries(m.features))
          progress.log(`  ${k.padEnd(16)} S ${v.S.toFixed(4)} (×${v.ratioToNoise?.toFixed(1) ?? '–'} noise, p ${v.pValue?.toFixed(3) ?? '–'})  F ${v.F.toFixed(4)}`);
        if (result.files) progress.log(`report: ${result.files.html}`);
      }
      await backend.dispose();
    });

  program
    .command('phantom')
    .description('write the synthetic head-and-neck CT phantom as PNGs with a manifest and its ground truth')
    .requiredOption('--out <dir>', 'output directory')
    .option('--subjects <n>', 'subjects', int('subjects'), D.subjects)
    .option('--positives <n>', 'positive subjects', int('positives'))
    .option('--size <px>', 'image size', int('size'), 128)
    .option('--seed <n>', 'seed', int('seed'), 0)
    .option('--quiet', 'no progress output', false)
    .action((raw: Raw) => {
      const progress = createProgress(progressMode(raw));
      writePhantom({ out: raw.out, n: raw.subjects, size: raw.size, seed: raw.seed, ...(raw.positives !== undefined ? { positives: raw.positives } : {}) }, progress);
    });

  program
    .command('report')
    .description('render report.html again from a report.json (or a demo report)')
    .option('--from <file>', 'a report.json')
    .option('--out <dir>', 'output directory (default: beside the report.json)')
    .option('--demo', 'write a demo report with synthetic numbers', false)
    .action(async (raw: Raw) => {
      const files = await renderReportCommand(raw);
      process.stdout.write(`${files.html}\n`);
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

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      process.stderr.write(`${e.message}\n`);
      return 130;
    }
    if (e instanceof FgflowError) {
      process.stderr.write(`fgflow: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
