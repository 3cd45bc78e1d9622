// etcdctl against a running operator cluster (test/operator/cluster.ts), from cp1 with its
// etcd/healthcheck-client certificate: the member list and endpoint health, as an operator checks them.
import { join } from 'node:path';
import type { OperatorCluster } from './cluster.js';

export interface Member {
  ID: string;
  name?: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function etcdctl(cluster: OperatorCluster, endpoints: string[], args: string[]) {
  const seat = cluster.node('cp1');
  const pki = join(seat.root, 'etc/kubernetes/pki/etcd');
  return seat.exec(
    'etcdctl',
    ['--endpoints', endpoints.join(','), '--cacert', join(pki, 'ca.crt'), '--cert', join(pki, 'healthcheck-client.crt'), '--key', join(pki, 'healthcheck-client.key'), ...args],
    { timeoutMs: 30_000 },
  );
}

const clientURL = (cluster: OperatorCluster, name: string) => `https://${cluster.machines.find((m) => m.name === name)!.address}:2379`;

/** `etcdctl member list` through cp1's etcd. */
export async function members(cluster: OperatorCluster): Promise<Member[]> {
  const r = await etcdctl(cluster, [clientURL(cluster, 'cp1')], ['member', 'list', '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl member list: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { members: Member[] }).members;
}

/** `etcdctl endpoint health` of the named machines' etcd. */
export async function endpointHealth(cluster: OperatorCluster, names: string[]): Promise<{ code: number; out: string }> {
  const r = await etcdctl(cluster, names.map((n) => clientURL(cluster, n)), ['endpoint', 'health']);
  return { code: r.code, out: r.stdout + r.stderr };
}
