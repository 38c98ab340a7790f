#!/usr/bin/env bash
# Rebuilds test/nn/onnx/fixtures/small-cnn.{onnx,json}: a small CNN exported from PyTorch, with
# PyTorch's logits and input gradients on fixed inputs. Run by hand, never by CI: it installs
# Debian's PyTorch and ONNX (python3-torch, python3-onnx) with apt-get and uses Debian's python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../test/nn/onnx/fixtures"
if ! /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch python3-onnx
fi
mkdir -p "$out"
/usr/bin/python3 "$here/small_cnn.py" "$out"
