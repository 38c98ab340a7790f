import { describe, expect, expectTypeOf, it } from 'vitest';
import * as fg from '../src/index.ts';

describe('the package root exports the documented API', () => {
  it('tensor, autodiff, nn, interp, data and report entry points', () => {
    for (const name of ['tensor', 'scalar', 'fromArray', 'zeros', 'ones', 'add', 'sub', 'mul', 'div', 'neg', 'exp', 'log', 'sqrt', 'square', 'sigmoid', 'tanh', 'elu', 'relu', 'softplus', 'where', 'sum', 'mean', 'max', 'matmul', 'reshape', 'transpose', 'conv2d', 'avgPool2d', 'jvp', 'vjp', 'grad', 'valueAndGrad', 'hvp', 'jacfwd', 'jacrev', 'stopGradient', 'alignment', 'flowAlignment', 'alignmentReward'])
      expect(typeof (fg as Record<string, unknown>)[name], name).toBe('function');
    expect(typeof fg.random.key).toBe('function');
    expect(typeof fg.nn.paperCnn).toBe('function');
    expect(typeof fg.nn.train).toBe('function');
    expect(typeof fg.features.brightness).toBe('function');
    expect(typeof fg.features.noise).toBe('function');
    expect(typeof fg.data.phantom).toBe('function');
    expect(typeof fg.report.renderHtml).toBe('function');
    expect(typeof fg.experiment.runExperiment).toBe('function');
    expect(typeof fg.experiment.mergeShards).toBe('function');
  });

  it('nn.paperCnn gives logits [N, 1] typed from the input', () => {
    const cnn = fg.nn.paperCnn({ inputSize: 16, channels: [2, 2, 2], hidden: [4, 4] });
    const params = cnn.init(fg.random.key(0));
    const y = cnn.apply(params, fg.zeros([3, 2, 16, 16]));
    expectTypeOf(y.shape).toEqualTypeOf<[3, 1]>();
    expect(y.shape).toEqual([3, 1]);
  });
});
