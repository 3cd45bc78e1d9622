// Test support for src/pki: run the real openssl/kubectl on files in a scratch directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function tool(cmd: string, args: string[], input?: string | Buffer): ToolRun {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Runs a tool and returns stdout; throws with stderr when it exits non-zero. */
export function ok(cmd: string, args: string[], input?: string | Buffer): string {
  const r = tool(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const scratches: string[] = [];

/** A temporary directory, removed by removeScratches() (call it from afterAll). */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'kgen-pki-'));

  constructor() {
    scratches.push(this.dir);
  }

  write(name: string, contents: string | Buffer): string {
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
    return path;
  }
}

export function removeScratches(): void {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
}
