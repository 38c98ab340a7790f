/** Features in millimetres: the pixel spacing reaches the features, and the report says which units. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { phantom, PHANTOM_FIELD_OF_VIEW_MM, readManifest, writeManifest, writePng, type Dataset } from '../../src/data/node.ts';
import { featureSet } from '../../src/experiment/features.ts';
import { inputSpacing } from '../../src/experiment/prepare.ts';
import { Tensor } from '../../src/index.ts';
import { makeTmp } from '../data/helpers.ts';

const tiny = (spacings: (readonly [number, number] | undefined)[]): Dataset => ({
  name: 't',
  samples: spacings.map((spacing, i) => ({ id: `s${i}`, image: { width: 40, height: 20, data: new Float32Array(800) }, mask: { width: 40, height: 20, data: new Float32Array(800) }, label: (i % 2) as 0 | 1, ...(spacing ? { spacing } : {}) })),
});

describe('the pixel spacing of the model inputs', () => {
  it('is each sample’s spacing times the crop (or the image) over the input side, in mm when all agree', () => {
    expect(inputSpacing(tiny([[0.5, 0.25], [0.5, 0.25]]), { size: 10, crop: 20 })).toEqual({ spacing: [1, 0.5], units: 'mm' });
    expect(inputSpacing(tiny([[0.5, 0.25]]), { size: 10 })).toEqual({ spacing: [1, 1], units: 'mm' });
  });

  it('falls back to pixels, saying why, when a sample has no spacing or the spacings differ', () => {
    expect(inputSpacing(tiny([[0.5, 0.5], undefined]), { size: 10 }).units).toBe("px (sample 's1' has no pixel spacing)");
    const mixed = inputSpacing(tiny([[0.5, 0.5], [0.7, 0.7]]), { size: 10, crop: 10 });
    expect(mixed.spacing).toBeUndefined();
    expect(mixed.units).toMatch(/^px \(pixel spacing differs: 0\.500×0\.500 mm in 's0', 0\.700×0\.700 mm in 's1'\)$/);
  });

  it('makes extent a length in mm: the same mask measures spacing times its extent in pixels', () => {
    const image = Tensor.fromBuffer([8, 8] as const, 'f64', Float64Array.from({ length: 64 }, () => 1));
    const mask = Tensor.fromBuffer([8, 8] as const, 'f64', Float64Array.from({ length: 64 }, (_, i) => (Math.abs((i % 8) - 3.5) < 2 && Math.abs(Math.floor(i / 8) - 3.5) < 3 ? 1 : 0)));
    const px = featureSet(['extent'])['extent']!(image, mask).item();
    const mm = featureSet(['extent'], [0.8, 0.8])['extent']!(image, mask).item();
    expect(mm).toBeCloseTo(0.8 * px, 12);
  });

  it('the phantom has a 250 mm field of view, and fgflow phantom writes its spacing into the manifest', () => {
    const ds = phantom({ n: 4, size: 50, positives: 1 });
    expect(ds.samples[0]!.spacing).toEqual([PHANTOM_FIELD_OF_VIEW_MM / 50, PHANTOM_FIELD_OF_VIEW_MM / 50]);
    const tmp = makeTmp();
    try {
      const entries = ds.samples.map((s) => {
        writePng(s.image, path.join(tmp.dir, `${s.id}.png`), { bitDepth: 16, offset: 1024 });
        writePng(s.mask, path.join(tmp.dir, `${s.id}-mask.png`), { bitDepth: 8, scale: 255 });
        return { id: s.id, image: `${s.id}.png`, mask: `${s.id}-mask.png`, label: s.label, imageIntercept: -1024, rowSpacing: 5, columnSpacing: 5 };
      });
      expect(E.isRight(writeManifest(path.join(tmp.dir, 'manifest.csv'), entries))).toBe(true);
      expect(fs.readFileSync(path.join(tmp.dir, 'manifest.csv'), 'utf8').split('\n')[0]).toMatch(/,rowSpacing,columnSpacing$/);
      const back = readManifest(path.join(tmp.dir, 'manifest.csv'));
      expect(E.isRight(back) && back.right.samples.map((s) => s.spacing)).toEqual(ds.samples.map(() => [5, 5]));
    } finally {
      tmp.cleanup();
    }
  });

  it('a manifest with one spacing column, or a spacing that is not positive, gets a bad-manifest DataError naming the row', () => {
    const tmp = makeTmp();
    try {
      const file = path.join(tmp.dir, 'm.csv');
      fs.writeFileSync(file, 'image,mask,label,rowSpacing,columnSpacing\na.png,b.png,0,0.7,\nc.png,d.png,1,-1,0.7\n');
      const r = readManifest(file);
      expect(E.isLeft(r) && r.left.code).toBe('bad-manifest');
      expect(E.isLeft(r) && r.left.message).toMatch(/line 2: rowSpacing and columnSpacing must both be given as positive numbers \(mm\), or neither/);
      expect(E.isLeft(r) && r.left.message).toMatch(/line 3/);
    } finally {
      tmp.cleanup();
    }
  });
});
