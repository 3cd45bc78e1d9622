// A small tmpfs for tests that need the real kernel's ENOSPC and EROFS (tests run as root here). The mount
// point is a fresh temporary directory; unmount() removes both.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from './helpers.js';

export interface Tmpfs {
  dir: string;
  readOnly(): void;
  unmount(): void;
}

export function mountTmpfs(sizeBytes: number): Tmpfs {
  const dir = tempDir('kgen-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  return {
    dir,
    readOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir]),
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
