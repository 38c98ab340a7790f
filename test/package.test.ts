import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

describe('the built package', () => {
  it('builds to dist/ and works from plain JavaScript through its exports', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-consumer-'));
    const file = join(dir, 'consumer.mjs');
    writeFileSync(
      file,
      `import { tensor, grad, sum, square } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
        `console.log(JSON.stringify(grad((x) => sum(square(x)))(tensor([1, 2, 3], [3], { dtype: 'f64' })).toArray()));\n`,
    );
    expect(execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim()).toBe('[2,4,6]');
  });

  it('selects every backend from the package entry, and its kernel counters show that it ran', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-consumer-'));
    const file = join(dir, 'backends.mjs');
    // a conv2d (18.9 M multiply-adds) and an elementwise map large enough for every backend's thresholds
    writeFileSync(
      file,
      `import { setBackend, backendInfo, availableBackends, conv2d, elu, random, BackendError } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
        `const x = random.normal(random.key(1), [1, 16, 64, 64]), w = random.normal(random.key(2), [32, 16, 3, 3]);\n` +
        `const counters = (name) => { const d = backendInfo(name).details ?? {}; return JSON.stringify({ threaded: d.threadedCalls ?? null, wasm: d.wasmCalls ?? null, gpu: d.gpuCalls ?? null }); };\n` +
        `const out = { available: availableBackends() };\n` +
        `for (const name of ['cpu', 'cpu-threads', 'wasm', 'gpujs']) {\n` +
        `  setBackend(name);\n` +
        `  const before = counters(name);\n` +
        `  const y = elu(conv2d(x, w, { padding: 'same' }));\n` +
        `  out[name] = { before: JSON.parse(before), after: JSON.parse(counters(name)), info: backendInfo(), first: y.data[0] };\n` +
        `}\n` +
        `try { setBackend('no-such-backend'); out.unknown = null; } catch (e) { out.unknown = { isBackendError: e instanceof BackendError, code: e.code, message: e.message }; }\n` +
        `console.log(JSON.stringify(out));\n` +
        `process.exit(0);\n`,
    );
    const out = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
    expect(out.available).toEqual(expect.arrayContaining(['cpu', 'cpu-threads', 'wasm', 'gpujs']));
    expect(out.cpu.info).toMatchObject({ backend: 'cpu', actual: 'cpu' });
    const threads = availableParallelism();
    expect(out['cpu-threads'].info).toMatchObject({ backend: 'cpu-threads', actual: `${threads} thread${threads === 1 ? '' : 's'}` });
    if (threads > 1) expect(out['cpu-threads'].after.threaded - out['cpu-threads'].before.threaded, 'cpu-threads split the conv2d').toBe(1);
    expect(out.wasm.info).toMatchObject({ backend: 'wasm', actual: `wasm SIMD, ${threads} thread${threads === 1 ? '' : 's'}`, reason: null });
    expect((out.wasm.after.wasm.conv2d ?? 0) - (out.wasm.before.wasm.conv2d ?? 0), 'the wasm conv2d kernel ran').toBe(1);
    expect((out.wasm.after.wasm.elu ?? 0) - (out.wasm.before.wasm.elu ?? 0), 'the wasm elu kernel ran').toBe(1);
    expect(out.gpujs.info).toMatchObject({ backend: 'gpujs', kernelClass: expect.stringMatching(/Kernel$/) });
    expect((out.gpujs.after.gpu.conv2d ?? 0) - (out.gpujs.before.gpu?.conv2d ?? 0), 'a gpu.js conv2d kernel ran').toBe(1);
    // the same first value within float32 rounding whichever backend ran
    for (const name of ['cpu-threads', 'wasm', 'gpujs']) expect(Math.abs(out[name].first - out.cpu.first)).toBeLessThan(1e-4);
    expect(out.unknown).toMatchObject({ isBackendError: true, code: 'backend', message: expect.stringMatching(/unknown backend "no-such-backend"; available: cpu, /) });
  });
});
