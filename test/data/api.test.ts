import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as data from '../../src/data/node.ts';
import * as browserData from '../../src/data/index.ts';

const SRC = path.resolve(import.meta.dirname, '../../src/data');

describe('data layer API and layering', () => {
  it('node.ts re-exports the public API', () => {
    for (const name of [
      'phantom',
      'makePhantom',
      'windowHU',
      'cropAroundMask',
      'resizeBilinear',
      'readDicom',
      'readDicomMask',
      'readNifti',
      'readPng',
      'writePng',
      'readIdx',
      'writeIdx',
      'readManifest',
      'loadMnist',
      'stratifiedSplit',
      'readImageFile',
      'readMaskFile',
      'validateDataset',
      'DataError',
      'Rng',
    ]) {
      expect(typeof (data as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('index.ts (the browser-safe part) has the decoders of bytes but no reader of files', () => {
    for (const name of ['phantom', 'decodeDicom', 'decodeDicomMask', 'decodeNifti', 'decodePng', 'encodePng', 'decodeIdx', 'encodeIdx', 'decodeImage', 'windowHU', 'stratifiedSplit'])
      expect(typeof (browserData as Record<string, unknown>)[name], name).toBe('function');
    for (const name of ['readDicom', 'readPng', 'writePng', 'readIdx', 'readImageFile', 'readManifest', 'loadMnist'])
      expect((browserData as Record<string, unknown>)[name], name).toBeUndefined();
  });

  it('src/data imports only itself, node built-ins, fp-ts, its file-format libraries and leven (never tensor/ad/nn/…)', () => {
    const allowed = /^(\.\/[\w-]+\.ts|\.\.\/errors\.ts|node:[\w/]+|fp-ts\/lib\/[\w]+\.js|dicom-parser|nifti-reader-js|fast-png|fflate|crc-32|csv-parse|leven)$/;
    for (const f of fs.readdirSync(SRC).filter((x) => x.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(SRC, f), 'utf8');
      const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!);
      for (const s of specs) expect(s, `${f} imports ${s}`).toMatch(allowed);
      expect(text).not.toMatch(/Math\.random/);
    }
  });
});
