/**
 * Entry of a pool worker: runs parts of kernel calls on buffers shared with the main thread
 * (cpu-threads' TypeScript kernels, or the wasm backend's kernels on the shared wasm memory). The main thread is blocked in Atomics.wait while a job runs, so completion is signalled
 * through shared memory, and an error travels on a MessagePort the main thread reads with
 * receiveMessageOnPort; neither needs the main thread's event loop.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runPart, type Task } from './threads-work.ts';
import { isWasmSetup, isWasmTask, runWasmPartHere, setUpWasm, type WasmTask } from './wasm-work.ts';

export interface WorkerBoot {
  /** Int32Array control block shared with the pool (see threads.ts for its layout). */
  readonly ctrl: SharedArrayBuffer;
  readonly slot: number;
  readonly port: MessagePort;
}

export interface Job {
  readonly task: Task | WasmTask;
  readonly part: number;
  readonly parts: number;
}

export const READY = 0;
export const STATE = 1;
export const SLOT_WIDTH = 2;
/** STATE values. */
export const BUSY = 0;
export const DONE = 1;
export const FAILED = 2;
/** READY values. */
export const BOOTING = 0;
export const UP = 1;
export const DOWN = -1;

if (parentPort && workerData && (workerData as WorkerBoot).ctrl) {
  const { ctrl: buffer, slot, port } = workerData as WorkerBoot;
  const ctrl = new Int32Array(buffer);
  const base = slot * SLOT_WIDTH;
  parentPort.on('message', (message: Job | unknown) => {
    // a setup message (the wasm kernels' module and memory) comes before the jobs that need it
    if (isWasmSetup(message)) return setUpWasm(message);
    const job = message as Job;
    let state = DONE;
    try {
      if (isWasmTask(job.task)) runWasmPartHere(job.task, job.part, job.parts);
      else runPart(job.task, job.part, job.parts);
    } catch (e) {
      state = FAILED;
      port.postMessage({ message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
    }
    Atomics.store(ctrl, base + STATE, state);
    Atomics.notify(ctrl, base + STATE);
  });
  Atomics.store(ctrl, base + READY, UP);
  Atomics.notify(ctrl, base + READY);
}
