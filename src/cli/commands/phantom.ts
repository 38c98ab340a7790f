/** `fgflow phantom --out DIR`: writes the synthetic phantom as files any loader reads back. */
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { phantom, writeManifest, writePng, type ManifestEntry, type PhantomOptions } from '../../data/node.ts';
import { ExperimentError } from '../../experiment/errors.ts';
import { ioError, makeDir, nonEmptyDir, writeFileAtomic } from '../../experiment/files.ts';
import type { ProgressSink } from '../progress.ts';

export interface PhantomCommandOptions extends PhantomOptions {
  readonly out: string;
  /** Write into a non-empty folder. */
  readonly force?: boolean;
}

/** 16-bit PNGs hold HU + 1024 (so air, −1000 HU, stays positive); the manifest says how to undo it. */
const HU_OFFSET = 1024;

export async function writePhantom(options: PhantomCommandOptions, progress: ProgressSink): Promise<{ manifest: string; count: number }> {
  const { out, force, ...phantomOptions } = options;
  if (nonEmptyDir(out) && !force) throw new ExperimentError('usage', `${out} already holds files; pass --force to write the phantom into it anyway, or another --out`);
  const ds = phantom(phantomOptions);
  await makeDir(join(out, 'images'));
  await makeDir(join(out, 'masks'));
  const entries: ManifestEntry[] = [];
  progress.start('writing phantom', ds.samples.length);
  ds.samples.forEach((s, i) => {
    const image = `images/${s.id}.png`;
    const mask = `masks/${s.id}.png`;
    const wrote = [writePng(s.image, join(out, image), { bitDepth: 16, offset: HU_OFFSET }), writePng(s.mask, join(out, mask), { bitDepth: 8, scale: 255 })];
    for (const w of wrote) if (E.isLeft(w)) throw w.left;
    entries.push({ id: s.id, image, mask, label: s.label, imageIntercept: -HU_OFFSET, ...(s.spacing ? { rowSpacing: s.spacing[0], columnSpacing: s.spacing[1] } : {}) });
    progress.update(i + 1);
  });
  const manifest = join(out, 'manifest.csv');
  const m = writeManifest(manifest, entries);
  if (E.isLeft(m)) throw m.left;
  const truth = { name: ds.name, description: ds.description, groundTruth: ds.groundTruth, truth: Object.fromEntries(ds.samples.map((s) => [s.id, s.truth])) };
  await writeFileAtomic(join(out, 'ground-truth.json'), JSON.stringify(truth, null, 2)).catch((e: unknown) => Promise.reject(e instanceof ExperimentError ? e : ioError('write', join(out, 'ground-truth.json'), e)));
  progress.stop(`${ds.samples.length} subjects → ${manifest}`);
  return { manifest, count: ds.samples.length };
}
