/**
 * Pins what src/interp computes beyond test/nn/golden.ts (which covers training with the reward
 * and pointwise S and A): gradient flows with every integrator, raw and normalised steps, a
 * threshold, a starved bisection and an unfinished path; the attribution methods; and the reward
 * with its per-row cache. Computed before issue 16 part 5 split flow, reward and attributions into
 * parts; golden.test.ts checks every number to the bit. `npx tsx test/interp/golden.ts` prints them.
 */
import { crc32 } from 'node:zlib';
import { add, grad, matmul, mean, mul, random, reshape, sqrt, sub, sum, tanh, Tensor } from '../../src/index.ts';
import {
  alignmentBatch, alignmentReward, brightness, extent, flowAlignmentBatch, integratedGradientsWithDelta, logAspectRatio, noise, smoothGrad,
  type BatchFlowOptions, type FlowResult, type ImageBatch,
} from '../../src/interp/index.ts';

const SIDE = 8;
const D = SIDE * SIDE;
const N = 3;

function crcOf(values: ArrayLike<number>): number {
  const bytes = Float64Array.from(values);
  return crc32(new Uint8Array(bytes.buffer));
}

/** Three blobs of different shape and brightness, as [N, H, W] f64 images and masks. */
function blobs(): { images: ImageBatch; masks: ImageBatch } {
  const images = new Float64Array(N * D);
  const masks = new Float64Array(N * D);
  const tex = random.uniform(random.key(11), [N * D], { dtype: 'f64' }).data;
  for (let s = 0; s < N; s++)
    for (let r = 0; r < SIDE; r++)
      for (let c = 0; c < SIDE; c++) {
        const dy = (r - 3.4 - 0.3 * s) / (1.6 + 0.5 * s);
        const dx = (c - 3.6) / (2.6 - 0.4 * s);
        const q = dx * dx + dy * dy + 0.3 * dx * dy;
        const i = s * D + r * SIDE + c;
        masks[i] = q <= 1 ? 1 : 0;
        images[i] = 0.15 + 0.1 * s + 0.5 * Math.exp(-q) + 0.05 * tex[i]!;
      }
  return {
    images: Tensor.fromBuffer([N, SIDE, SIDE] as const, 'f64', images) as ImageBatch,
    masks: Tensor.fromBuffer([N, SIDE, SIDE] as const, 'f64', masks) as ImageBatch,
  };
}

interface Net {
  readonly W: Tensor;
  readonly c: Tensor;
  readonly a: Tensor;
}

function net(seed: number, inputs: number, hidden = 4, scale = 3): Net {
  const [k1, k2, k3] = random.split(random.key(seed), 3);
  return {
    W: random.normal(k1!, [inputs, hidden], { dtype: 'f64', std: scale / Math.sqrt(inputs) }),
    c: random.normal(k2!, [hidden], { dtype: 'f64', std: 0.5 }),
    a: random.normal(k3!, [hidden, 1], { dtype: 'f64' }),
  };
}

function applyNet(p: Net, x: Tensor): Tensor {
  const flat = reshape(x, [x.shape[0]!, -1]) as Tensor;
  return matmul(tanh(add(matmul(flat as never, p.W as never) as Tensor, p.c)) as never, p.a as never) as Tensor;
}

/** A flow result without the fields a later change may add: what it measured, to the bit. */
function pinFlow(r: FlowResult) {
  const path = r.path;
  return {
    sampleId: r.sampleId,
    names: r.names,
    F: r.F,
    FA: r.FA,
    reached: r.reached,
    stopReason: r.stopReason,
    length: r.length,
    steps: r.steps,
    startValue: r.startValue,
    endValue: r.endValue,
    issues: r.issues,
    ...(path
      ? {
          pathImages: crcOf(path.images.flatMap((im) => Array.from(im.data))),
          arc: path.arc,
          pathS: path.S,
          pathA: path.A,
          values: path.values,
        }
      : {}),
  };
}

