/**
 * Bad data that used to load silently or fail far from its cause (issue 14, defects 1, 4, 12
 * and 13): each is refused at load with a typed DataError that names the file and what is
 * wrong, and no dataset (nothing partial) comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { loadDataset } from '../../src/experiment/prepare.ts';
import { validateSample } from '../../src/data/dataset.ts';
import type { DataError } from '../../src/data/errors.ts';
import { encodeIdx } from '../../src/data/idx.ts';
import { readImageFile, readNifti, readPng, writePng, readDicom } from '../../src/data/files.ts';
import { readManifest, readManifestEntries } from '../../src/data/manifest.ts';
import { loadMnist } from '../../src/data/mnist.ts';
import { encodePng } from '../../src/data/png.ts';
import { expectDataError, imageElements, makeTmp, right, writeDicomBytes, writeNiftiBytes } from './helpers.ts';

const tmp = makeTmp('fgflow-bad-data-');
afterAll(() => tmp.cleanup());

const W = 6;
const H = 5;
/** A float32 NIfTI 6×5 slice whose pixel (x, y) holds `bad` and the rest i / 10. */
const niftiWith = (name: string, bad: number, x = 2, y = 1): string => {
  const values = Array.from({ length: W * H }, (_, i) => (i === y * W + x ? bad : i / 10));
  fs.writeFileSync(tmp.file(name), writeNiftiBytes({ dims: [W, H, 1], dtype: 'float32', values }));
  return tmp.file(name);
};
const mask = Float32Array.from({ length: W * H }, (_, i) => (i % 3 === 0 ? 1 : 0));

/** A manifest file with the given text, in the temp folder. */
const manifest = (name: string, text: string): string => {
  fs.writeFileSync(tmp.file(name), text);
  return tmp.file(name);
};

/** The one-line contract of every error: no raw control characters, no flood of file content. */
const expectOneShortLine = (e: DataError, max = 400): void => {
  expect(e.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/);
  expect(e.message.split('\n')).toHaveLength(1);
  expect(e.message.length).toBeLessThan(max);
};

beforeAll(() => {
  right(writePng({ width: W, height: H, data: mask }, tmp.file('mask.png'), { scale: 255 }));
  right(writePng({ width: W, height: H, data: Float32Array.from({ length: W * H }, (_, i) => i * 8) }, tmp.file('image.png')));
  right(writePng({ width: W, height: H, data: Float32Array.from({ length: W * H }, (_, i) => 255 - i) }, tmp.file('image2.png')));
});

