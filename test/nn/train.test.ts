import { describe, expect, it } from 'vitest';
import {
  ShapeError, Tensor, add, concat, div, mean, mul, ones, random, slice, square, sub, sum, treeLeaves, vjp, zeros, type Key,
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
    const validation = blobs(16, 16, 4);
    const epochs: nn.EpochMetrics[] = [];
    const r = await nn.train({ model: smallCnn(), data, validation, epochs: 10, batchSize: 8, optimizer: nn.adam({ lr: 0.01 }), seed: 1, onEpoch: (e) => epochs.push(e.metrics) });
    expect(epochs).toEqual(r.history);
    const first = r.history[0]!, last = r.history.at(-1)!;
    expect(first.train!.accuracy).toBeLessThan(1);
    expect(last.train!.accuracy).toBe(1);
    expect(last.train!.balancedAccuracy).toBe(1);
    expect(last.train!.auc).toBe(1);
    expect(last.trainLoss).toBeLessThan(first.trainLoss / 5);
    expect(last.validation!.n).toBe(16);
    expect(last.validation!.accuracy).toBeGreaterThan(0.8);
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
    await expect(nn.train({ ...opts, data: xor, validation: { x: xor.x, y: [0, 1, 1, 7] } })).rejects.toThrow(/validation.y.*index 3 is 7/);
    await expect(nn.train({ ...opts, data: xor, batchSize: 0, epochs: -1 })).rejects.toThrow(expect.objectContaining({ problems: ['epochs must be a non-negative integer, got -1', 'batchSize must be a positive integer, got 0'] }));
    await expect(nn.train({ ...opts, data: xor, earlyStopping: { metric: 'validation.auc', patience: 1 } })).rejects.toThrow(/earlyStopping.metric validation.auc needs validation data/);
    await expect(nn.train({ ...opts, data: xor, earlyStopping: { metric: 'test.auc' as never, patience: 1 } })).rejects.toThrow(/earlyStopping.metric must be one of trainLoss, train.bce/);
    await expect(nn.train({ ...opts, data: xor, restoreBest: { metric: 'train.auc', mode: 'up' as never } })).rejects.toThrow(/restoreBest.mode must be 'min' or 'max', got "up"/);
    await expect(nn.train({ ...opts, data: xor, augment: 3 as never })).rejects.toThrow(/augment must be a function/);
    await expect(nn.train({ ...opts, data: xor, augment: (b) => ({ ...b, x: b.x.shape[0] ? zeros([1, 2]) : b.x }) })).rejects.toThrow(expect.objectContaining({ code: 'bad-value', message: expect.stringMatching(/augment must return a batch .* of the 2 samples it was given \(epoch 0, batch 0\)/) }));
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

describe('trainStep and the driver around it', () => {
  it('trainStep is pure: the same state, batch and key give the same bits, and the input state is untouched', () => {
    const model = smallCnn();
    const optimizer = nn.adam({ lr: 0.01 });
    const step = nn.trainStep({ loss: nn.bceLoss(model), optimizer, clipNorm: 5 });
    const state = nn.initialState({ model, optimizer, seed: 3 });
    const before = leafBytes(treeLeaves(state.params));
    const batch = nn.gatherBatch(blobs(6, 16, 11), [0, 1, 2, 3]);
    const a = step(state, batch, random.key(1));
    const b = step(state, batch, random.key(1));
    expect(leafBytes(treeLeaves(a.params))).toEqual(leafBytes(treeLeaves(b.params)));
    expect(leafBytes(treeLeaves(a.optState))).toEqual(leafBytes(treeLeaves(b.optState)));
    expect(a.loss).toBe(b.loss);
    expect(Number.isFinite(a.loss)).toBe(true);
    expect(leafBytes(treeLeaves(state.params))).toEqual(before);
    expect(a.optState.count.item()).toBe(1);
  });

  it('a hand-written loop of trainStep over the epoch\'s shuffled batches computes what train() does', async () => {
    const model = mlp();
    const optimizer = nn.adam({ lr: 0.05 });
    const data = { x: random.normal(random.key(5), [7, 2]), y: [0, 1, 1, 0, 1, 0, 1] };
    const seed = 12;
    const r = await nn.train({ model, data, epochs: 2, batchSize: 3, optimizer, seed, evaluateTrain: false });
    const step = nn.trainStep({ loss: nn.bceLoss(model), optimizer });
    const [, shuffle, lossKey] = random.split(nn.trainKey(seed), 3) as [Key, Key, Key];
    let state: nn.StepState<nn.ParamsOf<ReturnType<typeof mlp>['layer']>> = nn.initialState({ model, optimizer, seed });
    for (let epoch = 0; epoch < 2; epoch++) {
      const order = random.permutation(random.foldIn(shuffle, epoch), 7);
      for (let b = 0; b < 3; b++) state = step(state, nn.gatherBatch(data, order.slice(3 * b, 3 * b + 3)), random.foldIn(random.foldIn(lossKey, epoch), b));
    }
    expect(leafBytes(treeLeaves(state.params))).toEqual(leafBytes(treeLeaves(r.params)));
  });

  it('restoreBest keeps the best epoch\'s params (ties go to the earlier epoch); the state keeps the last ones', async () => {
    const model = mlp();
    const seen: Tensor[][] = [];
    const opts = { model, data: xor, validation: xor, epochs: 12, batchSize: 4, optimizer: nn.adam({ lr: 0.05 }), seed: 1 } as const;
    const r = await nn.train({ ...opts, restoreBest: { metric: 'validation.accuracy' }, onEpoch: (e) => void seen.push(treeLeaves(e.state.params)) });
    const accuracies = r.history.map((h) => h.validation!.accuracy);
    const best = Math.max(...accuracies);
    expect(r.bestEpoch).toEqual({ epoch: accuracies.indexOf(best), value: best });
    expect(accuracies.filter((a) => a === best).length).toBeGreaterThan(1);
    expect(leafBytes(treeLeaves(r.params))).toEqual(leafBytes(seen[r.bestEpoch!.epoch]!));
    expect(leafBytes(treeLeaves(r.state.params))).toEqual(leafBytes(seen.at(-1)!));
    // mode overrides the metric's direction: the worst BCE, as a check that mode is read.
    const worst = await nn.train({ ...opts, restoreBest: { metric: 'validation.bce', mode: 'max' } });
    const bces = worst.history.map((h) => h.validation!.bce);
    expect(worst.bestEpoch!.value).toBe(Math.max(...bces));
    // Without restoreBest the result has the final params and no bestEpoch.
    const plain = await nn.train(opts);
    expect(plain.bestEpoch).toBeUndefined();
    expect(leafBytes(treeLeaves(plain.params))).toEqual(leafBytes(treeLeaves(r.state.params)));
  });

  it('augment changes every training batch with a key of (epoch, batch), and an augmented run resumed mid-epoch is bit-identical', async () => {
    const model = smallCnn();
    const data = blobs(10, 16, 31);
    const keys = new Set<string>();
    const augment = (batch: nn.Batch, key: Key): nn.Batch => {
      keys.add(key.join(','));
      const noise = random.normal(key, batch.x.shape, { dtype: batch.x.dtype });
      return { ...batch, x: add(batch.x, mul(noise, 0.05)) as Tensor };
    };
    const opts = { model, data, epochs: 3, batchSize: 4, optimizer: nn.adam({ lr: 0.01 }), seed: 2, augment } as const;
    const full = await nn.train(opts);
    expect(keys.size).toBe(9);
    const plain = await nn.train({ ...opts, augment: undefined });
    expect(leafBytes(treeLeaves(full.params))).not.toEqual(leafBytes(treeLeaves(plain.params)));
    const controller = new AbortController();
    const part = await nn.train({ ...opts, signal: controller.signal, onStep: (e) => e.step === 5 && controller.abort() });
    expect(part.state).toMatchObject({ epoch: 1, batch: 2 });
    const resumed = await nn.train({ ...opts, resume: part.state });
    expect(leafBytes(treeLeaves(resumed.params))).toEqual(leafBytes(treeLeaves(full.params)));
    expect(resumed.history).toEqual(full.history);
    // Scoring reads the data as it is: the last epoch's train metrics are those of the unaugmented inputs.
    expect(full.history.at(-1)!.train).toEqual(nn.scoreLogits(nn.predict(model, full.state.params, data.x, 32), data.y));
  });
});
