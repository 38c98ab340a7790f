import { describe, expect, it } from 'vitest';
import {
  ShapeError, Tensor, concat, div, mean, mul, ones, random, slice, square, sub, sum, treeLeaves, vjp, zeros, type Key,
} from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { blobs, leafBytes, xor } from './fixtures.ts';

const mlp = () => nn.toModel(nn.sequential(nn.dense(8), nn.elu(), nn.dense(1)), [1, 2]);
const smallCnn = () => nn.paperCnn({ inputSize: 16, channels: [4, 4, 4], hidden: [8] });

describe('train', () => {
  it('learns XOR with a small MLP (100% train accuracy)', async () => {
    const r = await nn.train({ model: mlp(), data: xor, epochs: 300, batchSize: 4, optimizer: nn.adam({ lr: 0.05 }), seed: 1 });
    expect(r.stopReason).toBe('completed');
    expect(r.history).toHaveLength(300);
    expect(r.history.at(-1)!.train!.accuracy).toBe(1);
    expect(nn.classify(nn.predict(mlp(), r.params, xor.x))).toEqual(xor.y);
  });

  it('a small paperCnn separates bright from dark blobs (100% train accuracy) with a falling loss', async () => {
    const data = blobs(32, 16, 3);
    const test = blobs(16, 16, 4);
    const epochs: nn.EpochMetrics[] = [];
    const r = await nn.train({ model: smallCnn(), data, test, epochs: 10, batchSize: 8, optimizer: nn.adam({ lr: 0.01 }), seed: 1, onEpoch: (e) => epochs.push(e.metrics) });
    expect(epochs).toEqual(r.history);
    const first = r.history[0]!, last = r.history.at(-1)!;
    expect(first.train!.accuracy).toBeLessThan(1);
    expect(last.train!.accuracy).toBe(1);
    expect(last.train!.balancedAccuracy).toBe(1);
    expect(last.train!.auc).toBe(1);
    expect(last.trainLoss).toBeLessThan(first.trainLoss / 5);
    expect(last.test!.n).toBe(16);
    expect(last.test!.accuracy).toBeGreaterThan(0.8);
  });

  it('the loss decreases on a tiny image set with the default BCE and SGD', async () => {
    const data = blobs(8, 16, 5);
    const r = await nn.train({ model: smallCnn(), data, epochs: 6, batchSize: 4, optimizer: nn.sgd({ lr: 0.05, momentum: 0.9 }), seed: 2, evaluateTrain: false });
    const losses = r.history.map((h) => h.trainLoss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
    expect(r.history[0]!.train).toBeUndefined();
  });

  it('takes a loss with a gradient inside it (the shape of the alignment reward) and trains through second-order AD', async () => {
    const model = smallCnn();
    const data = blobs(8, 16, 7);
    const v = random.normal(random.key(8), [1, 1, 16, 16]);
    const aligned: nn.LossFn<nn.CnnParams> = (params, batch) => {
      const n = batch.x.shape[0]!;
      const ct = slice(batch.x, [0, 0, 0, 0], [n, 1, 16, 16]);
      const mask = slice(batch.x, [0, 1, 0, 0], [n, 1, 16, 16]);
      const [logits, pullback] = vjp((c: Tensor) => model.apply(params, concat([c, mask], 1)), ct);
      const [g] = pullback(ones([n, 1])) as [Tensor];
      const cos2 = div(square(sum(mul(g, v), [1, 2, 3])), mul(sum(square(g), [1, 2, 3]), sum(square(v))));
      return sub(nn.bceWithLogits(logits, batch.y), mul(mean(cos2), 0.5));
    };
    const opts = { model, data, epochs: 2, batchSize: 4, optimizer: nn.adam({ lr: 0.01 }), seed: 3 } as const;
    const [plain, reg] = await Promise.all([nn.train(opts), nn.train({ ...opts, loss: aligned })]);
    expect(reg.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
    // The reward lowers the objective below the BCE alone and changes where training goes.
    expect(reg.history[0]!.trainLoss).toBeLessThan(plain.history[0]!.trainLoss);
    expect(leafBytes(treeLeaves(reg.params))).not.toEqual(leafBytes(treeLeaves(plain.params)));
  });

  it('is deterministic: the same seed gives the same weights bit for bit, another seed does not', async () => {
    const data = blobs(12, 16, 6);
    const run = (seed: number) => nn.train({ model: smallCnn(), data, epochs: 2, batchSize: 5, optimizer: nn.adam({ lr: 0.01 }), seed });
    const [a, b, c] = await Promise.all([run(9), run(9), run(10)]);
    expect(leafBytes(treeLeaves(a.params))).toEqual(leafBytes(treeLeaves(b.params)));
    expect(leafBytes(treeLeaves(a.state.optState))).toEqual(leafBytes(treeLeaves(b.state.optState)));
    expect(a.history).toEqual(b.history);
    expect(leafBytes(treeLeaves(a.params))).not.toEqual(leafBytes(treeLeaves(c.params)));
  });

  it('shuffles with random.permutation(foldIn(key, epoch)) and hands the loss a fresh key per step', async () => {
    const seen: { indices: readonly number[]; key: Key }[] = [];
    const model = mlp();
    const base = nn.bceLoss(model);
    const data = { x: zeros([6, 2]), y: [0, 1, 0, 1, 0, 1] };
    await nn.train({ model, data, epochs: 2, batchSize: 4, optimizer: nn.sgd(), seed: 4, loss: (p, batch, key) => (seen.push({ indices: batch.indices, key }), base(p, batch, key)) });
    const shuffle = random.split(nn.trainKey(4), 3)[1]!;
    for (const epoch of [0, 1]) {
      const order = random.permutation(random.foldIn(shuffle, epoch), 6);
      expect(seen[2 * epoch]!.indices).toEqual(order.slice(0, 4));
      expect(seen[2 * epoch + 1]!.indices).toEqual(order.slice(4));
    }
    expect(new Set(seen.map((s) => s.key.join(','))).size).toBe(4);
  });

  it('step-level API: trainSteps yields every step (with batch/batches for a progress bar) and each epoch', async () => {
    const events: string[] = [];
    const it = nn.trainSteps({ model: mlp(), data: xor, epochs: 2, batchSize: 3, optimizer: nn.adam(), seed: 0 });
    let r = await it.next();
    while (!r.done) {
      const e = r.value;
      events.push(e.kind === 'step' ? `step ${e.epoch}:${e.batch}/${e.batches} #${e.step}` : `epoch ${e.epoch}`);
      r = await it.next();
    }
    expect(events).toEqual(['step 0:0/2 #1', 'step 0:1/2 #2', 'epoch 0', 'step 1:0/2 #3', 'step 1:1/2 #4', 'epoch 1']);
    expect(r.value.stopReason).toBe('completed');
    expect(r.value.state.step).toBe(4);
  });

  it('an abort signal stops after the current step and returns a resumable state', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const r = await nn.train({
      model: mlp(), data: xor, epochs: 5, batchSize: 1, optimizer: nn.adam(), seed: 0, signal: controller.signal,
      onStep: (e) => {
        steps.push(e.step);
        if (e.step === 6) controller.abort();
      },
    });
    expect(r.stopReason).toBe('aborted');
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.state).toMatchObject({ epoch: 1, batch: 2, step: 6, lossCount: 2 });
    expect(r.history).toHaveLength(1);
  });

  it('stops early when the watched metric stops improving for `patience` epochs', async () => {
    const r = await nn.train({ model: mlp(), data: xor, epochs: 2000, batchSize: 4, optimizer: nn.adam({ lr: 0.05 }), seed: 1, earlyStopping: { metric: 'train.accuracy', patience: 3 } });
    expect(r.stopReason).toBe('early-stopping');
    expect(r.history.length).toBeLessThan(2000);
    const best = r.state.best!;
    expect(best.epoch).toBe(r.history.length - 4);
    expect(r.history.slice(-3).every((h) => h.train!.accuracy <= best.value)).toBe(true);
  });

  it('bad input is a typed error naming the problem', async () => {
    const opts = { model: mlp(), epochs: 1, batchSize: 2, optimizer: nn.adam(), seed: 0 };
    await expect(nn.train({ ...opts, data: { x: zeros([0, 2]), y: [] } })).rejects.toThrow(expect.objectContaining({ code: 'empty-data', message: expect.stringMatching(/data has no samples/) }));
    await expect(nn.train({ ...opts, data: { x: xor.x, y: [0, 1, 2, 0] } })).rejects.toThrow(nn.LabelError);
    await expect(nn.train({ ...opts, data: { x: xor.x, y: [0, 1] } })).rejects.toThrow(/4 samples but data.y has 2 labels/);
    await expect(nn.train({ ...opts, data: xor, test: { x: xor.x, y: [0, 1, 1, 7] } })).rejects.toThrow(/test.y.*index 3 is 7/);
    await expect(nn.train({ ...opts, data: xor, batchSize: 0, epochs: -1 })).rejects.toThrow(expect.objectContaining({ problems: ['epochs must be a non-negative integer, got -1', 'batchSize must be a positive integer, got 0'] }));
    await expect(nn.train({ ...opts, data: xor, earlyStopping: { metric: 'test.auc', patience: 1 } })).rejects.toThrow(/needs test data/);
    await expect(nn.train({ ...opts, data: { x: zeros([4, 3]), y: xor.y } })).rejects.toThrow(ShapeError);
    expect(() => nn.gatherBatch(xor, [])).toThrow(expect.objectContaining({ code: 'empty-batch' }));
    expect(() => nn.gatherBatch(xor, [4])).toThrow(/index 4 is outside \[0, 4\)/);
    await expect(nn.train({ ...opts, data: xor, optimizer: nn.sgd({ lr: 1e30 }) , epochs: 3 })).rejects.toThrow(expect.objectContaining({ code: 'non-finite' }));
  });

  it('balancedPosWeight is #negatives / #positives', () => {
    expect(nn.balancedPosWeight([1, 0, 0, 0, 1, 0, 0, 0])).toBe(3);
    expect(() => nn.balancedPosWeight([0, 0])).toThrow(/needs both classes/);
  });
});
