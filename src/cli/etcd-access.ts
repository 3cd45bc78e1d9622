// How an operator command reaches the stacked etcd members from the workstation: a client certificate with
// kubeadm's healthcheck-client identity (etcd/healthcheck-client.crt), minted in memory from the state's etcd CA
// for the command's run, and the members' client URLs from the inventory. Also the v3 snapshot an operator
// keeps before an upgrade (`etcdctl snapshot save`), checked with `etcdutl`/`etcdctl snapshot status` when one
// of them is installed.
import { spawnSync } from 'node:child_process';
import { EtcdClient, type EtcdClientDeps } from '../cluster/etcd-client.js';
import { InvalidInputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import type { NodeSpec } from '../inventory/types.js';
import { etcdClientURL } from '../kube/etcd.js';
import { ACCESS_CREDENTIAL_HOURS, mintClientCertificate, type OperatorSite } from './cluster-access.js';

/** The identity kubeadm's etcd health checks use (etcd/healthcheck-client.crt). */
const ETCD_HEALTHCHECK_SUBJECT = { commonName: 'kube-etcd-healthcheck-client', organizations: [] };

/** The inventory's control-plane nodes when the cluster runs stacked etcd (and the state holds its CA); else undefined. */
export function stackedEtcdNodes(site: OperatorSite): NodeSpec[] | undefined {
  if (!site.state.etcdCA || site.inventory.cluster.etcd.external) return undefined;
  return site.inventory.nodes.filter((n) => n.role === 'control-plane');
}

/** An etcd client for the members of `nodes`, with the healthcheck-client identity minted from the state's etcd CA. */
export async function etcdClientFor(site: OperatorSite, nodes: readonly NodeSpec[], now: Date, deps: EtcdClientDeps = {}): Promise<EtcdClient> {
  const etcdCA = site.state.etcdCA;
  if (!etcdCA) throw new InvalidInputError(`the state in ${site.state.dir} holds no etcd CA: the cluster does not run stacked etcd`);
  const credential = await mintClientCertificate(site, ETCD_HEALTHCHECK_SUBJECT, ACCESS_CREDENTIAL_HOURS, now, etcdCA);
  return new EtcdClient(nodes.map((n) => etcdClientURL(n.address)), { ca: etcdCA.cert, ...credential }, deps);
}

export interface SavedSnapshot {
  file: string;
  bytes: number;
  /** What `etcdutl`/`etcdctl snapshot status -w json` said, when one of them is installed. */
  status?: { tool: string; hash: number; revision: number; totalKey: number; totalSize: number };
}

/** The first of etcdutl (etcd >= 3.5) and etcdctl (3.4) that reads the file's status; undefined when neither is installed. */
function snapshotStatus(file: string): SavedSnapshot['status'] {
  for (const tool of ['etcdutl', 'etcdctl']) {
    const r = spawnSync(tool, ['snapshot', 'status', file, '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
    if (r.status !== 0) throw new Error(`${tool} snapshot status ${file} exited ${r.status ?? r.signal}: ${r.stderr.trim()}; the snapshot is not usable`);
    return { tool, ...(JSON.parse(r.stdout) as { hash: number; revision: number; totalKey: number; totalSize: number }) };
  }
  return undefined;
}

/** Streams a snapshot from the first member that answers, writes it atomically 0600 (it holds every Secret) and checks it. */
export async function saveSnapshot(client: EtcdClient, file: string): Promise<SavedSnapshot> {
  const data = await client.snapshot();
  writeFileAtomic(file, data, { mode: 0o600, durable: true });
  return { file, bytes: data.length, status: snapshotStatus(file) };
}
