/**
 * The command-line options every command that trains or measures shares, and their translation
 * into ExperimentOptions (validated once, by the experiment, whichever command runs).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultExperimentOptions as D, parseSeeds, parseShard, type ExperimentOptions } from '../experiment/index.ts';
import { SELECTION_METRICS } from '../experiment/options.ts';
import { BACKEND_CHOICES, defaultBackend } from './backend.ts';

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
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${v}`);
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
function wrap<T>(parse: (s: string) => T) {
  return (v: string): T => {
    try {
      return parse(v);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
}

export const parseInteger = int;
export const parseNumber = num;
export const parseList = list;

/** Data, model and training options (shared by experiment, train, explain and validate). */
export function modelOptions(cmd: Command): Command {
  return cmd
    .option('--data <path>', 'a manifest (JSON/CSV) or a directory with manifest.json/csv (default: the synthetic phantom)')
    .option('--subjects <n>', 'phantom subjects', int('subjects'), D.subjects)
    .option('--positives <n>', 'phantom positives (default: 40 of 298, the paper’s ratio)', int('positives'))
    .addOption(new Option('--non-finite <policy>', 'NaN or ±Infinity pixels in --data: refuse them, or clip ±Infinity to the image’s finite range (NaN is always refused)').choices(['refuse', 'clip']).default(D.nonFinite))
    .option('--mask-threshold <t>', 'binarise masks that have several grey levels at this value (default: refuse them)', num('mask-threshold'))
    .option('--data-seed <n>', 'seed of the phantom’s draw (the data stay fixed across --seeds)', int('data-seed'), D.dataSeed)
    .option('--size <px>', 'model input size (a multiple of 8; the paper uses 512)', int('size'), D.size)
    .option('--crop <px>', 'crop this many source pixels around the tumour before resizing (0: the whole image)', int('crop'), D.crop)
    .option('--epochs <n>', 'training epochs (the kept epoch is chosen on validation)', int('epochs'), D.epochs)
    .option('--batch <n>', 'minibatch size', int('batch'), D.batchSize)
    .option('--lr <rate>', 'peak Adam learning rate', num('lr'), D.lr)
    .option('--warmup-epochs <n>', 'linear learning-rate warm-up', int('warmup-epochs'), D.warmupEpochs)
    .addOption(new Option('--schedule <kind>', 'learning rate after warm-up').choices(['cosine', 'constant']).default(D.schedule))
    .option('--weight-decay <w>', 'decoupled weight decay (AdamW)', num('weight-decay'), D.weightDecay)
    .addOption(new Option('--augment <kind>', 'training augmentation that keeps the features’ meaning').choices(['dihedral', 'none']).default(D.augment))
    .addOption(new Option('--inputs <mode>', 'what the CNN sees: ct+mask (both channels), ct (the CT only: shape must come from its intensities) or masked-ct (the CT inside the mask)').choices(['ct+mask', 'ct', 'masked-ct']).default(D.inputs))
    .option('--no-normalise', 'feed the windowed CT unstandardised (default: each channel standardised by the training split)')
    .option('--channels <list>', 'conv channels', list('channels', int('channels')), [...D.channels])
    .option('--hidden <list>', 'dense widths', list('hidden', int('hidden')), [...D.hidden])
    .option('--features <list>', 'features to reward and measure (brightness, extent, logAspectRatio)', list('features', String), [...D.features])
    .addOption(new Option('--reward <kind>', 'alignment reward: pointwise (paper) or span').choices(['pointwise', 'span']).default(D.reward))
    .option('--noise-draws <k>', 'noise-feature draws for the baseline', int('noise-draws'), D.noiseDraws)
    .option('--noise-mask', 'restrict noise features to the tumour mask', false)
    .addOption(new Option('--integrator <name>', 'gradient-flow integrator').choices(['euler', 'heun', 'rk4']).default(D.integrator))
    .option('--flow-samples <n>', 'test images whose gradient flow is followed', int('flow-samples'), D.flowSamples)
    .option('--flow-steps <n>', 'maximum steps of each flow path', int('flow-steps'), D.flowSteps)
    .option('--test-fraction <f>', 'held-out test fraction (stratified)', num('test-fraction'), D.testFraction)
    .option('--validation-fraction <f>', 'fraction of the training part held out for model selection', num('validation-fraction'), D.validationFraction)
    .addOption(new Option('--selection <metric>', 'what picks the kept epoch (never the test split)').choices([...SELECTION_METRICS]).default(D.selection))
    .addOption(
      new Option('--backend <name>', 'kernels: wasm (WebAssembly SIMD on all cores, float32 rounding), cpu-threads (all cores, the same bits as cpu), cpu (one thread) or gpujs')
        .choices([...BACKEND_CHOICES]).default(defaultBackend()),
    )
    .addOption(new Option('--gpujs-mode <mode>', 'gpu.js mode with --backend gpujs').choices(['auto', 'webgpu', 'headlessgl', 'webasm', 'cpu']).default('auto'))
    .option('--json', 'print the summary as JSON on stdout (no progress)', false)
    .option('--quiet', 'no progress output', false);
}

