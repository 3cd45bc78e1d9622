// Shared helpers for tests that run kgen's built programs the way a user does.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OLDEST_NODE, extractNodeBinary, pinnedTarball } from '../scripts/node-dist.mjs';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const KGEN = join(REPO, 'build/kgen.mjs');
export const KGEN_BOOT = join(REPO, 'build/kgen-boot.mjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function runNode(program: string, args: string[], opts: { cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [program, ...args], { cwd: opts.cwd ?? REPO, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const kgen = (args: string[], opts: { cwd?: string } = {}) => runNode(KGEN, args, opts);

/**
 * The oldest Node.js kgen-boot.mjs supports, Debian 12's 18.19.0: the official build from the npm registry
 * (scripts/node-dist.mjs OLDEST_NODE, integrity-pinned, cached beside the image packages), extracted once
 * beside its tarball. Returns the path of its `node`.
 */
export async function oldestNode(): Promise<string> {
  const cache = join(homedir(), '.cache/kgen/debootstrap');
  const tarball = await pinnedTarball(cache, OLDEST_NODE);
  const binary = join(cache, `node-v${OLDEST_NODE.version}`, 'node');
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout;
  return version === `v${OLDEST_NODE.version}\n` ? binary : extractNodeBinary(tarball, dirname(binary));
}

export function tempDir(prefix = 'kgen-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every regular file below `dir` with its bytes, keyed by relative path. */
export function snapshotTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

export function sh(cmd: string, args: string[], input?: string | Buffer): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
}

/** Paths added, removed or changed between two snapshotTree() results (Buffer.equals; fast on large trees). */
export function changedPaths(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => !before.get(p) || !after.get(p) || !before.get(p)!.equals(after.get(p)!)).sort();
}

/** A free 127.0.0.1 port, for a server whose address must be known (written into a file) before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
