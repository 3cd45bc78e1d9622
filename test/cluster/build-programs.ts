// How tests get the cluster's programs built without waiting for the whole project's build
// (scripts/build.mjs may be failing on someone else's half-edited entry point): bundles exactly as
// scripts/build.mjs does for test programs, test/**/<name>-main.ts -> build/test/<name>.mjs.
import { build } from 'esbuild';
import { basename } from 'node:path';
import { REPO_ROOT, programPath } from './programs.js';

/** Every program the harness itself starts. */
export const HARNESS_PROGRAMS = ['kubelet', 'kube-scheduler', 'forwarder', 'systemctl', 'kubelet-service'];

/**
 * Bundles each program into build/test/<name>.mjs: a bare name means test/cluster/<name>-main.ts, a path
 * (e.g. "test/controlplane/kube-apiserver-main.ts") is taken relative to the repository.
 */
export async function buildClusterPrograms(names: readonly string[] = HARNESS_PROGRAMS): Promise<void> {
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

