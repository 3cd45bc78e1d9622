// kgen-boot as nodes get it: one file, built in two layers so a cold start stays cheap.
//
// The outer layer is the entry point (src/boot/main.ts → cli.ts: --version, --help, argument dispatch). The
// inner layer is src/boot/commands.ts and everything it pulls in (undici, yaml, node-forge, the phases), built
// separately as CommonJS and embedded in the outer file as a string literal, which cli.ts's
// `import('./commands.js')` compiles with node:vm on first use. V8 only scans a string literal, where it
// must parse ~550 KB of code and load the builtins undici needs: `kgen-boot --version` costs ~48M
// instructions over bare `node` this way, ~120M as one plain ESM bundle (valgrind --tool=callgrind).
//
// Only plain values and Errors may cross the boundary: the inner layer has its own copies of the modules both
// layers import (src/command/command.ts's UsageError among them), so `instanceof` across it fails; commands.ts
// reports its own usage errors.
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import options from './esbuild-options.json' with { type: 'json' };

const CLI = fileURLToPath(new URL('../src/boot/cli.ts', import.meta.url));
const COMMANDS = fileURLToPath(new URL('../src/boot/commands.ts', import.meta.url));

/** esbuild plugin: cli.ts's `./commands.js` becomes the embedded, lazily compiled inner layer. */
function embedCommands(source) {
  return {
    name: 'kgen-embed-commands',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\.js$/ }, (args) => (args.importer === CLI ? { path: COMMANDS, namespace: 'kgen-embedded' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'kgen-embedded' }, () => ({
        loader: 'js',
        contents: [
          "import { compileFunction } from 'node:vm';",
          "import { fileURLToPath } from 'node:url';",
          `const SOURCE = ${JSON.stringify(source)};`,
          'const module = { exports: {} };',
          // The file name stack traces show for the inner layer: the program's own path, marked.
          "compileFunction(SOURCE, ['exports', 'require', 'module'], { filename: `${fileURLToPath(import.meta.url)}#commands` })(module.exports, require, module);",
          'export const runCommand = module.exports.runCommand;',
        ].join('\n'),
      }));
    },
  };
}

/**
 * esbuild plugin: undici's HTTP/1 parser, llhttp, ships as two embedded WebAssembly builds of ~72 KB each, a
 * SIMD one tried first and a portable one it falls back to (undici/lib/dispatcher/client-h1.js, lazyllhttp).
 * kgen-boot parses a few dozen small responses, where SIMD gains nothing measurable, so the SIMD build resolves
 * to the portable one and the bundle carries one copy: ~24 KB less gzipped (204.7 KB -> 180.8 KB).
 */
const portableLlhttp = {
  name: 'kgen-portable-llhttp',
  setup(b) {
    b.onResolve({ filter: /llhttp_simd-wasm\.js$/ }, (args) => ({ path: resolve(args.resolveDir, dirname(args.path), 'llhttp-wasm.js') }));
  },
};

/** The node builtins an esbuild result still imports or requires at run time. */
function externalsOf(result) {
  return Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
}

// The outer layer as CommonJS: the main script of a single executable application (scripts/build-sea.mjs),
// which Node 20 runs as CommonJS only. esbuild leaves `import.meta` empty in CommonJS output, so
// `import.meta.url` (the program's own file, for --version's sha256 and stack traces) becomes the running
// script's file URL; inside an executable __filename is the executable itself (process.execPath).
const COMMONJS_OUTER = {
  format: 'cjs',
  banner: { js: "'use strict';const __kgenProgramUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__kgenProgramUrl' },
};

/**
 * Builds kgen-boot (or a test program around src/boot/cli.ts) from `entryPoint` into `outfile`: an ES module
 * with its shebang, or with `format: 'cjs'` the CommonJS main script of the executables.
 * Returns every module the program imports or requires at run time, from both layers.
 */
export async function buildBootProgram(entryPoint, outfile, { format = 'esm' } = {}) {
  const common = { ...options.node, ...options.bootProgram, metafile: true };
  const inner = await build({
    ...common,
    entryPoints: [COMMANDS],
    format: 'cjs',
    banner: {}, // the outer layer's banner (shebang, createRequire) has no place inside it
    write: false,
    outfile: 'commands.cjs',
    plugins: [portableLlhttp],
  });
  const outer = await build({
    ...common,
    ...(format === 'cjs' ? COMMONJS_OUTER : {}),
    entryPoints: [entryPoint],
    outfile,
    plugins: [embedCommands(inner.outputFiles[0].text)],
  });
  return { externals: [...new Set([...externalsOf(inner), ...externalsOf(outer)])] };
}
