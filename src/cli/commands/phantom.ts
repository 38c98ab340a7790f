/** `fgflow phantom --out DIR`: writes the synthetic phantom as files any loader reads back. */
import * as E from 'fp-ts/lib/Either.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { phantom, writeManifest, writePng, type ManifestEntry, type PhantomOptions } from '../../data/index.ts';
import type { ProgressSink } from '../progress.ts';

export interface PhantomCommandOptions extends PhantomOptions {
  readonly out: string;
}

/** 16-bit PNGs hold HU + 1024 (so air, −1000 HU, stays positive); the manifest says how to undo it. */
const HU_OFFSET = 1024;

export function writePhantom(options: PhantomCommandOptions, progress: ProgressSink): { manifest: string; count: number } {
  const ds = phantom(options);
  mkdirSync(join(options.out, 'images'), { recursive: true });
  mkdirSync(join(options.out, 'masks'), { recursive: true });
  const entries: ManifestEntry[] = [];
  progress.start('writing phantom', ds.samples.length);
  ds.samples.forEach((s, i) => {
    const image = `images/${s.id}.png`;
    const mask = `masks/${s.id}.png`;
    const wrote = [writePng(s.image, join(options.out, image), { bitDepth: 16, offset: HU_OFFSET }), writePng(s.mask, join(options.out, mask), { bitDepth: 8, scale: 255 })];
    for (const w of wrote) if (E.isLeft(w)) throw w.left;
    entries.push({ id: s.id, image, mask, label: s.label, imageIntercept: -HU_OFFSET });
    progress.update(i + 1);
  });
  const manifest = join(options.out, 'manifest.csv');
  const m = writeManifest(manifest, entries);
  if (E.isLeft(m)) throw m.left;
  writeFileSync(
    join(options.out, 'ground-truth.json'),
    JSON.stringify({ name: ds.name, description: ds.description, groundTruth: ds.groundTruth, truth: Object.fromEntries(ds.samples.map((s) => [s.id, s.truth])) }, null, 2),
  );
  progress.stop(`${ds.samples.length} subjects → ${manifest}`);
  return { manifest, count: ds.samples.length };
}
