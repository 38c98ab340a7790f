/**
 * A CNN of your own, built the way nn.paperCnn is (run it: npx tsx examples/custom-cnn.ts). The
 * README shows it, and test/nn/custom-cnn.test.ts runs it, so it stays correct.
 */
import { nn, random, zeros } from '../src/index.ts';

export async function customCnn() {
  // Layers compose with sequential; named layers key the params: { conv1: { w, b }, …, logit: { w, b } }.
  const net = nn.sequential(
    nn.named('conv1', nn.conv2d({ outChannels: 8, kernel: 5, padding: 'same' })), nn.avgPool2d({ size: 2 }), nn.elu(),
    nn.named('conv2', nn.conv2d({ outChannels: 16, kernel: 3, padding: 'same' })), nn.avgPool2d({ size: 2 }), nn.elu(),
    nn.flatten(),
    nn.named('dense1', nn.dense(32)), nn.elu(),
    nn.named('logit', nn.dense(1, { init: 'glorotUniform' })),
  );
  const params = net.init(random.key(0), [1, 2, 32, 32]);
  // The output shape is computed in the type, layer by layer: logits is Tensor<[4, 1], 'f32'>.
  // (Each conv's bias is added after its pool: the same map on a quarter of the elements.)
  const logits = net.apply(params, zeros([4, 2, 32, 32]));
  // Bound to an input shape, it is a model for nn.train.
  const model = nn.toModel(net, [1, 2, 32, 32]);
  const data = { x: random.normal(random.key(1), [8, 2, 32, 32]), y: [0, 1, 0, 1, 0, 1, 0, 1] };
  const trained = await nn.train({ model, data, epochs: 1, batchSize: 4, optimizer: nn.adam({ lr: 1e-3 }), seed: 0 });
  return { params, logits, trained };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await customCnn());
