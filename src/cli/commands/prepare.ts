/**
 * `fgflow prepare`: subjects' volumes (DICOM CT + RTSTRUCT, or NIfTI image + mask) to the images,
 * masks and manifest.csv that `experiment --data DIR` reads: one slice per subject (largest
 * tumour area) or every tumour slice, in HU, with its pixel spacing.
 *
 * Everything is written into a temporary folder beside --out and renamed to --out at the end, so a
 * failure leaves nothing partial. With --keep-going a failing subject is skipped instead, and the
 * account at the end says which and why (also in prepare.json).
 */
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  DataError,
  listDicomSubjects,
  loadDicomSubject,
  loadNiftiSubject,
  pairNiftiSubjects,
  readLabelTable,
  resampleSlice,
  subjectSlices,
  writeManifest,
  writePng,
  type ManifestEntry,
  type SliceChoice,
  type SubjectVolume,
} from '../../data/node.ts';
import { ExperimentError } from '../../experiment/errors.ts';
import { ioError, makeDir, nonEmptyDir, writeFileAtomic } from '../../experiment/files.ts';
import { Option, type Command } from 'commander';
import { parseNumber } from '../options.ts';
import { createProgress, progressMode, type ProgressSink } from '../progress.ts';

export interface PrepareCommandOptions {
  readonly out: string;
  readonly dicom?: string;
  readonly nifti?: string;
  readonly niftiMasks?: string;
  /** A regular expression matched against whole ROI names, case-insensitively. */
  readonly roi?: string;
  readonly labels: string;
  readonly idColumn?: string;
  readonly labelColumn?: string;
  readonly slices: SliceChoice;
  /** Resample every slice to square pixels of this size (mm), so all subjects share one spacing. */
  readonly spacing?: number;
  readonly maskThreshold?: number;
  readonly keepGoing?: boolean;
  readonly force?: boolean;
}

/** 16-bit PNGs hold HU + 32768, so the whole signed 16-bit range of CT survives. */
const HU_OFFSET = 32768;

export interface SubjectAccount {
  readonly id: string;
  readonly status: 'written' | 'skipped';
  readonly slices?: readonly number[];
  readonly notes?: readonly string[];
  readonly reason?: string;
}

type SubjectSource = { readonly id: string; readonly load: () => E.Either<DataError, SubjectVolume> };

function sources(o: PrepareCommandOptions): SubjectSource[] {
  if ((o.dicom === undefined) === (o.nifti === undefined)) throw new ExperimentError('usage', 'prepare needs exactly one of --dicom ROOT and --nifti IMAGES (with --nifti-masks MASKS)');
  if (o.dicom !== undefined) {
    if (!o.roi) throw new ExperimentError('usage', "prepare --dicom needs --roi, the ROI's name or a regular expression such as 'GTV.*'");
    let roi: RegExp;
    try {
      roi = new RegExp(o.roi, 'i');
    } catch (e) {
      throw new ExperimentError('usage', `--roi ${o.roi} is not a regular expression: ${e instanceof Error ? e.message : String(e)}`);
    }
    const subjects = listDicomSubjects(o.dicom);
    if (E.isLeft(subjects)) throw subjects.left;
    return subjects.right.map(({ id, dir }) => ({ id, load: () => loadDicomSubject(dir, { roi }) }));
  }
  if (!o.niftiMasks) throw new ExperimentError('usage', 'prepare --nifti IMAGES needs --nifti-masks MASKS (the masks, named like the images)');
  const pairs = pairNiftiSubjects(o.nifti!, o.niftiMasks);
  if (E.isLeft(pairs)) throw pairs.left;
  const threshold = o.maskThreshold !== undefined ? { maskThreshold: o.maskThreshold } : {};
  return pairs.right.map(({ id, image, mask }) => ({
    id,
    load: () => (mask ? loadNiftiSubject(id, image, mask, threshold) : E.left(new DataError('missing-file', `${image}: no mask named like it in ${o.niftiMasks}`, { file: image }))),
  }));
}

/** One subject's slices written under `dir`; its manifest entries, or why it was skipped. */
interface Written {
  readonly entries: ManifestEntry[];
  readonly account: SubjectAccount;
  readonly error?: DataError;
}

function writeSubject(dir: string, source: SubjectSource, label: 0 | 1 | undefined, o: PrepareCommandOptions, labelsFile: string): Written {
  const skip = (error: DataError): Written => ({ entries: [], account: { id: source.id, status: 'skipped', reason: error.message }, error });
  if (label === undefined) return skip(new DataError('bad-label', `no label in ${labelsFile}`, { file: labelsFile }));
  const subject = source.load();
  if (E.isLeft(subject)) return skip(subject.left);
  const slices = subjectSlices(subject.right, o.slices).map((s) => (o.spacing ? resampleSlice(s, o.spacing) : s));
  if (slices.length === 0) return skip(new DataError('bad-mask', 'the mask is empty on every slice'));
  const entries = slices.map((s): ManifestEntry => {
    const image = `images/${s.id}.png`;
    const mask = `masks/${s.id}.png`;
    for (const w of [writePng(s.image, join(dir, image), { bitDepth: 16, offset: HU_OFFSET }), writePng(s.mask, join(dir, mask), { bitDepth: 8, scale: 255 })]) if (E.isLeft(w)) throw w.left;
    return { id: s.id, image, mask, label, imageIntercept: -HU_OFFSET, rowSpacing: s.spacing[0], columnSpacing: s.spacing[1] };
  });
  return { entries, account: { id: source.id, status: 'written', slices: slices.map((s) => s.slice), notes: subject.right.notes } };
}