describe('defect 1: non-finite pixels are refused at load, naming the file and the first bad pixel', () => {
  it('a NIfTI float32 slice holding NaN gets a non-finite DataError naming the file, the pixel index and x, y', () => {
    const file = niftiWith('nan.nii', NaN);
    const e = expectDataError(readNifti(file), 'non-finite', file);
    expect(e.message).toContain('pixel 8 (x 2, y 1) is NaN');
    expectOneShortLine(e);
  });

  it('±Infinity gets a non-finite DataError by default; nonFinite: clip maps it to the finite range, and NaN stays an error', () => {
    const inf = niftiWith('inf.nii', Infinity, 5, 4);
    const e = expectDataError(readNifti(inf), 'non-finite', inf);
    expect(e.message).toContain('pixel 29 (x 5, y 4) is Infinity');
    expect(e.message).toContain("nonFinite: 'clip'");
    const clipped = right(readNifti(inf, { nonFinite: 'clip' }));
    expect(clipped.data[29]).toBeCloseTo(2.8, 6); // the largest finite value, pixel 28
    const minus = niftiWith('minus-inf.nii', -Infinity, 0, 2);
    expect(right(readImageFile(minus, { nonFinite: 'clip' })).data[12]).toBe(0); // the smallest finite value
    expectDataError(readNifti(niftiWith('nan2.nii', NaN), { nonFinite: 'clip' }), 'non-finite');
  });

  it('an IDX float image, a DICOM whose rescale overflows and a PNG read with an overflowing slope get non-finite DataErrors naming the file', () => {
    const idx = tmp.file('nan.idx');
    fs.writeFileSync(idx, right(encodeIdx({ type: 'float', dims: [H, W], data: Float32Array.from({ length: W * H }, (_, i) => (i === 7 ? NaN : i)) })));
    expect(expectDataError(readImageFile(idx), 'non-finite', idx).message).toContain('pixel 7 (x 1, y 1)');
    const dcm = tmp.file('overflow.dcm');
    const pixels = new Uint8Array(Uint16Array.from({ length: 4 }, () => 60000).buffer);
    fs.writeFileSync(dcm, writeDicomBytes(imageElements({ rows: 2, cols: 2, bitsAllocated: 16, pixels, slope: 1e38 })));
    expect(expectDataError(readDicom(dcm), 'non-finite', dcm).message).toContain('pixel 0 (x 0, y 0) is Infinity');
    expectDataError(readPng(tmp.file('image.png'), { slope: 1e38 }), 'non-finite', tmp.file('image.png'));
  });

  it('a manifest listing a NaN image gets a non-finite DataError naming the image and the row, on the path the CLI loads (loadDataset)', () => {
    const nan = niftiWith('m-nan.nii', NaN, 3, 3);
    fs.mkdirSync(tmp.file('nan-dir'));
    fs.writeFileSync(tmp.file('nan-dir/manifest.csv'), `image,mask,label\n../image.png,../mask.png,0\n../m-nan.nii,../mask.png,1\n`);
    const r = loadDataset({ data: tmp.file('nan-dir') });
    const e = expectDataError(r, 'non-finite', nan);
    expect(e.message).toContain('pixel 21 (x 3, y 3) is NaN');
    expect(e.message).toContain('line 3');
    expect(E.isRight(r)).toBe(false);
  });

  it('an imageSlope that overflows float32 gets a non-finite DataError naming the image and the slope', () => {
    const m = manifest('slope.csv', `image,mask,label,imageSlope\nimage.png,mask.png,0,1e38\nimage2.png,mask.png,1,\n`);
    const e = expectDataError(readManifest(m), 'non-finite', tmp.file('image.png'));
    expect(e.message).toContain('after imageSlope 1e+38');
  });

  it('an MNIST-shaped package holding NaN gets a non-finite DataError naming the digit and sample', () => {
    const fake = tmp.file('fake-mnist.cjs');
    fs.writeFileSync(fake, `const d = (k) => ({ raw: Array.from({ length: 784 }, (_, i) => (k === 1 && i === 30 ? NaN : (i % 7) / 6)), length: 1 });\nmodule.exports = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [k, d(k)]));\n`);
    const e = expectDataError(loadMnist({ moduleName: fake, perClass: 1 }), 'non-finite', 'mnist-1-0000 (mnist:1/0)');
    expect(e.message).toContain('pixel 30 (x 2, y 1) is NaN');
  });

  it('validateSample on an in-memory sample holding Infinity gets a non-finite DataError with x, y', () => {
    const data = new Float32Array(W * H).fill(1);
    data[W + 4] = -Infinity;
    const e = expectDataError(
      validateSample({ id: 's', image: { width: W, height: H, data }, mask: { width: W, height: H, data: mask }, label: 0 }),
      'non-finite',
    );
    expect(e.message).toContain("sample 's'");
    expect(e.message).toContain('(x 4, y 1) is -Infinity');
  });
});

