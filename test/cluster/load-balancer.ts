// The control-plane load balancer as a harness piece: a namespace on the fabric running
// build/test/forwarder.mjs on <address>:6443 in front of the control-plane nodes' :6443 (all of them,
// whether up or not, as a real TCP balancer without health checks). It records every connection the
// forwarder accepted, so tests and the bench can count what clients opened to the endpoint.
import type { ChildProcess } from 'node:child_process';
import { addNamespace, spawnIn, type Fabric, type NetNamespace } from './netns.js';
import { programPath } from './programs.js';

export interface LbConnection {
  /** host:port of the backend the forwarder sent it to. */
  backend: string;
  /** Reached the backend, or was reset because the backend refused or did not answer. */
  forwarded: boolean;
}

export interface LoadBalancer {
  net: NetNamespace;
  process: ChildProcess;
  /** Every connection accepted so far, in order. */
  connections: LbConnection[];
}

/** Starts the forwarder in a new namespace `name`; resolves once it listens. */
export async function startLoadBalancer(fabric: Fabric, options: { name?: string; address: string; backends: string[]; port?: number }): Promise<LoadBalancer> {
  const net = await addNamespace(fabric, options.name ?? 'lb', options.address);
  const port = options.port ?? 6443;
  const args = [programPath('forwarder'), '--listen', `${options.address}:${port}`, ...options.backends.flatMap((b) => ['--backend', b.includes(':') ? b : `${b}:${port}`])];
  const child = spawnIn(net.ns, process.execPath, args);
  const connections: LbConnection[] = [];
  let stderr = '';
  let pending = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('listening')) resolve();
        const m = /^connection \d+ -> (\S+): (.*)$/.exec(line);
        if (m) connections.push({ backend: m[1]!, forwarded: m[2] === 'forwarded' });
      }
    });
    child.once('exit', (code) => reject(new Error(`forwarder exited ${code}: ${stderr.trim()}`)));
  });
  return { net, process: child, connections };
}
