import { describe, expect, expectTypeOf, it } from 'vitest';
import * as fg from '../src/index.ts';
import * as fgNode from '../src/node.ts';

describe('the package root exports the documented API', () => {
  it('tensor, autodiff, nn, interp, data and report entry points (the browser-safe root)', () => {
    for (const name of ['tensor', 'scalar', 'fromArray', 'zeros', 'ones', 'add', 'sub', 'mul', 'div', 'neg', 'exp', 'log', 'sqrt', 'square', 'sigmoid', 'tanh', 'elu', 'relu', 'softplus', 'where', 'sum', 'mean', 'max', 'matmul', 'reshape', 'transpose', 'conv2d', 'avgPool2d', 'jvp', 'vjp', 'grad', 'valueAndGrad', 'hvp', 'jacfwd', 'jacrev', 'stopGradient', 'alignment', 'flowAlignment', 'alignmentReward'])
      expect(typeof (fg as Record<string, unknown>)[name], name).toBe('function');
    expect(typeof fg.random.key).toBe('function');
    expect(typeof fg.nn.paperCnn).toBe('function');
    expect(typeof fg.nn.train).toBe('function');
    expect(typeof fg.features.brightness).toBe('function');
    expect(typeof fg.features.noise).toBe('function');
    expect(typeof fg.data.phantom).toBe('function');
    expect(typeof fg.report.renderHtml).toBe('function');
    expect(typeof fg.nn.decodeCheckpoint).toBe('function');
    expect(typeof fg.useGpujs).toBe('function');
  });

  it("fgflow/node adds files, checkpoints on disk, the report writer, the experiment and cpu-threads to the root's API", () => {
    for (const [name, value] of Object.entries(fg)) if (!['nn', 'data', 'report'].includes(name)) expect((fgNode as Record<string, unknown>)[name], name).toBe(value);
    for (const ns of ['nn', 'data', 'report'] as const)
      for (const [name, value] of Object.entries(fg[ns])) expect((fgNode[ns] as Record<string, unknown>)[name], `${ns}.${name}`).toBe(value);
    const added = { 'experiment.runExperiment': fgNode.experiment.runExperiment, 'experiment.mergeShards': fgNode.experiment.mergeShards, 'nn.saveCheckpoint': fgNode.nn.saveCheckpoint, 'data.readManifest': fgNode.data.readManifest, 'report.writeReport': fgNode.report.writeReport, setThreads: fgNode.setThreads };
    for (const [name, value] of Object.entries(added)) expect(typeof value, name).toBe('function');
    for (const name of ['experiment', 'setThreads'] as const) expect((fg as Record<string, unknown>)[name], name).toBeUndefined();
    expect((fg.nn as Record<string, unknown>).saveCheckpoint).toBeUndefined();
    expect((fg.report as Record<string, unknown>).writeReport).toBeUndefined();
  });

  it('nn.paperCnn gives logits [N, 1] typed from the input', () => {
    const cnn = fg.nn.paperCnn({ inputSize: 16, channels: [2, 2, 2], hidden: [4, 4] });
    const params = cnn.init(fg.random.key(0));
    const y = cnn.apply(params, fg.zeros([3, 2, 16, 16]));
    expectTypeOf(y.shape).toEqualTypeOf<[3, 1]>();
    expect(y.shape).toEqual([3, 1]);
  });
});
