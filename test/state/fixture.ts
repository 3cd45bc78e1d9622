// Shared by the state and render fault tests: a small inventory (ECDSA keys: fast), a door that counts,
// fails or "kills" at the N-th write, and tree snapshots that tell "unchanged" from "changed".
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diskFs, realOperatorHost, type OperatorFs, type OperatorHost } from '../../src/operator-host.js';
import { readdirSync } from 'node:fs';
import { expect } from 'vitest';
import { render, type RenderOptions, type RenderReport } from '../../src/render.js';
import { snapshotTree, tempDir } from '../helpers.js';

export const INVENTORY = `cluster:
  name: faults
  kubernetesVersion: v1.33.2
  controlPlaneEndpoint: 10.0.0.11:6443
  encryptionAtRest: true
  boot:
    delivery: baked
  certificates:
    keyAlgorithm: ECDSA-P256
  bootstrapToken:
    ttl: 24h
nodes:
  - { name: cp-1, role: control-plane, address: 10.0.0.11, mac: "52:54:00:00:00:11", uuid: 4c4c4544-0042-3510-8051-b4c04f4e3131 }
  - { name: w-1, role: worker, address: 10.0.0.21 }
`;

/** A working directory with nodes.yaml; the state goes to ./state, the output to ./out. */
export function workDir(inventory = INVENTORY): string {
  const work = tempDir('kgen-state-test-');
  writeFileSync(join(work, 'nodes.yaml'), inventory);
  return work;
}

export function renderOptions(work: string, extra: Partial<RenderOptions> = {}): RenderOptions {
  return { nodesFile: 'nodes.yaml', cwd: work, outDir: join(work, 'out'), stateDir: join(work, 'state'), reimage: [], ...extra };
}

export function renderIn(work: string, host: OperatorHost = realOperatorHost, extra: Partial<RenderOptions> = {}, signal?: AbortSignal): Promise<RenderReport> {
  return render(renderOptions(work, extra), { host, signal });
}

/** The door's operations that change the disk. */
const WRITES = ['mkdir', 'writeAtomic', 'writeExclusive', 'link', 'rename', 'remove', 'rmdir'] as const;

export type FaultMode = 'error' | 'kill';

/**
 * A door that counts writes and, at write number `failAt` (1-based), throws ENOSPC. 'error': only that
 * write fails (clean-up runs, as after a full disk). 'kill': that and every later write fail, as if the
 * process died there (no clean-up reaches the disk). `onWrite` runs before each write (e.g. to abort).
 */
export function faultyHost(opts: { failAt?: number; mode?: FaultMode; pid?: number; onWrite?: (n: number) => void } = {}): OperatorHost & { writes: () => number } {
  let count = 0;
  let dead = false;
  const fs = { ...diskFs } as OperatorFs;
  for (const op of WRITES) {
    const real = diskFs[op] as (...args: unknown[]) => void;
    (fs as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      count++;
      opts.onWrite?.(count);
      if (dead || count === opts.failAt) {
        if (opts.mode === 'kill') dead = true;
        throw Object.assign(new Error(`ENOSPC: no space left on device, ${op} '${String(args[args.length === 1 ? 0 : 1])}'`), {
          code: 'ENOSPC',
          path: String(args[args.length === 1 ? 0 : 1]),
        });
      }
      return real(...args);
    };
  }
  return { ...realOperatorHost, fs, pid: opts.pid ?? realOperatorHost.pid, writes: () => count };
}

/** Every regular file below `dir` (missing dir: empty), without the hidden temporary files of a kill. */
export function visibleFiles(dir: string): Map<string, Buffer> {
  if (!existsSync(dir)) return new Map();
  return new Map([...snapshotTree(dir)].filter(([rel]) => !rel.split('/').some((s) => s.startsWith('.') && s.endsWith('.tmp'))));
}

export function copyDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
}

/** A pid no process has (above the kernel's pid_max): the lock of a "killed" render is stale. */
export const DEAD_PID = 2 ** 22 + 1;

/** The property's second half: after whatever happened, a plain render succeeds and leaves no debris. */
export async function expectNextRenderSucceeds(work: string): Promise<void> {
  const report = await renderIn(work);
  expect(report.nodes.map((n) => n.name)).toEqual(['cp-1', 'w-1']);
  const leftovers = readdirSync(work).filter((n) => n.startsWith('.state.'));
  expect(leftovers, 'no lock and no temporary state beside the state after a good render').toEqual([]);
  expect(JSON.parse(visibleFiles(join(work, 'out')).get('nodes.json')!.toString()).written).toContain('nodes/cp-1/user-data');
}
