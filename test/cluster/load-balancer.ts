// The control-plane load balancer as a harness piece: a namespace on the fabric running
// build/test/forwarder.mjs on <address>:6443 in front of the control-plane nodes' :6443.
import type { ChildProcess } from 'node:child_process';
import { addNamespace, spawnIn, type Fabric, type NetNamespace } from './netns.js';
import { programPath } from './programs.js';

export interface LoadBalancer {
  net: NetNamespace;
  process: ChildProcess;
}

/** Starts the forwarder in a new namespace `name`; resolves once it listens. */
export async function startLoadBalancer(fabric: Fabric, options: { name?: string; address: string; backends: string[]; port?: number }): Promise<LoadBalancer> {
  const net = await addNamespace(fabric, options.name ?? 'lb', options.address);
  const port = options.port ?? 6443;
  const args = [programPath('forwarder'), '--listen', `${options.address}:${port}`, ...options.backends.flatMap((b) => ['--backend', b.includes(':') ? b : `${b}:${port}`])];
  const child = spawnIn(net.ns, process.execPath, args);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`forwarder exited ${code}: ${stderr.trim()}`)));
  });
  return { net, process: child };
}
