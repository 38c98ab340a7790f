/**
 * Checkpoints on disk (Node): checkpoint.ts's bytes written to a temporary file in the target
 * directory, fsynced and renamed over the target, so a reader sees the old checkpoint or the new
 * one, never half of one.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Pytree } from '../ad/pytree.ts';
import { decodeCheckpoint, decodeHeader, encodeCheckpoint, type CheckpointData, type CheckpointHeader, type LoadExpectation } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';

function ioError(path: string, what: string, e: unknown): CheckpointError {
  return new CheckpointError('io', path, `${what}: ${(e as Error).message ?? String(e)}`, { cause: e });
}

/** Writes a checkpoint atomically: temp file in the same directory, fsync, rename (and fsync of the directory). */
export async function saveCheckpoint<P extends Pytree>(path: string, data: CheckpointData<P>): Promise<void> {
  const chunks = encodeCheckpoint(data);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx');
  } catch (e) {
    throw ioError(path, 'cannot create a temporary file beside it', e);
  }
  try {
    let position = 0;
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw ioError(path, 'write failed (the previous checkpoint, if any, is untouched)', e);
  }
  // Makes the rename itself durable; some platforms cannot open directories, and the data is already safe there.
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    /* best effort */
  }
}

async function readAll(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw ioError(path, 'cannot read', e);
  }
}

/** The header alone (to build the model and optimiser a checkpoint needs before loading it). */
export async function readCheckpointHeader(path: string): Promise<CheckpointHeader> {
  return decodeHeader(await readAll(path), path).header;
}

/** Reads a checkpoint, validating magic, version, checksums, sizes, and shapes against the model. */
export async function loadCheckpoint<P extends Pytree>(path: string, expect: LoadExpectation<P>): Promise<CheckpointData<P>> {
  return decodeCheckpoint(await readAll(path), expect, path);
}

