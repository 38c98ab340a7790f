/**
 * A tour of fgflow in one file (run it: npx tsx examples/quickstart.ts). The README shows it,
 * and test/readme.test.ts runs it, so it stays correct.
 */
import * as E from 'fp-ts/lib/Either.js';
import { conv2d, elu, features, fromArray, grad, hvp, nn, random, sum, tensor, zeros, alignment, flowAlignment, concat, reshape, type Tensor } from '../src/index.ts';

export async function quickstart() {
  // Shapes are checked by the compiler: y is Tensor<[8, 16, 32, 32], 'f32'> ...
  const y = conv2d(zeros([8, 2, 32, 32]), zeros([16, 2, 5, 5]), { padding: 'same' });
  // ... and a channel mismatch does not compile (ShapeMismatch<'conv2d: input channels differ …', [8, 3, 32, 32], [16, 2, 5, 5]>):
  // @ts-expect-error
  const rejected = () => conv2d(zeros([8, 3, 32, 32]), zeros([16, 2, 5, 5]));

  // Outside data is validated at run time and returns an Either.
  const checked = fromArray([2, 2], [1, 2, 3, 4]); // Right(Tensor<[2, 2]>)
  const wrong = fromArray([2, 2], [1, 2, 3]); //      Left(ShapeError: data has 3 elements but shape [2, 2] needs 4)

  // Autodiff composes to any order, over records and arrays of tensors.
  const w = tensor([1, -2, 3], [3], { dtype: 'f64' });
  const g = grad((p: { w: Tensor }) => sum(elu(p.w)))({ w }); // { w: [1, e^-2, 1] }
  const curvature = hvp((x: Tensor) => sum(elu(x)), w, tensor([0, 1, 0], [3], { dtype: 'f64' })); // [0, e^-2, 0]

  // The paper's CNN (here small and untrained) on [CT, mask] inputs.
  const cnn = nn.paperCnn({ inputSize: 32, channels: [4, 8, 8], hidden: [16, 8] });
  const params = cnn.init(random.key(0));
  const ct = random.uniform(random.key(1), [32, 32]);
  const mask = reshape(tensor(Array.from({ length: 1024 }, (_, i) => (Math.hypot((i % 32) - 16, Math.floor(i / 32) - 14) < 6 ? 1 : 0)), [32, 32]), [32, 32]);
  // f maps one image to the logit (mask channel held fixed); features map (image, mask) to a scalar.
  const f = (image: Tensor) => cnn.apply(params, reshape(concat([reshape(image, [1, 1, 32, 32]), reshape(mask, [1, 1, 32, 32])], 1), [1, 2, 32, 32]));
  const gs = { brightness: features.brightness, extent: features.extent, logAspectRatio: features.logAspectRatio };
  const a = alignment(f, gs, { image: ct, mask }); // { S: [...], A, unexplained, ... }
  const flow = flowAlignment(f, gs, { image: ct, mask }, { integrator: 'rk4', maxSteps: 20 }); // { F, FA, reached, length, steps }

  return { y, rejected, checked: E.isRight(checked), wrong: E.isLeft(wrong) ? wrong.left.message : '', g, curvature, a, flow };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await quickstart());
