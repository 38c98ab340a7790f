/**
 * --backend: the log line names the backend that ran (wasm on all cores by default where the
 * engine has WebAssembly SIMD), and an unknown name is refused with the choices.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/fgflow.js');
const TINY = ['--subjects', '16', '--positives', '4', '--size', '16', '--channels', '2,4,4', '--hidden', '8,4', '--epochs', '1', '--batch', '8', '--noise-draws', '2', '--flow-samples', '1', '--flow-steps', '3'];

function train(extra: string[], env: Record<string, string> = {}) {
  const out = mkdtempSync(join(tmpdir(), 'fgflow-backend-'));
  return spawnSync(process.execPath, [BIN, 'train', ...TINY, '--out', out, ...extra], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
}

describe('fgflow --backend', () => {
  const threads = availableParallelism();
  const plural = `${threads} thread${threads === 1 ? '' : 's'}`;

  it('runs wasm on all cores by default and says so in the log', () => {
    const r = train([]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`backend: wasm, wasm SIMD, ${plural}\n`);
  });

  it('says which backend ran when one is chosen: cpu, cpu-threads', () => {
    const cpu = train(['--backend', 'cpu']);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(cpu.stderr).toContain('backend: cpu, 1 thread\n');
    const threaded = train(['--backend', 'cpu-threads']);
    expect(threaded.status, threaded.stderr).toBe(0);
    expect(threaded.stderr).toContain(`backend: cpu-threads, ${plural}\n`);
  });

  it('missing wasm kernels get the reason in the log and a run on cpu-threads', () => {
    const r = train(['--backend', 'wasm'], { FGFLOW_WASM_KERNELS: '/no/such/kernels.wasm' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('backend: wasm cannot start (the WebAssembly kernels are not built: no /no/such/kernels.wasm (run `npm run build`)); backend: cpu-threads');
  });

  it('an unknown backend is refused with exit code 1 and the choices', () => {
    const r = train(['--backend', 'tpu']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--backend.*tpu.*wasm, cpu-threads, cpu, gpujs/s);
  });
});
