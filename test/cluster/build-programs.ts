// How the tests and the bench get the test programs built (test/**/<name>-main.ts -> build/test/<name>.mjs,
// with the esbuild options of scripts/build.mjs): all of them once before a vitest run (test/global-setup.ts),
// and again by the test files that start them, so a test file run alone never uses a stale program. Test
// files run in parallel and rebuild the same programs, so each output replaces the old one atomically (a
// program starting meanwhile reads either the old file or the new one, never half of one).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { REPO_ROOT, programPath } from './programs.js';
import { NODE_PROGRAM } from '../esbuild-options.js';

/** Every test program's source (a <name>-main.ts anywhere under test/), relative to the repository. */
export function testProgramSources(dir = join(REPO_ROOT, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testProgramSources(path);
    return entry.name.endsWith('-main.ts') ? [relative(REPO_ROOT, path)] : [];
  });
}

/** Every program the harness itself starts. */
export const HARNESS_PROGRAMS = ['kubelet', 'kube-scheduler', 'forwarder', 'systemctl', 'kubelet-service'];

/**
 * Bundles each program into build/test/<name>.mjs: a bare name means test/cluster/<name>-main.ts, a path
 * (e.g. "test/controlplane/kube-apiserver-main.ts") is taken relative to the repository.
 */
export async function buildClusterPrograms(names: readonly string[] = HARNESS_PROGRAMS): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const outfile = programPath(basename(name).replace(/-main\.ts$/, ''));
      const result = await build({
        entryPoints: [name.includes('/') ? `${REPO_ROOT}${name}` : `${REPO_ROOT}test/cluster/${name}-main.ts`],
        outfile,
        write: false,
        ...NODE_PROGRAM,
      });
      mkdirSync(dirname(outfile), { recursive: true });
      const tmp = `${outfile}.${process.pid}.tmp`;
      writeFileSync(tmp, result.outputFiles![0]!.contents);
      renameSync(tmp, outfile);
    }),
  );
}

