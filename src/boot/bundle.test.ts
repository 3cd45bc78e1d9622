// The boot bundle as nodes get it: one file (built as scripts/build.mjs does) that needs nothing but
// Node's standard library, stays under the 200 KB gzip budget, and runs as a user runs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { captureIO } from './test-node.js';
import { buildBootProgram } from '../../test/esbuild-options.js';

const out = join(mkdtempSync(join(tmpdir(), 'kgen-bundle-')), 'kgen-boot.mjs');
let text = '';
/** Every module the output still imports or requires at run time, as esbuild's metafile lists them. */
let externals: string[] = [];

beforeAll(async () => {
  ({ externals } = await buildBootProgram(new URL('./main.ts', import.meta.url).pathname, out));
  text = readFileSync(out, 'utf8');
}, 60_000);

describe('kgen-boot bundle', () => {
  it('stays under 200 KB gzipped', () => {
    expect(gzipSync(text).length).toBeLessThan(200 * 1024);
  });

  it("imports and requires only Node's standard library", () => {
    // node:sqlite is a newer Node built-in that undici only probes for, inside a try (lib/util/runtime-features.js).
    const builtins = new Set([...builtinModules.flatMap((m) => [m, `node:${m}`]), 'node:sqlite']);
    expect(externals).toContain('node:crypto');
    expect(externals.filter((s) => !builtins.has(s))).toEqual([]);
  });

  it('runs --version and prints the same phase tree as main()', async () => {
    expect(execFileSync(process.execPath, [out, '--version'], { encoding: 'utf8' })).toMatch(/^kgen-boot \d+\.\d+\.\d+\n {2}kubernetes: v1\.30 to v1\.35\n {2}bundle sha256: [0-9a-f]{64}\n/);
    const c = captureIO();
    await main(['phases', '--role', 'init'], c.io);
    expect(execFileSync(process.execPath, [out, 'phases', '--role', 'init'], { encoding: 'utf8' })).toBe(c.out());
  });

  // scripts/boot-program.mjs: the commands layer is a string compiled by node:vm's compileFunction on first
  // use. A preloaded hook counts those compilations (syncBuiltinESMExports makes the bundle's
  // `import { compileFunction } from 'node:vm'` see the counting wrapper).
  const compilations = (args: string[]) => {
    const hook = join(dirname(out), 'count-compilations.mjs');
    writeFileSync(
      hook,
      [
        "import vm from 'node:vm';",
        "import { syncBuiltinESMExports } from 'node:module';",
        'let n = 0;',
        'const compile = vm.compileFunction;',
        'vm.compileFunction = (...a) => (n++, compile(...a));',
        'syncBuiltinESMExports();',
        "process.on('exit', () => process.stderr.write(`compilations=${n}\\n`));",
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', hook, out, ...args], { encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr, count: Number(/compilations=(\d+)/.exec(r.stderr)?.[1]) };
  };

  it('starts --version and --help without compiling the commands layer, and compiles it once for a command', () => {
    expect(compilations(['--version'])).toMatchObject({ code: 0, count: 0 });
    expect(compilations(['--help'])).toMatchObject({ code: 0, count: 0 });
    expect(compilations(['phases', '--role', 'worker'])).toMatchObject({ code: 0, count: 1 });
  });

  it('reports usage errors from both layers with the usage text and exit 1', () => {
    const outer = compilations(['bogus']);
    expect(outer).toMatchObject({ code: 1, count: 0 });
    expect(outer.stderr).toContain('kgen-boot: unknown command "bogus"\n\nkgen-boot: bring this machine');
    const inner = compilations(['phases', '--role', 'nope']);
    expect(inner).toMatchObject({ code: 1, count: 1 });
    expect(inner.stderr).toContain('kgen-boot: --role "nope" is not a role; expected one of init, control-plane-join, worker\n\nkgen-boot: bring this machine');
  });
});
