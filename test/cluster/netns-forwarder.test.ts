// Namespaces + load balancer: two "control-plane" backends (socat answering with their name) in two
// namespaces, the forwarder in a third, a client in a fourth. Connections through the LB reach both
// backends in turn; with one backend stopped, the connections its turn falls on are reset, as behind a real
// TCP balancer without health checks, and the others still reach the live backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { addNamespace, createFabric, destroyFabric, exec, spawnIn, stopProcess, type Fabric, type NetNamespace } from './netns.js';
import { startLoadBalancer, type LoadBalancer } from './load-balancer.js';
import { buildClusterPrograms } from './build-programs.js';
import { waitFor } from './programs.js';

let fabric: Fabric;
let a: NetNamespace, b: NetNamespace, lb: NetNamespace, client: NetNamespace;
let backendA: ChildProcess;
let balancer: LoadBalancer;

function answer(ns: NetNamespace, name: string): ChildProcess {
  return spawnIn(ns.ns, 'socat', [`TCP-LISTEN:6443,bind=${ns.address},fork,reuseaddr`, `SYSTEM:echo ${name}`]);
}

async function ask(): Promise<string> {
  const r = await exec(client.ns, 'socat', ['-T', '5', '-', `TCP:${lb.address}:6443`], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`socat through the LB exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** The backend's answer, or "reset" when the balancer closed the connection without one (socat may exit 0). */
const askOrReset = () => ask().then((answer) => answer || 'reset', () => 'reset');

beforeAll(async () => {
  await buildClusterPrograms(['forwarder']);
  fabric = await createFabric();
  a = await addNamespace(fabric, 'cpa', '10.99.0.11');
  b = await addNamespace(fabric, 'cpb', '10.99.0.12');
  client = await addNamespace(fabric, 'cli', '10.99.0.50');
  backendA = answer(a, 'node-a');
  answer(b, 'node-b');
  balancer = await startLoadBalancer(fabric, { address: '10.99.0.2', backends: [a.address, b.address] });
  lb = balancer.net;
});

afterAll(async () => {
  if (fabric) await destroyFabric(fabric);
});

describe('fabric', () => {
  it('gives every namespace its own loopback and address, and isolates them from the host', async () => {
    const r = await exec(a.ns, 'ip', ['-o', '-4', 'addr', 'show']);
    expect(r.stdout).toContain('inet 127.0.0.1/8');
    expect(r.stdout).toContain('inet 10.99.0.11/24');
    expect(r.stdout).not.toContain('10.99.0.12');
  });

  it('lets a node reach another node directly over the bridge', async () => {
    const r = await exec(client.ns, 'socat', ['-T', '5', '-', `TCP:${b.address}:6443`], { timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('node-b');
  });
});

describe('forwarder', () => {
  it('spreads connections over both backends', async () => {
    await waitFor('both backends to answer', async () => (/(node-a|node-b)/.test(await ask()) ? true : undefined));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await ask());
    expect([...seen].sort()).toEqual(['node-a', 'node-b']);
  });

  it('keeps sending a stopped backend its turn: those connections are reset, the others reach the live one', async () => {
    await stopProcess(backendA);
    const before = balancer.connections.length;
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push(await askOrReset());
    expect([...answers].sort()).toEqual(['node-b', 'node-b', 'reset', 'reset']);
    const mine = balancer.connections.slice(before);
    expect(mine).toHaveLength(4);
    expect(mine.filter((c) => !c.forwarded).map((c) => c.backend)).toEqual([`${a.address}:6443`, `${a.address}:6443`]);
  });
});
