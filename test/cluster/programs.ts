// Where the one-machine cluster's programs live, and how tests get them built without waiting for the
// whole project's build (scripts/build.mjs may be failing on someone else's half-edited entry point).
// Bundles exactly like scripts/build.mjs does for test programs: test/**/<name>-main.ts -> build/test/<name>.mjs.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUILD_TEST_DIR = `${REPO_ROOT}build/test`;

/** build/test/<name>.mjs */
export function programPath(name: string): string {
  return `${BUILD_TEST_DIR}/${name}.mjs`;
}

/**
 * Bundles each program into build/test/<name>.mjs: a bare name means test/cluster/<name>-main.ts, a path
 * (e.g. "test/controlplane/kube-apiserver-main.ts") is taken relative to the repository.
 */
export async function buildClusterPrograms(names: readonly string[] = ['kubelet', 'kube-scheduler', 'forwarder']): Promise<void> {
  await Promise.all(
    names.map((name) =>
      build({
        entryPoints: [name.includes('/') ? `${REPO_ROOT}${name}` : `${REPO_ROOT}test/cluster/${name}-main.ts`],
        outfile: programPath(basename(name).replace(/-main\.ts$/, '')),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        legalComments: 'none',
        logLevel: 'warning',
        banner: { js: "import { createRequire as __kgenCreateRequire } from 'node:module'; const require = __kgenCreateRequire(import.meta.url);" },
      }),
    ),
  );
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
