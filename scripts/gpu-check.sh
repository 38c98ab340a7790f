#!/usr/bin/env bash
# The GPU check (issue 13): gpu.js on a real GPU against the wasm backend, from a self-contained
# payload, on a Linux x86-64 machine with an NVIDIA GPU and no network.
#
#   bash scripts/gpu-check.sh pack        here (network allowed): builds build/gpu-check.tar.gz (≤ 64 MiB):
#                                         node, an esbuild bundle of bench/gpu-check.ts (fgflow inside),
#                                         gpu.js and its dependencies, the `webgpu` package's Dawn for
#                                         Linux x64 (gpu.js's WebGPU mode over Vulkan), the wasm kernels,
#                                         and the Vulkan loader (libvulkan1) as a .deb, unpacked only
#                                         where the machine lacks one
#   tar xzf gpu-check.tar.gz && bash gpu-check/gpu-check.sh run [OUT]
#                                         there: one run of at most 8 minutes (parity checks in every
#                                         gpu.js mode, the kernel bench against wasm, the end-to-end
#                                         step; each line says which kernel class ran), results in
#                                         OUT/gpu-check.json (default ./gpu-check-results)
#   bash scripts/gpu-check.sh             pack, unpack into a temporary folder and run it here (gpu.js's
#                                         CPU modes only on a machine without a GPU)
set -euo pipefail

LIMIT_BYTES=$((64 * 1024 * 1024))
RUN_SECONDS=480

pack() {
  local root build payload
  root="$(cd "$(dirname "$0")/.." && pwd)"
  build="$root/build"
  payload="$build/gpu-check"
  cd "$root"
  npm run --silent build:wasm
  rm -rf "$payload" "$build/gpu-check.tar.gz"
  mkdir -p "$payload/build" "$payload/node_modules"
  # the check and the pool's worker entry, as ES modules next to each other (threads.ts finds
  # ./threads-worker.js beside the bundle); gpu.js and webgpu stay packages, loaded by require
  npx esbuild bench/gpu-check.ts src/backend/threads-worker.ts --bundle --platform=node --format=esm --target=node20 \
    --outdir="$payload" --entry-names='[name]' --external:gpu.js --external:webgpu --log-level=warning \
    --banner:js="import { createRequire as __fgflowRequire } from 'node:module'; const require = __fgflowRequire(import.meta.url);"
  mv "$payload/gpu-check.js" "$payload/check.js"
  echo '{ "type": "module" }' > "$payload/package.json"
  cp build/kernels.wasm "$payload/build/"
  for pkg in gpu.js acorn gpu-mock.js; do
    mkdir -p "$payload/node_modules/$pkg"
    cp -r "node_modules/$pkg/package.json" "node_modules/$pkg/"{src,dist,lib,index.js} "$payload/node_modules/$pkg/" 2>/dev/null || true
  done
  rm -f "$payload"/node_modules/gpu.js/dist/*browser*
  mkdir -p "$payload/node_modules/webgpu/dist"
  cp node_modules/webgpu/{package.json,index.js} "$payload/node_modules/webgpu/"
  cp node_modules/webgpu/dist/linux-x64.dawn.node "$payload/node_modules/webgpu/dist/"
  cp "$(command -v node)" "$payload/node"
  # the Vulkan loader, for a machine whose driver brings only its ICD (unpacked there only if needed)
  mkdir -p "$payload/debs"
  (cd "$payload/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "warning: could not download libvulkan1; the payload has no Vulkan loader"
  cp "$root/scripts/gpu-check.sh" "$payload/gpu-check.sh"
  tar czf "$build/gpu-check.tar.gz" -C "$build" gpu-check
  local bytes
  bytes=$(stat -c %s "$build/gpu-check.tar.gz")
  echo "payload: $build/gpu-check.tar.gz, $((bytes / 1024 / 1024)) MiB"
  if [ "$bytes" -gt "$LIMIT_BYTES" ]; then
    echo "the payload is over 64 MiB" >&2
    exit 1
  fi
}

run() {
  local here out
  here="$(cd "$(dirname "$0")" && pwd)"
  out="${1:-$PWD/gpu-check-results}"
  mkdir -p "$out"
  # no system Vulkan loader: use the payload's, and point it at the NVIDIA driver's ICD if one is mounted
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    mkdir -p "$here/sysroot"
    for f in "$here"/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" "$here/sysroot"; done
    export LD_LIBRARY_PATH="$here/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
  echo "gpu-check: node $("$here/node" --version), at most $RUN_SECONDS s, results in $out"
  timeout "$RUN_SECONDS" "$here/node" "$here/check.js" --budget-s $((RUN_SECONDS - 60)) --out "$out" 2>&1 | tee "$out/gpu-check.log"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  "")
    pack
    tmp="$(mktemp -d)"
    tar xzf "$(cd "$(dirname "$0")/.." && pwd)/build/gpu-check.tar.gz" -C "$tmp"
    bash "$tmp/gpu-check/gpu-check.sh" run "$tmp/results"
    echo "results: $tmp/results/gpu-check.json"
    ;;
  *) echo "usage: $0 [pack | run [OUT]]" >&2; exit 2 ;;
esac
