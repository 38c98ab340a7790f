"""The PyTorch side of bench/torch.bench.ts: the paper CNN's forward pass, plain training step and
alignment-rewarded step, as fgflow's bench/backend.bench.ts computes them, timed per image.

Model (as src/nn/cnn.ts): per block conv (5x5 first, 3x3 after, 'same') -> 2x2 average pool ->
+ bias -> ELU for 16, 32, 64 channels; dense 256 and 128 with ELU; one logit. Float32.
  forward        logits of a batch, no gradient tape (fgflow's eval interpreter keeps none)
  train step     gradient of mean BCE on logits over the parameters
  rewarded step  gradient over the parameters of BCE - 0.1 * mean cos^2(grad_x f on the CT
                 channel, v), the input gradient taken with create_graph=True (double backprop),
                 one forward pass shared by both terms

Usage: python3 bench/torch_steps.py --threads 1,2 --configs 128x8,512x4 [--budget-ms 6000]
Prints one JSON object: {"meta": {...}, "rows": [{size, batch, threads, task, medianMs, msPerImage, samples}]}.
"""
import argparse
import json
import platform
import statistics
import time

import torch
import torch.nn.functional as F

LAMBDA = 0.1


class PaperCnn(torch.nn.Module):
    def __init__(self, size):
        super().__init__()
        widths = [2, 16, 32, 64]
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv2d(widths[i], widths[i + 1], 5 if i == 0 else 3, padding='same', bias=False) for i in range(3)
        )
        self.biases = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(w)) for w in widths[1:])
        flat = 64 * (size // 8) ** 2
        self.dense = torch.nn.ModuleList([torch.nn.Linear(flat, 256), torch.nn.Linear(256, 128)])
        self.logit = torch.nn.Linear(128, 1)

    def forward(self, x):
        for conv, b in zip(self.convs, self.biases):
            x = F.elu(F.avg_pool2d(conv(x), 2) + b.view(1, -1, 1, 1))
        x = x.flatten(1)
        for d in self.dense:
            x = F.elu(d(x))
        return self.logit(x).flatten()


def bce(z, y):
    return (F.softplus(z) - y * z).mean()


def tasks(model, x, y, v):
    params = list(model.parameters())

    def forward():
        with torch.no_grad():
            model(x)

    def train_step():
        torch.autograd.grad(bce(model(x), y), params)

    def rewarded_step():
        xi = x.detach().requires_grad_(True)
        z = model(xi)
        (gx,) = torch.autograd.grad(z.sum(), xi, create_graph=True)
        g = gx[:, :1]
        dot = (g * v).sum(dim=(1, 2, 3))
        cos2 = dot * dot / ((g * g).sum(dim=(1, 2, 3)) * (v * v).sum(dim=(1, 2, 3)))
        torch.autograd.grad(bce(z, y) - LAMBDA * cos2.mean(), params)

    return [('forward', forward), ('train step', train_step), ('rewarded step', rewarded_step)]


def measure(fn, budget_ms, min_samples=3, max_samples=10):
    fn()
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    samples = max(min_samples, min(max_samples, int(budget_ms / max(first, 0.01))))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--configs', default='128x8,512x4')
    ap.add_argument('--budget-ms', type=float, default=6000)
    args = ap.parse_args()
    torch.set_num_interop_threads(1)
    rows = []
    for config in args.configs.split(','):
        size, batch = (int(s) for s in config.split('x'))
        torch.manual_seed(1)
        model = PaperCnn(size)
        x = torch.randn(batch, 2, size, size)
        y = torch.tensor([i % 2 for i in range(batch)], dtype=torch.float32)
        v = torch.randn(batch, 1, size, size)
        for threads in (int(t) for t in args.threads.split(',')):
            torch.set_num_threads(threads)
            for task, fn in tasks(model, x, y, v):
                median, samples = measure(fn, args.budget_ms)
                rows.append({'size': size, 'batch': batch, 'threads': threads, 'task': task, 'medianMs': median, 'msPerImage': median / batch, 'samples': samples})
                print(f'  pytorch {size}² batch {batch} {threads} thread(s) {task}: {median / batch:.1f} ms/image', flush=True, file=__import__('sys').stderr)
    meta = {'torch': torch.__version__, 'python': platform.python_version(), 'machine': platform.processor() or platform.machine(), 'mkldnn': torch.backends.mkldnn.is_available()}
    print(json.dumps({'meta': meta, 'rows': rows}))


if __name__ == '__main__':
    main()
