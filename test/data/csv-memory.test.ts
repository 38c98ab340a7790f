/**
 * Issue 14, defect 11: a CSV manifest used to take ~37× its size in memory (a 50 MB one-line
 * file took 1.86 GB). It is now streamed through csv-parse in 64 KiB chunks and a line longer
 * than maxLineBytes is refused as soon as it passes the limit. This file runs in a process of
 * its own (vitest's forks pool), so the peak RSS it reads is its own; nothing is timed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { readManifest, readManifestEntries } from '../../src/data/manifest.ts';
import { expectDataError, makeTmp } from './helpers.ts';

const tmp = makeTmp('fgflow-csv-memory-');
afterAll(() => tmp.cleanup());

const MB = 1 << 20;
/** Growth of the process's peak resident memory over `body`, in bytes. */
const peakGrowth = (body: () => void): number => {
  const before = process.resourceUsage().maxRSS * 1024;
  body();
  return process.resourceUsage().maxRSS * 1024 - before;
};

describe('defect 11: CSV manifests are streamed, with a cap on the line length', () => {
  it('a 4 MB one-line CSV gets a bad-manifest error naming the line and the limit, and peak memory grows by far less than the file', () => {
    const file = tmp.file('one-line.csv');
    fs.writeFileSync(file, `image,mask,label\n${'a'.repeat(4 * MB)},m.png,1\n`);
    let result: ReturnType<typeof readManifest> | undefined;
    const growth = peakGrowth(() => {
      result = readManifest(file);
    });
    const e = expectDataError(result!, 'bad-manifest', file);
    expect(e.message).toContain('CSV line 2 is longer than 65536 bytes, the limit on a manifest line (maxLineBytes)');
    expect(e.message.length).toBeLessThan(300);
    expect(E.isRight(result!)).toBe(false);
    // Generous: the old parser grew by ~37× the file (~150 MB here); streaming needs a few chunks.
    expect(growth).toBeLessThan(24 * MB);
  });

  it('a 4 MB CSV of 30,000 ordinary rows is read whole, every row with its own line number', () => {
    const file = tmp.file('many-rows.csv');
    const row = (i: number) => `s${i},images/${'deep/'.repeat(20)}scan-${i}.png,masks/scan-${i}.png,${i % 2}`;
    fs.writeFileSync(file, ['id,image,mask,label', ...Array.from({ length: 30_000 }, (_, i) => row(i))].join('\n'));
    expect(fs.statSync(file).size).toBeGreaterThan(4 * MB);
    const r = readManifestEntries(file);
    if (E.isLeft(r)) throw r.left;
    expect(r.right.entries).toHaveLength(30_000);
    expect(r.right.entries[29_999]!.id).toBe('s29999');
    expect(r.right.rows[29_999]).toBe('line 30001');
  });

  it('maxLineBytes raises or lowers the cap; a record spanning chunks and lines keeps its starting line', () => {
    const file = tmp.file('long-field.csv');
    fs.writeFileSync(file, `image,mask,label\n"${'b'.repeat(100_000)}\nsecond line",m.png,1\nx.png,m.png,0\n`);
    expectDataError(readManifestEntries(file), 'bad-manifest', file);
    const r = readManifestEntries(file, { maxLineBytes: 1 << 18 });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.rows).toEqual(['line 2', 'line 4']);
    expect(r.right.entries[0]!.image.endsWith('second line')).toBe(true);
  });
});
