// Adding this node to a stacked etcd cluster, as kubeadm's join does (upstream: cmd/kubeadm/app/phases/etcd/
// local.go CreateStackedEtcdStaticPodManifestFile; util/etcd/etcd.go NewFromCluster, getEtcdEndpoints,
// AddMemberAsLearner, MemberPromote, WaitForClusterAvailable): the etcd endpoints come from the etcd static
// pods' kubeadm.kubernetes.io/etcd.advertise-client-urls annotation, the client authenticates with the
// etcd/healthcheck-client certificate, the member is announced as a learner before its static pod exists,
// promoted once in sync, and the join waits for the whole cluster to answer. Idempotent: a peer URL that is
// already a member is not added again.
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
