// The operator side's one door to the world (kgen; kgen-boot's door is src/boot/host.ts): the file system,
// the clock, randomness and the process table. render and the secrets state reach the disk only through
// `fs`, so tests swap in a door that fails the N-th write (disk full, a kill) or stops at a signal, and a
// seeded clock and random source make renders byte-stable. Every write is atomic (src/fsutil.ts): a
// failure leaves the old file or the new one, never half of one.
import { linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, type Dirent, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { realClock, realRandom, type Clock, type Random } from './clock.js';
import { tmpPath, writeFileAtomic, writeFileExclusive, type WriteOptions } from './fsutil.js';

export type { WriteOptions };

export interface OperatorFs {
  readFile(path: string): Buffer;
  /** lstat, or undefined when nothing is there. */
  lstat(path: string): Stats | undefined;
  readdir(path: string): Dirent[];
  /** The path with every symbolic link resolved; a missing tail is kept as written. */
  realpath(path: string): string;
  /** mkdir -p with the mode for the directories it creates. */
  mkdir(path: string, mode?: number): void;
  /** Temporary file beside `path`, then rename: replaces `path` whole. */
  writeAtomic(path: string, data: string | Uint8Array, opts: WriteOptions): void;
  /** Creates `path` with the bytes fsynced; fails with EEXIST instead of replacing anything. */
  writeExclusive(path: string, data: string, mode: number): void;
  /** Makes `path` a hard link to `target`, replacing `path` atomically. */
  link(target: string, path: string): void;
  rename(from: string, to: string): void;
  /** rm -rf. */
  remove(path: string): void;
  /** Removes an empty directory. */
  rmdir(path: string): void;
}

export interface OperatorHost {
  fs: OperatorFs;
  clock: Clock;
  random: Random;
  /** The id of this process (written into lock files). */
  pid: number;
  /** True when a process with this id runs (a lock of a dead one is stale). */
  isAlive(pid: number): boolean;
}

export const diskFs: OperatorFs = {
  readFile: (path) => readFileSync(path),
  lstat: (path) => {
    try {
      return lstatSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  readdir: (path) => readdirSync(path, { withFileTypes: true }),
  realpath(path) {
    const missing: string[] = [];
    for (let p = resolve(path); ; p = dirname(p)) {
      try {
        return join(realpathSync.native(p), ...missing.reverse());
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) throw err;
        missing.push(basename(p));
      }
    }
  },
  mkdir: (path, mode = 0o755) => void mkdirSync(path, { recursive: true, mode }),
  writeAtomic: (path, data, opts) => writeFileAtomic(path, data, opts),
  writeExclusive: (path, data, mode) => writeFileExclusive(path, data, mode),
  link(target, path) {
    const tmp = tmpPath(path);
    linkSync(target, tmp);
    try {
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  },
  rename: (from, to) => renameSync(from, to),
  remove: (path) => rmSync(path, { recursive: true, force: true }),
  rmdir: (path) => rmdirSync(path),
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const realOperatorHost: OperatorHost = { fs: diskFs, clock: realClock, random: realRandom, pid: process.pid, isAlive };
