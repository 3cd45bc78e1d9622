// Where the one-machine cluster's programs live (build/test/<name>.mjs, from test/**/<name>-main.ts),
// and a poll helper for tests. Safe to bundle into those programs: no build tooling imported here.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The repository (with a trailing slash): the nearest directory above this module holding package.json. This
 * module runs as test/cluster/programs.ts and bundled into build/test/<name>.mjs or build/bench.mjs, so a
 * fixed '../..' would point above the repository in the last case.
 */
export const REPO_ROOT = ((): string => {
  for (let dir = new URL('.', import.meta.url), i = 0; i < 4; dir = new URL('..', dir), i++) {
    if (existsSync(new URL('package.json', dir))) return fileURLToPath(dir);
  }
  return fileURLToPath(new URL('../..', import.meta.url));
})();
/** build/kgen-boot.mjs */
export const KGEN_BOOT_PROGRAM = `${REPO_ROOT}build/kgen-boot.mjs`;
const BUILD_TEST_DIR = `${REPO_ROOT}build/test`;

/** build/test/<name>.mjs */
export function programPath(name: string): string {
  return `${BUILD_TEST_DIR}/${name}.mjs`;
}

/** True when a program's source exists in the tree (e.g. "test/controlplane/kube-apiserver-main.ts"). */
export function sourceExists(path: string): boolean {
  return existsSync(`${REPO_ROOT}${path}`);
}

/** Polls `check` until it returns a value other than undefined; throws `what` with the last error on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
