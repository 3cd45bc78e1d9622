// One render at a time per state directory: a lock file `.<name>.lock` beside the state (it must exist
// before the state does), created exclusively and holding the owner's pid. A second render finds it and
// says who holds it (exit 1). A lock whose pid no longer runs (a render killed with -9, a crashed machine)
// is stale and taken over: replaced atomically, then read back, so of two renders racing for a stale lock
// only the one whose pid is in the file goes on.
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { OperatorHost } from '../operator-host.js';
import { StateError } from './state-error.js';

export interface StateLock {
  path: string;
  release(): void;
}

export function lockPathOf(stateDir: string): string {
  return join(dirname(stateDir), `.${basename(stateDir)}.lock`);
}

/** The lock's content: the owner's pid and a nonce, so a racer that replaced it is told apart. */
function lockText(host: OperatorHost): string {
  return `${host.pid} ${randomBytes(8).toString('hex')}\n`;
}

export function acquireStateLock(stateDir: string, host: OperatorHost): StateLock {
  const path = lockPathOf(stateDir);
  const text = lockText(host);
  host.fs.mkdir(dirname(path), 0o700);
  try {
    host.fs.writeExclusive(path, text, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = ownerOf(path, host);
    if (holder !== undefined && host.isAlive(holder)) {
      throw new StateError(
        `another kgen render (pid ${holder}) is using the state ${stateDir}; wait for it to finish and run again ` +
          `(if no kgen runs, remove the lock file ${path})`,
      );
    }
    host.fs.writeAtomic(path, text, { mode: 0o600, durable: true });
    if (host.fs.readFile(path).toString() !== text) {
      throw new StateError(`another kgen render took over the stale lock ${path} of the state ${stateDir} at the same time; run again when it is done`);
    }
  }
  return {
    path,
    release: () => {
      if (host.fs.lstat(path) && host.fs.readFile(path).toString() === text) host.fs.remove(path);
    },
  };
}

/** The pid in a lock file, or undefined when it holds none (a lock half-written by a kill). */
function ownerOf(path: string, host: OperatorHost): number | undefined {
  try {
    const pid = Number(/^(\d+) /.exec(host.fs.readFile(path).toString())?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
