// Atomic file writes for everything kgen puts on disk: write a temporary file beside the target with the
// final mode, fsync when asked (secrets), then rename over the target. A crash leaves either the old file or
// the new one, never half of one. Private material is written 0600 from the first byte (no chmod window).
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export interface WriteOptions {
  /** File mode, e.g. 0o600 for anything holding a key, token or certificate key. */
  mode: number;
  /** fsync the file before the rename (state files; not needed for re-renderable output). */
  durable?: boolean;
}

// Random temporary names: a crash can leave one behind, and a node's first boot reuses the same pids, so a
// pid-based name could collide with a leftover ('wx' would then refuse it and fail the write).
function tmpPath(path: string): string {
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

/** True when `path` is a regular file with exactly these bytes and this mode. */
function sameFile(path: string, data: Uint8Array, mode: number): boolean {
  let st;
  try {
    st = statSync(path);
  } catch {
    return false;
  }
  return st.isFile() && st.size === data.length && (st.mode & 0o777) === mode && readFileSync(path).equals(data);
}

/**
 * Writes many files below one directory atomically, creating each directory once. A file whose bytes and
 * mode are already on disk is left alone: renders are byte-stable, so a re-render rewrites only what
 * changed and unchanged files keep their modification times.
 */
export class TreeWriter {
  private readonly made = new Set<string>();
  /** Every `rel` written or linked, for prune(). */
  private readonly written = new Set<string>();

  constructor(private readonly root: string) {}

  /** `rel` is `/`-separated, relative to the root. */
  write(rel: string, data: string | Uint8Array, opts: WriteOptions): void {
    const path = this.prepare(rel);
    this.written.add(rel);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (sameFile(path, bytes, opts.mode)) return;
    writeTmpThenRename(path, bytes, opts);
  }

  /**
   * Makes `rel` a hard link to `targetRel` (written before): the same regular file under a second name,
   * costing no space, and replaced atomically (link to a temporary name, then rename).
   */
  link(rel: string, targetRel: string): void {
    const path = this.prepare(rel);
    this.written.add(rel);
    const target = join(this.root, targetRel);
    const want = statSync(target);
    try {
      const have = statSync(path);
      if (have.ino === want.ino && have.dev === want.dev) return;
    } catch {
      // not there yet
    }
    const tmp = tmpPath(path);
    linkSync(target, tmp);
    try {
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Removes the files below `dir` (relative) that this writer did not write and `owned` claims, then the
   * directories that leaves empty. Returns the removed files' `rel` paths, sorted.
   */
  prune(dir: string, owned: (rel: string) => boolean): string[] {
    const removed: string[] = [];
    /** Prunes below `rel`; true when `rel` itself was removed (nothing in it is kept). */
    const walk = (rel: string): boolean => {
      let kept = 0;
      for (const entry of readdirSync(join(this.root, rel), { withFileTypes: true })) {
        const child = `${rel}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!walk(child)) kept++;
        } else if (!this.written.has(child) && owned(child)) {
          rmSync(join(this.root, child));
          removed.push(child);
        } else {
          kept++;
        }
      }
      if (kept > 0 || rel === dir) return false;
      rmdirSync(join(this.root, rel));
      return true;
    };
    walk(dir);
    return removed.sort();
  }

  private prepare(rel: string): string {
    const path = join(this.root, rel);
    const dir = dirname(path);
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    return path;
  }
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