/** Options of the commands that run jobs (experiment, validate). */
export function runOptions(cmd: Command): Command {
  return cmd
    .option('--seeds <n|list>', 'seeds (a count N for 0..N−1, a range a..b, or a list): each varies split, initialisation, batch order, augmentation and noise draws', wrap(parseSeeds), [...D.seeds])
    .option('--jobs <k>', 'jobs run at once, each in a process of its own', int('jobs'), D.jobs)
    .option('--shard <i/n>', 'run only shard i of n of the jobs (assemble with report --merge)', wrap(parseShard))
    .option('--resume', 'continue the run in --out (finished jobs are kept, interrupted ones resume)', false)
    .option('--force', 'replace the results already in --out', false)
    .option('--budget <minutes>', 'refuse to start when the jobs are estimated (by timing a few steps here) to need longer', num('budget'))
    .option('--no-sanity', 'skip the sanity checks (parameter randomisation of each baseline, a model trained on shuffled labels per seed)');
}

export type Raw = Record<string, any>;

/** The parsed command line as experiment options (unvalidated: runExperiment validates). */
export function toExperimentOptions(raw: Raw, signal?: AbortSignal): ExperimentOptions {
  const pick = <K extends keyof ExperimentOptions>(key: K, value: unknown): Partial<ExperimentOptions> => (value === undefined ? {} : ({ [key]: value } as Partial<ExperimentOptions>));
  return {
    ...D,
    ...pick('data', raw.data),
    ...pick('subjects', raw.subjects),
    ...pick('positives', raw.positives),
    ...pick('dataSeed', raw.dataSeed),
    ...pick('nonFinite', raw.nonFinite),
    ...pick('maskThreshold', raw.maskThreshold),
    ...pick('out', raw.out),
    ...pick('size', raw.size),
    crop: raw.crop === 0 ? undefined : (raw.crop ?? D.crop),
    ...pick('epochs', raw.epochs),
    ...pick('batchSize', raw.batch),
    ...pick('lr', raw.lr),
    ...pick('warmupEpochs', raw.warmupEpochs),
    ...pick('schedule', raw.schedule),
    ...pick('weightDecay', raw.weightDecay),
    ...pick('augment', raw.augment),
    ...pick('normalise', raw.normalise),
    ...pick('inputs', raw.inputs),
    ...pick('channels', raw.channels),
    ...pick('hidden', raw.hidden),
    ...pick('seeds', raw.seeds),
    ...pick('lambdas', raw.lambdas),
    ...pick('reward', raw.reward),
    ...pick('features', raw.features),
    ...pick('noiseDraws', raw.noiseDraws),
    ...pick('noiseMask', raw.noiseMask),
    ...pick('integrator', raw.integrator),
    ...pick('flowSamples', raw.flowSamples),
    ...pick('flowSteps', raw.flowSteps),
    ...pick('examples', raw.examples),
    ...pick('testFraction', raw.testFraction),
    ...pick('validationFraction', raw.validationFraction),
    ...pick('selection', raw.selection),
    ...pick('margin', raw.margin),
    ...pick('sanity', raw.sanity),
    ...pick('ablateReward', raw.ablateReward),
    ...pick('recovery', raw.recovery),
    ...pick('budgetMinutes', raw.budget),
    ...pick('jobs', raw.jobs),
    ...pick('shard', raw.shard),
    ...pick('resume', raw.resume),
    ...pick('force', raw.force),
    ...(signal ? { signal } : {}),
  };
}
