// Atomic file writes for everything kgen puts on disk: write a temporary file beside the target with the
// final mode, fsync when asked (secrets), then rename over the target. A crash leaves either the old file or
// the new one, never half of one. Private material is written 0600 from the first byte (no chmod window).
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export interface WriteOptions {
  /** File mode, e.g. 0o600 for anything holding a key, token or certificate key. */
  mode: number;
  /** fsync the file before the rename (state files; not needed for re-renderable output). */
  durable?: boolean;
}

// Random temporary names: a crash can leave one behind, and a node's first boot reuses the same pids, so a
// pid-based name could collide with a leftover ('wx' would then refuse it and fail the write).
export function tmpPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function writeTmpThenRename(path: string, data: string | Uint8Array, opts: WriteOptions): void {
  const tmp = tmpPath(path);
  const fd = openSync(tmp, 'wx', opts.mode);
  try {
    writeAll(fd, data);
    fchmodSync(fd, opts.mode); // open() applies the umask to the mode
    if (opts.durable) fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions): void {
  mkdirSync(dirname(path), { recursive: true });
  writeTmpThenRename(path, data, opts);
}

/** Creates a file only if it does not exist yet (the state never overwrites a secret). */
export function writeFileExclusive(path: string, data: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tmpPath(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // link() fails with EEXIST instead of replacing, unlike rename(): an existing secret is never replaced.
  try {
    linkSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}