const FLOWS: Readonly<Record<string, BatchFlowOptions>> = {
  euler: { batchSize: 2, returnPath: true },
  heun: { integrator: 'heun', batchSize: 2, returnPath: true },
  rk4: { integrator: 'rk4', batchSize: 3, returnPath: true },
  raw: { normalise: false, integrator: 'heun', batchSize: 2 },
  threshold: { threshold: 0.4, integrator: 'rk4', stepSize: 0.05, tolerance: 1e-9 },
  starvedBisection: { maxBisections: 2, tolerance: 1e-12, stepSize: 0.2 },
  unfinished: { maxSteps: 3, includePartialPaths: true },
};

export function goldenInterp() {
  const batch = blobs();
  const features = { brightness, extent, logAspectRatio, 'noise#1': noise(random.key(5)) };
  const model = net(3, D);
  const f = (x: ImageBatch) => add(applyNet(model, x as Tensor), 0.3);
  const flows: Record<string, unknown> = Object.fromEntries(Object.entries(FLOWS).map(([name, o]) => [name, flowAlignmentBatch(f, features, batch, o).map(pinFlow)]));
  // A path that walks into NaN (√ of a negative mean offset) and one whose ∇f is zero at the start.
  const start = mean(batch.images as Tensor).item();
  const intoNaN = (x: ImageBatch) => add(sqrt(sub(mean(reshape(x as Tensor, [x.shape[0], D]), [1]), start - 0.02)), 0.1);
  const flat = (x: ImageBatch) => add(mul(sum(reshape(x as Tensor, [x.shape[0], D]), [1]), 0), 1);
  flows['nonFinite'] = flowAlignmentBatch(intoNaN, features, batch, { integrator: 'heun' }).map(pinFlow);
  flows['stalled'] = flowAlignmentBatch(flat, features, batch).map(pinFlow);

  const perp = alignmentBatch(f, features, batch, { returnPerp: true, batchSize: 2 }).map((r) => ({ S: r.S, A: r.A, unexplained: r.unexplained, rank: r.rank, perp: crcOf(r.gradPerp!.data) }));

  const x = batch.images as Tensor;
  const attribute = (y: Tensor) => applyNet(model, y);
  const baseline = mul(x, 0.25) as Tensor;
  const ig = Object.fromEntries(
    (['riemann', 'trapezoid'] as const).flatMap((method) =>
      [undefined, baseline].map((b, i) => {
        const r = integratedGradientsWithDelta(attribute, x, { method, steps: 7, ...(b ? { baseline: b } : {}) });
        return [`${method}/${i ? 'baseline' : 'zeros'}`, { attribution: crcOf(r.attribution.data), delta: r.delta }];
      }),
    ),
  );
  const smooth = {
    rangeSigma: crcOf(smoothGrad(attribute, x, { key: random.key(9), samples: 5 }).data),
    fixedSigma: crcOf(smoothGrad(attribute, x, { key: random.key(9), samples: 4, sigma: 0.2 }).data),
  };

  const inputs = Tensor.fromBuffer([N, 1, SIDE, SIDE], 'f64', Float64Array.from(batch.images.data));
  const params = net(4, D, 3, 2);
  const rewardCases = {
    pointwise: alignmentReward({ features: { brightness, extent, logAspectRatio }, lambda: { brightness: 0.7, logAspectRatio: 1.3 }, masks: batch.masks as Tensor }),
    span: alignmentReward({ features: { brightness, extent, logAspectRatio }, lambda: 0.9, kind: 'span', masks: batch.masks as Tensor }),
  };
  const reward = Object.fromEntries(
    Object.entries(rewardCases).map(([name, term]) => {
      const rb = { x: inputs, indices: [2, 0, 1] };
      const R = (p: Net) => term(applyNet, p, rb);
      const first = R(params).item();
      // The second call reads the per-row cache.
      const g = grad(R)(params) as Net;
      return [name, { value: first, again: R(params).item(), grad: crcOf([...g.W.data, ...g.c.data, ...g.a.data]), issues: term.issues(rb) }];
    }),
  );
  return { flows, perp, ig, smooth, reward };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(goldenInterp(), null, 1));
