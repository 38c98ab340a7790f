#!/usr/bin/env bash
# For benchmarking only, never CI: fgflow's wasm backend against PyTorch on the paper CNN's
# forward pass, training step and alignment-rewarded step, on the same thread counts, both sides
# measured in this one run. Installs Debian's python3-torch with apt-get when `import torch`
# fails (PyTorch 1.13 on Debian 12); writes bench/results/torch.pytorch.json and torch.json.
#   THREADS=1,2 CONFIGS=128x8,512x4 bash scripts/bench-torch.sh      (the defaults)
# Run it on a quiet machine (flock /work/cpu.lock here): both sides are CPU-bound.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-1,2}
configs=${CONFIGS:-128x8,512x4}
# Debian's python3-torch lives in Debian's python, which a pyenv or /usr/local python3 on PATH hides
python=${PYTHON:-/usr/bin/python3}

if ! "$python" -c 'import torch' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends python3-torch
fi

mkdir -p bench/results
echo "=== PyTorch $("$python" -c 'import torch; print(torch.__version__)') ($python) ==="
"$python" bench/torch_steps.py --threads "$threads" --configs "$configs" > bench/results/torch.pytorch.json

echo "=== fgflow (wasm) ==="
rm -rf .bench-build
npx tsc -p tsconfig.bench.json
node .bench-build/bench/torch.bench.js --pytorch bench/results/torch.pytorch.json --threads "$threads" --configs "$configs"
