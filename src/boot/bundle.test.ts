// The boot bundle as nodes get it: one esbuild file (options as scripts/build.mjs) that needs nothing but
// Node's standard library, stays under the 200 KB gzip budget, and runs as a user runs it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { captureIO } from './test-node.js';
import { BOOT_PROGRAM } from '../../test/esbuild-options.js';

const out = join(mkdtempSync(join(tmpdir(), 'kgen-bundle-')), 'kgen-boot.mjs');
let text = '';
/** Every module the output still imports or requires at run time, as esbuild's metafile lists them. */
let externals: string[] = [];

beforeAll(async () => {
  const result = await build({
    metafile: true,
    entryPoints: [new URL('./main.ts', import.meta.url).pathname],
    outfile: out,
    ...BOOT_PROGRAM,
  });
  text = readFileSync(out, 'utf8');
  externals = Object.values(result.metafile!.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
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
});
