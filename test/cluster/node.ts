// One simulated node of a one-machine cluster (DESIGN.md "Testing on one machine"): a root directory
// (kgen-boot's --root) plus a network namespace on the fabric, with the test service manager that runs
// its kubelet. The node's hostname is <root>/etc/hostname, which the test kubelet reads (cloud-init
// sets the hostname on a real machine).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addNamespace, exec, type ExecResult, type Fabric, type NetNamespace } from './netns.js';
import { TestServiceManager } from './service-manager.js';

export interface TestNode {
  name: string;
  root: string;
  net: NetNamespace;
  services: TestServiceManager;
  /** Runs a program inside the node's namespace. */
  exec(cmd: string, args: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
}

export interface TestNodeOptions {
  /** Hostname, also the namespace suffix: [a-z0-9]{1,5}. */
  name: string;
  address: string;
  /** Root directory; default a new temporary directory. */
  root?: string;
}

export async function createTestNode(fabric: Fabric, options: TestNodeOptions): Promise<TestNode> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), `kgen-node-${options.name}-`));
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), `${options.name}\n`);
  const net = await addNamespace(fabric, options.name, options.address);
  return {
    name: options.name,
    root,
    net,
    services: new TestServiceManager({ root, ns: net.ns }),
    exec: (cmd, args, opts) => exec(net.ns, cmd, args, opts),
  };
}
