// etcdctl against a running operator cluster (test/operator/cluster.ts), from the operator's seat with kubeadm's
// etcd healthcheck-client certificate: the member list and endpoint health, as an operator checks them.
// The credentials are copied from cp1 on first use, so they outlive a wipe of cp1 (the init node's replacement).
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorCluster } from './cluster.js';

export interface Member {
  ID: string;
  name?: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

const CLIENT_FILES = ['ca.crt', 'healthcheck-client.crt', 'healthcheck-client.key'];

function clientPki(cluster: OperatorCluster): string {
  const dir = join(cluster.work, 'etcd-client');
  if (!existsSync(join(dir, CLIENT_FILES[2]!))) {
    mkdirSync(dir, { recursive: true });
    for (const f of CLIENT_FILES) cpSync(join(cluster.node('cp1').root, 'etc/kubernetes/pki/etcd', f), join(dir, f));
  }
  return dir;
}

const controlPlaneNames = (cluster: OperatorCluster) => cluster.machines.filter((m) => m.role === 'control-plane').map((m) => m.name);
const clientURL = (cluster: OperatorCluster, name: string) => `https://${cluster.machines.find((m) => m.name === name)!.address}:2379`;

/** etcdctl on the seat; `endpoints` (machine names) defaults to every control-plane node. */
export function etcdctl(cluster: OperatorCluster, args: string[], endpoints = controlPlaneNames(cluster)) {
  const pki = clientPki(cluster);
  const urls = endpoints.map((n) => clientURL(cluster, n)).join(',');
  const tls = ['--cacert', join(pki, 'ca.crt'), '--cert', join(pki, 'healthcheck-client.crt'), '--key', join(pki, 'healthcheck-client.key')];
  return cluster.exec('etcdctl', ['--endpoints', urls, ...tls, ...args], { timeoutMs: 30_000 });
}

/** `etcdctl member list` through whichever control-plane member answers. */
export async function members(cluster: OperatorCluster): Promise<Member[]> {
  const r = await etcdctl(cluster, ['member', 'list', '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl member list: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { members: Member[] }).members;
}

/** `etcdctl endpoint health` of the named machines' etcd. */
export async function endpointHealth(cluster: OperatorCluster, names: string[]): Promise<{ code: number; out: string }> {
  const r = await etcdctl(cluster, ['endpoint', 'health'], names);
  return { code: r.code, out: r.stdout + r.stderr };
}
