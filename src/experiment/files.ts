/**
 * The file system as the experiment uses it: an output folder that is refused, not clobbered,
 * when it holds another run's results, and files written whole (temp file + rename) or not at all.
 * Every failure is one line naming the path (never a stack trace): a path under a regular file,
 * a file where a folder should be, a full disk, no permission.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ExperimentError } from './errors.ts';

const REASONS: Readonly<Record<string, string>> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file of that name is in the way',
  ENOSPC: 'the disk is full',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a folder',
  ENOENT: 'no such file or folder',
};

export function ioError(action: string, path: string, e: unknown): ExperimentError {
  const code = (e as { code?: string } | null)?.code;
  const reason = (code && REASONS[code]) ?? (e instanceof Error ? e.message : String(e));
  return new ExperimentError('io', `cannot ${action} ${path}: ${reason}${code ? ` (${code})` : ''}`, { cause: e });
}

/** Creates `dir` (and its parents), or says why it cannot be a folder. */
export async function makeDir(dir: string): Promise<void> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ExperimentError('io', `cannot use ${dir} as the output folder: it is a file`);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw ioError('create the folder', dir, e);
  }
}

/** Writes `text` to `file` whole or not at all; on failure the temporary file is removed. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError('write', file, e);
  }
}

/** Whether `dir` exists and holds anything at all. */
export function nonEmptyDir(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && readdirSync(dir).length > 0;
}

/** Removes what a killed write left behind: `.<name>.<pid>.<hex>.tmp` files under `dir`. */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (/^\..+\.tmp$/.test(entry.name)) {
        await fs.rm(p, { force: true });
        removed.push(p);
      }
    }
  };
  await walk(dir);
  return removed;
}

/** Removes the empty folders a failed run made under `dir` (and `dir` itself when it is left empty and `removeRoot`). */
export async function removeEmptyDirs(dir: string, removeRoot: boolean): Promise<void> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) if (entry.isDirectory()) await removeEmptyDirs(join(dir, entry.name), true);
  if (removeRoot && (await fs.readdir(dir)).length === 0) await fs.rmdir(dir).catch(() => undefined);
}
