// One simulated node of a one-machine cluster (docs/architecture.md "Testing on one machine"): a root directory
// (kgen-boot's --root) plus a network namespace on the fabric. Its services are managed the way
// kgen-boot manages them on a real machine, through `systemctl`: each node gets a bin directory whose
// `systemctl` runs build/test/systemctl.mjs for this node, and both the harness (node.services, built
// with kgen-boot's own systemdServices) and kgen-boot itself (runBoot puts that directory first on PATH)
// use it, so they always agree on the kubelet's state. The node's hostname is <root>/etc/hostname, which
// the test kubelet reads (cloud-init sets the hostname on a real machine).
//
// Layout: <base>/root (the node's /), <base>/bin/systemctl, <base>/state (supervisor pid and log).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemdServices, type ServiceManager } from '../../src/boot/host.js';
import { addNamespace, exec, type ExecResult, type Fabric, type NetNamespace } from './netns.js';
import { KGEN_BOOT_PROGRAM, programPath } from './programs.js';

export interface TestNode {
  name: string;
  base: string;
  root: string;
  net: NetNamespace;
  /** Environment for programs that run "on" the node: PATH starts with the node's bin directory. */
  env: NodeJS.ProcessEnv;
  services: ServiceManager;
  /** Runs a program inside the node's namespace with the node's environment. */
  exec(cmd: string, args: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Runs build/kgen-boot.mjs with `args` plus --root inside the node's namespace. */
  runBoot(args: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Removes the node's directories (after the fabric is destroyed). */
  remove(): void;
}

export interface TestNodeOptions {
  /** Hostname, also the namespace suffix: [a-z0-9]{1,5}. */
  name: string;
  address: string;
  /** Units the node runs besides the kubelet, reported active by its systemctl (e.g. systemd-resolved). */
  activeUnits?: string[];
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export async function createTestNode(fabric: Fabric, options: TestNodeOptions): Promise<TestNode> {
  const base = mkdtempSync(join(tmpdir(), `kgen-node-${options.name}-`));
  const root = join(base, 'root');
  const bin = join(base, 'bin');
  const state = join(base, 'state');
  for (const dir of [join(root, 'etc'), bin, state]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), `${options.name}\n`);
  const active = options.activeUnits?.length ? ['--active', options.activeUnits.join(',')] : [];
  const systemctl = [process.execPath, programPath('systemctl'), '--root', root, '--state', state, ...active].map(quote).join(' ');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\nexec ${systemctl} "$@"\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  const net = await addNamespace(fabric, options.name, options.address);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  const run = (cmd: string, args: string[], opts: { timeoutMs?: number } = {}) => exec(net.ns, cmd, args, { ...opts, env });
  return {
    name: options.name,
    base,
    root,
    net,
    env,
    services: systemdServices((cmd, args) => run(cmd === 'systemctl' ? join(bin, 'systemctl') : cmd, args)),
    exec: run,
    runBoot: (args, opts) => run(process.execPath, [KGEN_BOOT_PROGRAM, ...args, '--root', root], opts),
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}
