// Adding this node to a stacked etcd cluster, as kubeadm's join does (upstream: cmd/kubeadm/app/phases/etcd/
// local.go CreateStackedEtcdStaticPodManifestFile; util/etcd/etcd.go NewFromCluster, getEtcdEndpoints,
// AddMemberAsLearner, MemberPromote, WaitForClusterAvailable): the etcd endpoints come from the etcd static
// pods' kubeadm.kubernetes.io/etcd.advertise-client-urls annotation, the client authenticates with the
// etcd/healthcheck-client certificate, the member is announced as a learner before its static pod exists,
// promoted once in sync, and the join waits for the whole cluster to answer. Idempotent: a peer URL that is
// already a member is not added again, unless that member is a replaced machine's (staleSelf): then it is
// removed and this node joins as a new learner.
import { memberIdHex, type EtcdMember } from '../../cluster/etcd-client.js';
import type { EtcdMember as ManifestMember } from '../../kube/index.js';

/** Label selector of kubeadm's etcd static pods (their mirror pods). */
export const ETCD_POD_SELECTOR = 'component=etcd,tier=control-plane';

interface PodLike {
  metadata: { annotations?: Record<string, string> };
}

/** Client URLs announced by the etcd pods (getEtcdEndpoints), de-duplicated, in pod order. */
export function etcdEndpointsFromPods(pods: readonly PodLike[], annotation: string): string[] {
  const urls = pods.map((p) => p.metadata.annotations?.[annotation]).filter((u): u is string => !!u);
  return [...new Set(urls)];
}

/**
 * The --initial-cluster members for this node's manifest (etcd.go AddMember's result): this node under its own
 * name, other members under theirs, and members that have not started yet (no name) under their id in hex.
 */
export function initialCluster(members: readonly EtcdMember[], self: ManifestMember): ManifestMember[] {
  return members.map((m) => {
    if (m.peerURLs.includes(self.peerURL)) return self;
    return { name: m.name || memberIdHex(m.id), peerURL: m.peerURLs[0] ?? '' };
  });
}

/**
 * The member a reimaged machine must not start as: one with this node's peer URL that has run before (it has a
 * name) while this node's etcd data directory is empty. It belongs to the machine this one replaces, and
 * starting an empty data directory as that member would rejoin it with none of the data its peers believe it
 * holds. A learner without a name is this node's own unstarted member from an earlier attempt: kept.
 */
export function staleSelf(members: readonly EtcdMember[], peerURL: string, dataDirEmpty: boolean): EtcdMember | undefined {
  if (!dataDirEmpty) return undefined;
  return members.find((m) => m.peerURLs.includes(peerURL) && m.name !== '');
}
