import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tensor, treeLeaves } from '../../src/index.ts';
import * as nn from '../../src/nn/node.ts';
import { blobs, leafBytes } from './fixtures.ts';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const dir = mkdtempSync(join(tmpdir(), 'fgflow-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = { inputSize: 16, channels: [3, 4, 4], hidden: [6] } as const;
const model = nn.paperCnn(config);
const optimizer = nn.adam({ lr: 0.01 });
const data = blobs(10, 16, 21);
const validation = blobs(6, 16, 22);
const base = { model, data, validation, epochs: 3, batchSize: 4, optimizer, seed: 5 } as const;

async function trained(): Promise<nn.CheckpointData<nn.CnnParams>> {
  const r = await nn.train({ ...base, epochs: 1 });
  return { model: model.config, optimizer: optimizer.config, state: r.state, meta: { split: 'test-fixture' } };
}

function corruptAt(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[offset]! ^= 0x40;
  return copy;
}

describe('checkpoints', () => {
  it('round-trips params, optimiser state, position, key and metrics exactly', async () => {
    const ckpt = await trained();
    const path = join(dir, 'roundtrip.ckpt');
    await nn.saveCheckpoint(path, ckpt);
    const header = await nn.readCheckpointHeader(path);
    expect(header).toMatchObject({ format: 'fgflow-checkpoint', version: nn.CHECKPOINT_VERSION, model: model.config, optimizer: { config: optimizer.config, slots: ['m', 'v'] }, meta: { split: 'test-fixture' } });
    expect(header.tensors.map((t) => t.path)).toContain('params.conv1.w');
    expect(header.tensors.find((t) => t.path === 'opt.slots.v.dense1.w')).toMatchObject({ shape: [16, 6], dtype: 'f32', byteLength: 16 * 6 * 4 });
    expect(header.tensors.every((t) => t.offset % 8 === 0)).toBe(true);
    const back = await nn.loadCheckpoint(path, { model, optimizer });
    expect(leafBytes(treeLeaves(back.state.params))).toEqual(leafBytes(treeLeaves(ckpt.state.params)));
    expect(leafBytes(treeLeaves(back.state.optState))).toEqual(leafBytes(treeLeaves(ckpt.state.optState)));
    const { params: _a, optState: _b, ...rest } = back.state;
    const { params: _c, optState: _d, ...expected } = ckpt.state;
    expect(rest).toEqual(expected);
    expect(back.optimizer).toEqual(optimizer.config);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('resuming from a checkpoint gives bit-identical results to the uninterrupted run', async () => {
    const full = await nn.train(base);
    // 10 samples in batches of 4: 3 steps per epoch. Stop mid-epoch (step 4) and at an epoch's end (step 6).
    for (const stopAt of [4, 6]) {
      const controller = new AbortController();
      const part = await nn.train({ ...base, signal: controller.signal, onStep: (e) => e.step === stopAt && controller.abort() });
      expect(part.stopReason).toBe('aborted');
      const path = join(dir, `resume-${stopAt}.ckpt`);
      await nn.saveCheckpoint(path, { model: model.config, optimizer: optimizer.config, state: part.state });
      const loaded = await nn.loadCheckpoint(path, { model, optimizer });
      const resumed = await nn.train({ ...base, optimizer: nn.optimizerFromConfig(loaded.optimizer), resume: loaded.state });
      expect(resumed.stopReason).toBe('completed');
      expect(leafBytes(treeLeaves(resumed.params))).toEqual(leafBytes(treeLeaves(full.params)));
      expect(leafBytes(treeLeaves(resumed.state.optState))).toEqual(leafBytes(treeLeaves(full.state.optState)));
      expect(resumed.history).toEqual(full.history);
      expect(resumed.state.step).toBe(9);
    }
    await expect(nn.train({ ...base, seed: 6, resume: full.state })).rejects.toThrow(/different seed/);
  });

  it('train awaits an async onEpoch, so a checkpoint can be written every epoch', async () => {
    const path = join(dir, 'every-epoch.ckpt');
    const saved: number[] = [];
    const r = await nn.train({
      ...base,
      onEpoch: async (e) => {
        await nn.saveCheckpoint(path, { model: model.config, optimizer: optimizer.config, state: e.state });
        saved.push((await nn.readCheckpointHeader(path)).train.epoch);
      },
    });
    expect(saved).toEqual([1, 2, 3]);
    const last = await nn.loadCheckpoint(path, { model, optimizer });
    expect(leafBytes(treeLeaves(last.state.params))).toEqual(leafBytes(treeLeaves(r.params)));
    expect(last.state.history).toEqual(r.history);
  });

  it('a truncated file is a CheckpointError (truncated)', async () => {
    const path = join(dir, 'good.ckpt');
    await nn.saveCheckpoint(path, await trained());
    const bytes = readFileSync(path);
    for (const keep of [5, 40, bytes.byteLength - 3]) {
      const cut = join(dir, `cut-${keep}.ckpt`);
      writeFileSync(cut, bytes.subarray(0, keep));
      await expect(nn.loadCheckpoint(cut, { model })).rejects.toThrow(expect.objectContaining({ name: 'CheckpointError', code: 'truncated' }));
    }
  });

  it('altered bytes, a foreign file or trailing bytes are a CheckpointError (corrupt)', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'good.ckpt')));
    const headerLen = new DataView(bytes.buffer).getUint32(8, true);
    const cases: [string, Uint8Array, RegExp][] = [
      ['in the header', corruptAt(bytes, 16 + 10), /header checksum/],
      ['in the weights', corruptAt(bytes, bytes.byteLength - 10), /weights checksum/],
      ['in the magic', corruptAt(bytes, 0), /not an fgflow checkpoint/],
      ['after the end', Uint8Array.from([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]), /unexpected bytes after the data/],
    ];
    expect(headerLen).toBeGreaterThan(10);
    for (const [, b, message] of cases) {
      expect(() => nn.decodeCheckpoint(b, { model })).toThrow(expect.objectContaining({ code: 'corrupt', message: expect.stringMatching(message) }));
    }
  });

  it('another format version is a CheckpointError (version)', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'good.ckpt')));
    const view = new DataView(bytes.buffer);
    const len = view.getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len)));
    header.version = 3;
    // Same length keeps the layout; the checksum is recomputed so only the version is wrong.
    const json = new TextEncoder().encode(JSON.stringify(header));
    expect(json.byteLength).toBe(len);
    bytes.set(json, 16);
    view.setUint32(12, crc32(json), true);
    const path = join(dir, 'v3.ckpt');
    writeFileSync(path, bytes);
    await expect(nn.loadCheckpoint(path, { model })).rejects.toThrow(expect.objectContaining({ code: 'version', message: expect.stringMatching(/format version 3; this build reads versions 1 to 2/) }));
  });

  // Written by fgflow 79229db (format version 1, before restoreBest and the rename of `test` to
  // `validation`): a 2-3-1 MLP trained 2 epochs on XOR with adam({ lr: 0.05 }), seed 7, batch 3.
  const xor = { x: tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]), y: [0, 1, 1, 0] };
  const xorModel = nn.toModel(nn.sequential(nn.dense(3), nn.elu(), nn.dense(1)), [1, 2]);
  const v1 = new URL('./fixtures/v1-xor-mlp.ckpt', import.meta.url);
  const xorRun = { model: xorModel, data: xor, validation: xor, batchSize: 3, optimizer: nn.adam({ lr: 0.05 }), seed: 7 } as const;

  it('a version-1 checkpoint still loads: its test metrics become validation metrics, it has no best epoch, and it resumes exactly', async () => {
    const header = await nn.readCheckpointHeader(v1.pathname);
    expect(header.version).toBe(2);
    expect(header.train.bestEpoch).toBeNull();
    expect(header.metrics.map((m) => [m.epoch, m.validation?.n, 'test' in m])).toEqual([[0, 4, false], [1, 4, false]]);
    expect(header.metrics[1]!.validation).toEqual({ n: 4, bce: 0.703193623440405, accuracy: 0.5, balancedAccuracy: 0.5, auc: 0.5 });
    const loaded = await nn.loadCheckpoint(v1.pathname, { model: xorModel, optimizer: xorRun.optimizer });
    expect(loaded.state.bestEpoch).toBeNull();
    expect(loaded.state).toMatchObject({ epoch: 2, batch: 0, step: 4 });
    const resumed = await nn.train({ ...xorRun, epochs: 4, resume: loaded.state });
    const straight = await nn.train({ ...xorRun, epochs: 4 });
    expect(leafBytes(treeLeaves(resumed.params))).toEqual(leafBytes(treeLeaves(straight.params)));
    expect(resumed.history).toEqual(straight.history);
  });

  it('with restoreBest, a checkpoint stores the best epoch and its params, and a resumed run ends on the same best epoch', async () => {
    const opts = { ...base, epochs: 4, restoreBest: { metric: 'validation.bce' } } as const;
    const full = await nn.train(opts);
    expect(full.bestEpoch).not.toBeNull();
    const controller = new AbortController();
    const part = await nn.train({ ...opts, signal: controller.signal, onStep: (e) => e.step === 7 && controller.abort() });
    expect(part.state.bestEpoch).not.toBeNull();
    const path = join(dir, 'best.ckpt');
    await nn.saveCheckpoint(path, { model: model.config, optimizer: optimizer.config, state: part.state });
    const header = await nn.readCheckpointHeader(path);
    expect(header.train.bestEpoch).toEqual({ epoch: part.state.bestEpoch!.epoch, value: part.state.bestEpoch!.value });
    expect(header.tensors.filter((t) => t.path.startsWith('best.')).map((t) => t.path)).toContain('best.conv1.w');
    const loaded = await nn.loadCheckpoint(path, { model, optimizer });
    expect(leafBytes(treeLeaves(loaded.state.bestEpoch!.params))).toEqual(leafBytes(treeLeaves(part.state.bestEpoch!.params)));
    const resumed = await nn.train({ ...opts, resume: loaded.state });
    expect(resumed.bestEpoch).toEqual(full.bestEpoch);
    expect(leafBytes(treeLeaves(resumed.params))).toEqual(leafBytes(treeLeaves(full.params)));
  });

  it("weights that do not fit the model are a CheckpointError (shape-mismatch) naming the leaves", async () => {
    const path = join(dir, 'good.ckpt');
    const wider = nn.paperCnn({ ...config, hidden: [7] });
    await expect(nn.loadCheckpoint(path, { model: wider })).rejects.toThrow(expect.objectContaining({ code: 'shape-mismatch', message: expect.stringMatching(/model config/) }));
    // Without a config to compare, the leaves themselves are checked.
    const bare = { init: wider.init, apply: wider.apply };
    await expect(nn.loadCheckpoint(path, { model: bare })).rejects.toThrow(/params\.dense1\.w is \[16, 6\] f32, the model needs \[16, 7\] f32/);
    const deeper = nn.paperCnn({ ...config, hidden: [6, 2] });
    await expect(nn.loadCheckpoint(path, { model: { init: deeper.init, apply: deeper.apply } })).rejects.toThrow(/missing params\.dense2\.b/);
    await expect(nn.loadCheckpoint(path, { model, optimizer: nn.sgd() })).rejects.toThrow(expect.objectContaining({ code: 'shape-mismatch', message: expect.stringMatching(/optimizer state is adam/) }));
  });

  it('a missing file and an unwritable target are CheckpointErrors (io)', async () => {
    await expect(nn.loadCheckpoint(join(dir, 'absent.ckpt'), { model })).rejects.toThrow(expect.objectContaining({ code: 'io' }));
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a directory');
    await expect(nn.saveCheckpoint(join(file, 'ckpt'), await trained())).rejects.toThrow(expect.objectContaining({ code: 'io', message: expect.stringMatching(/cannot create a temporary file/) }));
  });

  it('a failed save leaves the previous checkpoint intact and no temporary file behind', async () => {
    const path = join(dir, 'keep.ckpt');
    const first = await trained();
    await nn.saveCheckpoint(path, first);
    const before = readFileSync(path);
    const later = { ...first, state: (await nn.train({ ...base, epochs: 2 })).state };
    vi.mocked(fsp.rename).mockRejectedValueOnce(Object.assign(new Error('EIO: simulated failure'), { code: 'EIO' }));
    await expect(nn.saveCheckpoint(path, later)).rejects.toThrow(expect.objectContaining({ code: 'io', message: expect.stringMatching(/previous checkpoint.*untouched/) }));
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('keep.ckpt') && f.endsWith('.tmp'))).toEqual([]);
    // The next save goes through and replaces it.
    await nn.saveCheckpoint(path, later);
    expect((await nn.loadCheckpoint(path, { model })).state.epoch).toBe(2);
  });
});
