#!/usr/bin/env bash
# `npm run bench [-- suite ...]`: compiles src and bench to .bench-build and runs them on plain node.
#
# Why not tsx: tsx transforms the CommonJS dependencies (fp-ts, commander, ...) through esbuild's
# synchronous API, which detaches an ArrayBuffer. V8 then drops its "no buffer was ever detached"
# assumption for the whole process, and every typed-array access in the kernels pays a detach
# check: matmul runs ~17% slower (6.7 vs 5.6 GFLOP/s, measured on this machine). Users import the
# compiled package (dist/), so the benchmarks measure compiled code too. `npx tsx bench/<suite>.bench.ts`
# still works, for quick edits, at that cost.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .bench-build
npx tsc -p tsconfig.bench.json
exec node .bench-build/bench/run.js "$@"
