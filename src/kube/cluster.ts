// What the kube builders read from the cluster and the node: a narrow view that both the operator-side
// ClusterSpec (src/inventory/types.ts) and the node-side BootClusterSpec (src/contract/config.ts) satisfy,
// plus the version row and image names kubeadm derives from them
// (upstream: cmd/kubeadm/app/images/images.go GetKubernetesImage, GetEtcdImage, GetPauseImage, GetDNSImage).
import type { BootClusterSpec } from '../contract/config.js';
import type { LocalEtcd } from '../inventory/types.js';
import { SUPPORTED_RANGE, versionInfo, type VersionInfo } from '../versions.js';

export type KubeClusterSpec = Pick<
  BootClusterSpec,
  | 'name'
  | 'kubernetesVersion'
  | 'controlPlaneEndpoint'
  | 'networking'
  | 'certificates'
  | 'imageRepository'
  | 'apiServer'
  | 'controllerManager'
  | 'scheduler'
  | 'kubelet'
  | 'encryptionAtRest'
> & {
  /** Exactly one of local / external is set (both contract types guarantee it). */
  etcd: { local?: LocalEtcd; external?: { endpoints: string[] } };
};

/** Local (stacked) etcd settings, or undefined for external etcd. */
export function localEtcdOf(cluster: Pick<KubeClusterSpec, 'etcd'>): LocalEtcd | undefined {
  return cluster.etcd.external ? undefined : cluster.etcd.local;
}

/** External etcd endpoints, or undefined for local etcd. */
export function externalEtcdOf(cluster: Pick<KubeClusterSpec, 'etcd'>): { endpoints: string[] } | undefined {
  return cluster.etcd.external;
}

/** The node a static pod or kubelet file is rendered for. */
export interface KubeNode {
  name: string;
  /** Advertise address (apiserver, etcd) and default kubelet node IP. */
  address: string;
}

/** The versions.ts row for the cluster's version; throws with the supported range when there is none. */
export function requireVersion(kubernetesVersion: string): VersionInfo {
  const info = versionInfo(kubernetesVersion);
  if (!info) {
    throw new Error(
      `Kubernetes version "${kubernetesVersion}" is not supported; expected v1.MINOR.PATCH within ${SUPPORTED_RANGE}. ` +
        'Set cluster.kubernetesVersion in nodes.yaml to a supported release.',
    );
  }
  return info;
}

/** <repo>/<component>:<kubernetesVersion>, e.g. registry.k8s.io/kube-apiserver:v1.33.2. */
export function kubernetesImage(cluster: Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion'>, component: string): string {
  return `${cluster.imageRepository}/${component}:${cluster.kubernetesVersion}`;
}

export function etcdImage(cluster: Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion'>): string {
  return `${cluster.imageRepository}/etcd:${requireVersion(cluster.kubernetesVersion).etcdImageTag}`;
}

export function pauseImage(cluster: Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion'>): string {
  return `${cluster.imageRepository}/pause:${requireVersion(cluster.kubernetesVersion).pauseImageTag}`;
}

/** CoreDNS lives under <repo>/coredns/coredns (images.go GetDNSImage). */
export function coreDNSImage(cluster: Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion'>): string {
  return `${cluster.imageRepository}/coredns/coredns:${requireVersion(cluster.kubernetesVersion).coreDNSImageTag}`;
}
