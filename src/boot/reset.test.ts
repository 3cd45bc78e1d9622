// `kgen-boot reset` on a node root the init phases wrote for real: the confirmation, the dry run (nothing
// changes), and cleanup-node (what is removed, what stays). Removing the etcd member is covered against real
// etcd in test/operator/node-day2.integration.test.ts.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import type { NodeBootConfig } from '../contract/config.js';
import { captureIO, realInitConfig, testNode, type TestNode } from './test-node.js';
import { configFor } from './test-fixtures.js';

const PORTS = ['Port-6443', 'Port-10259', 'Port-10257', 'Port-2379', 'Port-2380', 'Port-10250'];

let config: NodeBootConfig;
beforeAll(async () => {
  config = await realInitConfig((c) => (c.cluster.ignorePreflightErrors = PORTS));
});

async function boot(node: TestNode, args: string[]) {
  const c = captureIO();
  const code = await main([...args, '--root', node.root], c.io, node.deps);
  return { code, out: c.out(), err: c.err() };
}

/** Every file under the root, relative, sorted. */
const files = (root: string): string[] => (readdirSync(root, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
  .sort();

async function initNode(): Promise<TestNode> {
  const node = testNode(config);
  for (const phase of ['preflight', 'certs', 'kubeconfig', 'etcd', 'control-plane', 'kubelet-start']) {
    const r = await boot(node, ['phase', phase]);
    expect(r.code, r.err).toBe(0);
  }
  mkdirSync(join(node.root, 'var/lib/etcd/member/snap'), { recursive: true });
  writeFileSync(join(node.root, 'var/lib/etcd/member/snap/db'), 'data');
  return node;
}

describe('kgen-boot reset', () => {
  it('asks for --force, and --dry-run prints every removal and changes nothing', async () => {
    const node = await initNode();
    const before = files(node.root);
    const refused = await boot(node, ['reset', '--skip-phases', 'remove-etcd-member']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('run it again with --force to confirm');

    const dry = await boot(node, ['reset', '--dry-run', '--skip-phases', 'remove-etcd-member']);
    expect(dry.code, dry.err).toBe(0);
    for (const line of ['[dryrun] Would remove /etc/kubernetes/pki/ca.key', '[dryrun] Would remove /etc/kubernetes/manifests/kube-apiserver.yaml', '[dryrun] Would remove /etc/kubernetes/admin.conf', '[dryrun] Would stop the kubelet service', '[dryrun] Would remove /var/lib/kgen/status.json']) {
      expect(dry.out).toContain(line);
    }
    expect(files(node.root)).toEqual(before);
    expect(node.services.actions).toEqual(['restart kubelet']);
  });

  it('--force stops the kubelet and leaves the machine ready for a first boot: node.yaml stays, kubeadm\'s files and the status record go', async () => {
    const node = await initNode();
    const r = await boot(node, ['reset', '--force', '--skip-phases', 'remove-etcd-member']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('[reset] Deleting contents of directory: /etc/kubernetes/pki');
    expect(r.out).toContain('The reset process does not clean CNI configuration');
    expect(node.services.actions).toEqual(['restart kubelet', 'stop kubelet']);
    // What the init phases and kgen-boot wrote lives under etc/ and var/ (the rest is the test image's).
    const left = files(node.root).filter((f) => /^(etc|var)\//.test(f) && f !== 'var/log/kgen-boot.log');
    // etcd's data directory is remove-etcd-member's (skipped here); everything kubeadm wrote is gone.
    expect(left).toEqual(['etc/kgen/node.yaml', 'var/lib/etcd/member/snap/db']);
    for (const dir of ['etc/kubernetes/pki', 'etc/kubernetes/manifests', 'var/lib/kubelet']) expect(existsSync(join(node.root, dir)), dir).toBe(true);

    const status = await boot(node, ['status']);
    expect(status.out).toContain('no kgen-boot run recorded yet');
    const again = await boot(node, ['reset', '--force', '--skip-phases', 'remove-etcd-member']);
    expect(again.code, again.err).toBe(0);
  });

  it('on a worker: no etcd phase, the same cleanup', async () => {
    const node = testNode(configFor('worker'));
    const r = await boot(node, ['reset', '--force']);
    expect(r.code, r.err).toBe(0);
    expect(node.services.actions).toEqual(['stop kubelet']);
    expect(existsSync(join(node.root, 'etc/kgen/node.yaml'))).toBe(true);
  });
});