describe('defect 4: an unknown manifest field is an error that suggests the nearest known name', () => {
  it('a CSV header with imageIntercpt gets bad-manifest suggesting imageIntercept, before any image loads', () => {
    const m = manifest('typo.csv', 'image,mask,label,imageIntercpt\nimage.png,mask.png,0,-1024\nimage2.png,mask.png,1,-1024\n');
    const e = expectDataError(readManifest(m), 'bad-manifest', m);
    expect(e.message).toContain('unknown column "imageIntercpt"');
    expect(e.message).toContain("did you mean 'imageIntercept'?");
    expectOneShortLine(e);
    expectDataError(readManifestEntries(m), 'bad-manifest', m);
  });

  it('a JSON entry key typo gets bad-manifest naming the entry and the suggestion; a name near nothing lists the known fields', () => {
    const m = manifest('typo.json', JSON.stringify([{ image: 'image.png', mask: 'mask.png', label: 0 }, { image: 'image2.png', mask: 'mask.png', label: 1, Label: 1, imgIndex: 0 }]));
    const e = expectDataError(readManifest(m), 'bad-manifest', m);
    expect(e.message).toMatch(/unknown field "Label" in entry 1 \(did you mean 'label'\?/);
    expect(e.related?.[0]?.message).toContain("unknown field \"imgIndex\" in entry 1 (did you mean 'imageIndex'?");
    const far = manifest('far.csv', 'image,mask,label,weight\nimage.png,mask.png,0,1\n');
    const f = expectDataError(readManifest(far), 'bad-manifest', far);
    expect(f.message).not.toContain('did you mean');
    expect(f.message).toContain('known: id, image, mask, label, imageIndex, maskIndex, imageSlope, imageIntercept');
    const top = manifest('top.json', JSON.stringify({ sample: [] }));
    expectDataError(readManifest(top), 'bad-manifest', top);
    const extra = manifest('extra.json', JSON.stringify({ samples: [], nmae: 'x' }));
    expect(expectDataError(readManifest(extra), 'bad-manifest', extra).message).toContain("did you mean 'name'?");
  });

  it('a column named twice gets bad-manifest', () => {
    const m = manifest('twice.csv', 'image,mask,label,label\nimage.png,mask.png,0,1\n');
    expect(expectDataError(readManifest(m), 'bad-manifest', m).message).toContain('names the column "label" twice');
  });
});

describe('defect 12: grey masks and repeated samples are refused', () => {
  it('a mask with values 0..255 gets bad-mask naming it unless maskThreshold is given, which binarises at > threshold', () => {
    const grey = tmp.file('grey-mask.png');
    right(writePng({ width: W, height: H, data: Float32Array.from({ length: W * H }, (_, i) => i * 8.5) }, grey));
    const m = manifest('grey.json', JSON.stringify([{ image: 'image.png', mask: 'grey-mask.png', label: 0 }, { image: 'image2.png', mask: 'mask.png', label: 1 }]));
    const r = readManifest(m);
    const e = expectDataError(r, 'bad-mask', grey);
    expect(e.message).toContain('several positive levels (values from 0 to 247)');
    expect(e.message).toContain('maskThreshold');
    expect(E.isRight(r)).toBe(false);
    const ds = right(readManifest(m, { maskThreshold: 127 }));
    expect(Array.from(ds.samples[0]!.mask.data)).toEqual(Array.from({ length: W * H }, (_, i) => (Math.round(i * 8.5) > 127 ? 1 : 0)));
  });

  it('two rows with one id get a duplicate DataError naming both rows, and no renamed copy', () => {
    const m = manifest('dup-id.csv', 'id,image,mask,label\nphantom-000,image.png,mask.png,0\nphantom-000,image2.png,mask.png,1\n');
    const e = expectDataError(readManifest(m), 'duplicate', m);
    expect(e.message).toContain('line 3: id "phantom-000" is already the id of line 2');
    expect(e.message).not.toContain('#1');
  });

  it('a repeated row gets a duplicate DataError; ids that collide through file names say to add an id column', () => {
    const m = manifest('dup-row.csv', 'image,mask,label\nimage.png,mask.png,0\nimage2.png,mask.png,1\nimage.png,mask.png,0\n');
    expect(expectDataError(readManifest(m), 'duplicate', m).message).toContain('line 4: repeats line 2');
    fs.mkdirSync(tmp.file('other'));
    fs.copyFileSync(tmp.file('image2.png'), tmp.file('other/image.png'));
    const same = manifest('dup-name.csv', 'image,mask,label\nimage.png,mask.png,0\nother/image.png,mask.png,1\n');
    const e = expectDataError(readManifest(same), 'duplicate', same);
    expect(e.message).toContain('id "image" is already the id of line 2');
    expect(e.message).toContain('give each row an id');
    expect(right(readManifest(manifest('ids.csv', 'id,image,mask,label\na,image.png,mask.png,0\nb,other/image.png,mask.png,1\n'))).samples.map((s) => s.id)).toEqual(['a', 'b']);
  });
});

describe('defect 13: a binary file given as a manifest gets a short, escaped excerpt', () => {
  it('a PNG passed as manifest.csv, as manifest.json and without an extension gets one escaped line, not its raw bytes', () => {
    const png = right(encodePng({ width: 40, height: 40, data: Float32Array.from({ length: 1600 }, (_, i) => (i * 37) % 256) }));
    for (const name of ['binary.csv', 'binary.json', 'binary']) {
      const m = tmp.file(name);
      fs.writeFileSync(m, png);
      const e = expectDataError(readManifest(m), 'bad-manifest', m);
      expect(e.message).toContain('not a text manifest');
      expect(e.message).toContain('starts "\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR');
      expectOneShortLine(e, 300);
    }
  });

  it('text with control characters and a 10,000-character column name gets escaped and cut names in the header error', () => {
    const m = manifest('controls.csv', `\u0001\u0002${'x'.repeat(10_000)},mask,label\na,b,1\n`);
    const e = expectDataError(readManifest(m), 'bad-manifest', m);
    expect(e.message).toContain('"\\x01\\x02xxxx');
    expect(e.message).toContain('…"');
    expectOneShortLine(e, 600);
  });

  it('invalid JSON quotes the parser message escaped and short', () => {
    const m = manifest('bad.json', `{"samples": [\u0007${'y'.repeat(5000)}`);
    const e = expectDataError(readManifest(m), 'bad-manifest', m);
    expect(e.message).toContain('invalid JSON');
    expectOneShortLine(e);
  });
});
