"""A small CNN over [image, mask] inputs, exported to ONNX with PyTorch's logits and input
gradients on fixed inputs, in float32 and float64, for fgflow's parity test.

The network uses most of the ops fgflow imports (Conv with padding and stride, BatchNormalization
in inference mode with non-trivial statistics, Relu, LeakyRelu, Elu, Tanh, Sigmoid, MaxPool,
AveragePool with the Pad PyTorch puts before it, GlobalAveragePool, Flatten, Gemm, Dropout, Add,
Mul).
"""
import json
import sys

import onnx
import torch
import torch.nn as nn

SIZE = 24


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, stride=1)
        self.pool2 = nn.AvgPool2d(2)
        self.conv3 = nn.Conv2d(6, 8, 3, padding=0, stride=2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(8, 12)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(12, 1)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.pool1(y)
        y = nn.functional.leaky_relu(self.conv2(y), 0.1)
        y = self.pool2(y)
        y = nn.functional.elu(self.conv3(y))
        y = torch.flatten(self.gap(y), 1)
        h = self.drop(torch.tanh(self.fc1(y)))
        gate = torch.sigmoid(h)
        return self.fc2(h * gate + h)


def main(out: str) -> None:
    torch.manual_seed(15)
    model = SmallCnn()
    with torch.no_grad():
        model.bn1.running_mean.uniform_(-0.2, 0.2)
        model.bn1.running_var.uniform_(0.5, 1.5)
        model.bn1.weight.uniform_(0.5, 1.5)
        model.bn1.bias.uniform_(-0.2, 0.2)
    model.eval()
    image = torch.rand(3, 1, SIZE, SIZE)
    yy, xx = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing="ij")
    masks = [((yy - cy) ** 2 / ry**2 + (xx - cx) ** 2 / rx**2 <= 1).float() for cy, cx, ry, rx in [(12, 11, 5, 3), (10, 13, 4, 6), (13, 12, 7, 7)]]
    x = torch.cat([image, torch.stack(masks)[:, None]], 1)

    torch.onnx.export(
        model, x, f"{out}/small-cnn.onnx", opset_version=13, input_names=["input"], output_names=["logit"],
        dynamic_axes={"input": {0: "batch"}, "logit": {0: "batch"}},
        # PRESERVE (the model is in eval mode) keeps BatchNormalization and Dropout as nodes instead of folding them away.
        training=torch.onnx.TrainingMode.PRESERVE,
    )
    onnx.checker.check_model(onnx.load(f"{out}/small-cnn.onnx"))

    def run(dtype):
        m = SmallCnn().to(dtype)
        m.load_state_dict({k: v.to(dtype) if v.is_floating_point() else v for k, v in model.state_dict().items()})
        m.eval()
        xi = x.to(dtype).clone().requires_grad_(True)
        logits = m(xi)
        (grad,) = torch.autograd.grad(logits.sum(), xi)
        return {"logits": logits.detach().flatten().tolist(), "inputGradients": grad.flatten().tolist()}

    ops = sorted({n.op_type for n in onnx.load(f"{out}/small-cnn.onnx").graph.node})
    fixture = {
        "about": "PyTorch %s, exported with opset 13 by scripts/onnx-fixture/small_cnn.py; logits [N, 1] and d(sum of logits)/d(input)" % torch.__version__,
        "ops": ops,
        "inputShape": list(x.shape),
        "input": x.flatten().tolist(),
        "float32": run(torch.float32),
        "float64": run(torch.float64),
    }
    with open(f"{out}/small-cnn.json", "w") as f:
        json.dump(fixture, f)


if __name__ == "__main__":
    main(sys.argv[1])
