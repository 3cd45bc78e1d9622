// The kubelet unit on a test node, driven through the node's `systemctl` exactly as kgen-boot drives it
// (src/boot/host.ts systemdServices): start, is-active, Restart=always after a crash or an exit, stop
// taking the kubelet down, unknown units refused with systemctl's exit code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClusterPrograms } from './build-programs.js';
import { kubeconfig, writeKubeletFiles, writeNodeFile } from './kubeadm-fixture.js';
import { createFabric, destroyFabric, run, type Fabric } from './netns.js';
import { createTestNode, type TestNode } from './node.js';
import { waitFor } from './programs.js';
import { makeCA, makeLeaf } from './test-pki.js';

let fabric: Fabric;
let node: TestNode;

const kubeletLog = () => readFileSync(join(node.root, 'var/log/kubelet.log'), 'utf8');
const count = (re: RegExp) => (kubeletLog().match(re) ?? []).length;

/** pids of test kubelets running in the node's namespace. */
async function kubeletPids(): Promise<number[]> {
  const pids = (await run('ip', ['netns', 'pids', node.net.ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/kubelet.mjs\0');
    } catch {
      return false;
    }
  });
}

beforeAll(async () => {
  await buildClusterPrograms();
  fabric = await createFabric();
  node = await createTestNode(fabric, { name: 'sm1', address: '10.99.0.31' });
  writeKubeletFiles(node.root, ['--node-ip=10.99.0.31']);
});

afterAll(async () => {
  await node?.services.stop('kubelet');
  if (fabric) await destroyFabric(fabric);
  node?.remove();
});

describe('test node services', () => {
  it('reports the kubelet inactive before anything starts it', async () => {
    expect(await node.services.isActive('kubelet')).toBe(false);
    expect((await node.exec('systemctl', ['is-active', 'kubelet'])).stdout).toBe('inactive\n');
  });

  it('keeps restarting a kubelet that has no credentials yet, like the real crashloop before kubeadm runs', async () => {
    await node.services.restart('kubelet');
    expect(await node.services.isActive('kubelet')).toBe(true);
    await waitFor('two failed kubelet starts', async () => (count(/unable to load bootstrap kubeconfig/g) >= 2 ? true : undefined), 30_000);
  });

  it('runs the kubelet steadily once kubelet.conf is valid, and brings it back after a crash', async () => {
    const ca = makeCA('kubernetes');
    const pair = makeLeaf(ca, { subject: '/O=system:nodes/CN=system:node:sm1', usages: ['clientAuth'] });
    writeNodeFile(node.root, '/etc/kubernetes/pki/ca.crt', ca.cert);
    writeNodeFile(node.root, '/etc/kubernetes/kubelet.conf', kubeconfig('https://10.99.0.31:6443', ca.cert, 'system:node:sm1', pair), 0o600);
    await waitFor('the kubelet to pass bootstrap', async () => (count(/skipping bootstrap/g) >= 1 ? true : undefined), 30_000);
    const [pid] = await waitFor('one kubelet process', async () => ((await kubeletPids()).length === 1 ? kubeletPids() : undefined), 10_000);
    process.kill(pid!, 'SIGKILL');
    await waitFor('the kubelet to be restarted', async () => (count(/skipping bootstrap/g) >= 2 ? true : undefined), 30_000);
    expect(await kubeletPids()).not.toContain(pid);
  });

  it('stops the kubelet and reports it inactive', async () => {
    await node.services.stop('kubelet');
    expect(await node.services.isActive('kubelet')).toBe(false);
    expect(await kubeletPids()).toEqual([]);
    expect(kubeletLog()).toMatch(/shutting down\n$/);
  });

  it('refuses units it does not know, as systemctl does', async () => {
    await expect(node.services.restart('containerd')).rejects.toThrow(/exited 5: Failed to restart containerd: Unit containerd.service not found/);
    expect(await node.services.isActive('containerd')).toBe(false);
  });
});