function checkOut(o: PrepareCommandOptions): void {
  if (nonEmptyDir(o.out) && !o.force) throw new ExperimentError('usage', `${o.out} already holds files; pass --force to replace them, or another --out`);
  if (o.spacing !== undefined && !(o.spacing > 0)) throw new ExperimentError('usage', `--spacing must be a positive number of mm, got ${o.spacing}`);
}

export async function prepareData(o: PrepareCommandOptions, progress: ProgressSink): Promise<{ manifest: string; accounts: SubjectAccount[] }> {
  checkOut(o);
  const labels = readLabelTable(o.labels, { ...(o.idColumn ? { idColumn: o.idColumn } : {}), ...(o.labelColumn ? { labelColumn: o.labelColumn } : {}) });
  if (E.isLeft(labels)) throw labels.left;
  const subjects = sources(o);
  const staging = join(dirname(o.out), `.${basename(o.out)}.prepare-${process.pid}`);
  await fs.rm(staging, { recursive: true, force: true });
  await makeDir(join(staging, 'images'));
  await makeDir(join(staging, 'masks'));
  try {
    const entries: ManifestEntry[] = [];
    const accounts: SubjectAccount[] = [];
    progress.start('prepare', subjects.length);
    for (const [i, source] of subjects.entries()) {
      const done = writeSubject(staging, source, labels.right.get(source.id), o, o.labels);
      if (done.error && !o.keepGoing) throw new DataError(done.error.code, `subject ${source.id}: ${done.error.message} (nothing was written; --keep-going skips such subjects and lists them)`, { cause: done.error });
      entries.push(...done.entries);
      accounts.push(done.account);
      progress.update(i + 1);
    }
    progress.stop(`${entries.length} slices of ${accounts.filter((a) => a.status === 'written').length} subjects`);
    if (entries.length === 0) throw new DataError('empty-dataset', `no subject could be prepared (${accounts.map((a) => `${a.id}: ${a.reason}`).join('; ')})`);
    const m = writeManifest(join(staging, 'manifest.csv'), entries);
    if (E.isLeft(m)) throw m.left;
    await writeFileAtomic(join(staging, 'prepare.json'), JSON.stringify({ source: o.dicom ?? o.nifti, labels: o.labels, slices: o.slices, spacing: o.spacing ?? null, subjects: accounts }, null, 2));
    if (existsSync(o.out)) await fs.rm(o.out, { recursive: true, force: true });
    await fs.rename(staging, o.out).catch((e: unknown) => Promise.reject(ioError('move the prepared data to', o.out, e)));
    return { manifest: join(o.out, 'manifest.csv'), accounts };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** The per-subject account, one line each. */
export function accountLines(accounts: readonly SubjectAccount[]): string[] {
  return accounts.map((a) => (a.status === 'written' ? `  ${a.id}: slice${a.slices!.length === 1 ? '' : 's'} ${a.slices!.join(', ')}${a.notes?.length ? ` — ${a.notes.join('; ')}` : ''}` : `  ${a.id}: skipped — ${a.reason}`));
}

/** Registers `fgflow prepare`. */
export function prepareCommand(program: Command): void {
  program
    .command('prepare')
    .description('turn DICOM CT + RTSTRUCT folders (one per patient) or NIfTI images and masks into the images, masks and manifest.csv that experiment --data reads')
    .requiredOption('--out <dir>', 'output directory (written whole at the end, or not at all)')
    .option('--dicom <root>', 'a folder of subject folders, each holding a CT series and an RTSTRUCT anywhere below it')
    .option('--roi <regex>', "the RTSTRUCT ROI(s): a regular expression matched against whole names, case-insensitively (e.g. 'GTV.*'); several matches are united")
    .option('--nifti <dir>', 'a folder of NIfTI images (subject id: the file name without .nii[.gz] and a trailing _0000)')
    .option('--nifti-masks <dir>', 'their masks, named like the images')
    .requiredOption('--labels <csv>', 'the clinical table: one row per subject')
    .option('--id-column <name>', 'its column of subject ids (the DICOM subject folder names or NIfTI ids)', 'id')
    .option('--label-column <name>', 'its column of labels: 1/0, yes/no, true/false, positive/negative', 'label')
    .addOption(new Option('--slices <choice>', 'largest: the slice of largest tumour area (the paper); all: every slice the tumour is on').choices(['largest', 'all']).default('largest'))
    .option('--spacing <mm>', 'resample every slice to square pixels of this size, so all subjects share one spacing and features are in mm', parseNumber('spacing'))
    .option('--mask-threshold <t>', 'binarise NIfTI masks with several levels at value > t', parseNumber('mask-threshold'))
    .option('--keep-going', 'skip a subject that fails (listed at the end) instead of writing nothing', false)
    .option('--force', 'replace a non-empty --out', false)
    .option('--quiet', 'no progress output', false)
    .action(async (raw: PrepareCommandOptions & { quiet: boolean }) => {
      const progress = createProgress(progressMode(raw));
      const { manifest, accounts } = await prepareData(raw, progress);
      for (const line of accountLines(accounts)) progress.log(line);
      progress.log(`manifest: ${manifest}`);
    });
}
