// The esbuild options scripts/build.mjs uses (scripts/esbuild-options.json), for tests that bundle a program
// themselves (into a scratch file, or atomically into build/test while other test files run).
import type { BuildOptions } from 'esbuild';
import options from '../scripts/esbuild-options.json' with { type: 'json' };

/** A Node program: ESM bundle, CommonJS dependencies' require() served by createRequire. */
export const NODE_PROGRAM = options.node as BuildOptions;

/** Builds kgen-boot (or a program around src/boot/cli.ts) exactly as shipped: two layers, minified, with its shebang. */
export { buildBootProgram } from '../scripts/boot-program.mjs';
