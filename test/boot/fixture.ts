// Shared setup of the boot tests: the one-node inventory they render, running the built `kgen` the way a
// user does, and a scratch directory per run under the image cache (outside the repository).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageCacheRoot } from './image-cache.js';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const KGEN = join(REPO, 'build/kgen.mjs');
export const NODE_NAME = 'cp-1';
export const NODE_MAC = '52:54:00:12:34:56';
/** The address QEMU's user-net DHCP hands the first guest. */
export const NODE_ADDRESS = '10.0.2.15';

/** Why `kgen render` cannot run yet, or undefined. */
export function kgenUnavailable(): string | undefined {
  if (!existsSync(KGEN)) return `${KGEN} is missing: run \`npm run build\` first`;
  return undefined;
}

/** Kernel arguments every PXE entry of the test inventory carries (the disk boot has them in syslinux.cfg). */
export const PXE_KERNEL_ARGS = ['root=LABEL=kgen-root', 'ro', 'console=tty0', 'console=ttyS0,115200n8'];

/** A static address in QEMU's user network (not the one its DHCP hands out), with the gateway and DNS QEMU provides. */
export const STATIC_NETWORK = { interface: 'lan0', address: '10.0.2.20', prefix: 24, gateway: '10.0.2.2', nameserver: '10.0.2.3' };

export interface InventoryOptions {
  imageBaseURL?: string;
  /** Give the node STATIC_NETWORK through its network section instead of leaving it to DHCP. */
  staticNetwork?: boolean;
  /** `cluster.boot.delivery: url` with this `boot.url` (where nodes download kgen-boot-linux-<arch>). */
  bootUrl?: string;
}

export function inventoryYaml(seedBaseURL: string, opts: InventoryOptions = {}): string {
  const address = opts.staticNetwork ? STATIC_NETWORK.address : NODE_ADDRESS;
  const net = STATIC_NETWORK;
  // Hand-written YAML on purpose: this is the operator's input file, as an operator would type it.
  return [
    'cluster:',
    '  name: boot-test',
    '  kubernetesVersion: v1.33.2',
    `  controlPlaneEndpoint: ${address}:6443`,
    ...(opts.bootUrl ? ['  boot:', '    delivery: url', `    url: ${opts.bootUrl}`] : []),
    '  pxe:',
    `    seedBaseURL: ${seedBaseURL}`,
    ...(opts.imageBaseURL ? [`    imageBaseURL: ${opts.imageBaseURL}`] : []),
    '    kernelArgs:',
    ...PXE_KERNEL_ARGS.map((a) => `      - ${a}`),
    'nodes:',
    `  - name: ${NODE_NAME}`,
    '    role: control-plane',
    `    address: ${address}`,
    `    mac: "${NODE_MAC}"`,
    ...(opts.staticNetwork
      ? ['    network:', `      interface: ${net.interface}`, `      addresses: [${net.address}/${net.prefix}]`, `      gateway: ${net.gateway}`, `      nameservers: [${net.nameserver}]`]
      : []),
    '',
  ].join('\n');
}

/** Run directories kept per kind (seed, pxe, stock) for looking at serial logs afterwards; older ones go. */
const KEEP_RUNS = 3;

/** A fresh run directory: ~/.cache/kgen/images/runs/<prefix>-XXXX (each holds a ~100 MiB+ overlay). */
export async function runDir(prefix: string): Promise<string> {
  const root = join(imageCacheRoot(), 'runs');
  await mkdir(root, { recursive: true });
  const old = await Promise.all(
    (await readdir(root)).filter((n) => n.startsWith(`${prefix}-`)).map(async (n) => ({ n, t: (await stat(join(root, n))).mtimeMs })),
  );
  for (const { n } of old.sort((a, b) => b.t - a.t).slice(KEEP_RUNS - 1)) await rm(join(root, n), { recursive: true, force: true });
  return mkdtemp(join(root, `${prefix}-`));
}

/** `node build/kgen.mjs render --nodes <dir>/nodes.yaml --out <dir>/out`; returns the out dir. */
export async function renderInventory(dir: string, seedBaseURL: string, opts: InventoryOptions = {}): Promise<string> {
  const nodes = join(dir, 'nodes.yaml');
  await writeFile(nodes, inventoryYaml(seedBaseURL, opts));
  const out = join(dir, 'out');
  // Relative paths, resolved by kgen against its working directory, as a user in that directory types them.
  const res = spawnSync(process.execPath, [KGEN, 'render', '--nodes', 'nodes.yaml', '--out', 'out', '--state', 'state'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`kgen render failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  return out;
}
