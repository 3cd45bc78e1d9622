// Kubernetes versions kgen supports, and everything that differs between them, in one table.
// Image tags mirror kubeadm's constants for each minor release
// (upstream: cmd/kubeadm/app/constants/constants.go, SupportedEtcdVersion, CoreDNSVersion, PauseVersion).

export interface VersionInfo {
  /** Minor version, e.g. 33 for v1.33. */
  minor: number;
  /** etcd image tag kubeadm uses for this release. */
  etcdImageTag: string;
  /** CoreDNS image tag (image lives under <repo>/coredns/coredns). */
  coreDNSImageTag: string;
  /** pause (sandbox) image tag. */
  pauseImageTag: string;
  /** kubeadm config API version this release writes into the kubeadm-config ConfigMap. */
  kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta3' | 'kubeadm.k8s.io/v1beta4';
  /**
   * etcd static pod probes: 'health' = liveness /health?exclude=NOSPACE&serializable=true and startup
   * /health?serializable=false (up to v1.30); 'livez' = liveness /livez, readiness and startup /readyz
   * (v1.31+, kubernetes/kubernetes#124465, needs etcd >= 3.5.11).
   */
  etcdProbes: 'health' | 'livez';
  /** kubeadm-flags.env carries --pod-infra-container-image (dropped in v1.35, kubernetes/kubernetes#133778). */
  kubeletPodInfraContainerImageFlag: boolean;
  /** CoreDNS Corefile disables caching of the cluster domain (v1.32+, kubernetes/kubernetes#128359). */
  coreDNSCacheDisablesClusterDomain: boolean;
  /**
   * kubeadm's NodeLocalCRISocket feature gate is on by default (beta in v1.34): the CRI socket lives in
   * /var/lib/kubelet/instance-config.yaml (containerRuntimeEndpoint, merged into config.yaml), not in
   * kubeadm-flags.env, and no Node carries the kubeadm.alpha.kubernetes.io/cri-socket annotation
   * (cmd/kubeadm/app/cmd/phases/join/kubelet.go, phases/kubelet/config.go WriteInstanceConfigToDisk).
   */
  nodeLocalCRISocket: boolean;
  /**
   * kubeadm's ControlPlaneKubeletLocalMode feature gate is on by default (beta in v1.33): a joining control-plane
   * node's kubelet bootstraps against its own API server, and the join waits for that bootstrap after the etcd
   * member joined (cmd/kubeadm/app/cmd/phases/join/kubelet.go, runKubeletWaitBootstrapPhase), so the kubelet
   * never talks to an API server older than itself during a rollout.
   */
  controlPlaneKubeletLocalMode: boolean;
}

export const SUPPORTED_VERSIONS: readonly VersionInfo[] = [
  { minor: 30, etcdImageTag: '3.5.12-0', coreDNSImageTag: 'v1.11.1', pauseImageTag: '3.9', kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta3', etcdProbes: 'health', kubeletPodInfraContainerImageFlag: true, coreDNSCacheDisablesClusterDomain: false, nodeLocalCRISocket: false, controlPlaneKubeletLocalMode: false },
  { minor: 31, etcdImageTag: '3.5.15-0', coreDNSImageTag: 'v1.11.3', pauseImageTag: '3.10', kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta4', etcdProbes: 'livez', kubeletPodInfraContainerImageFlag: true, coreDNSCacheDisablesClusterDomain: false, nodeLocalCRISocket: false, controlPlaneKubeletLocalMode: false },
  { minor: 32, etcdImageTag: '3.5.16-0', coreDNSImageTag: 'v1.11.3', pauseImageTag: '3.10', kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta4', etcdProbes: 'livez', kubeletPodInfraContainerImageFlag: true, coreDNSCacheDisablesClusterDomain: true, nodeLocalCRISocket: false, controlPlaneKubeletLocalMode: false },
  { minor: 33, etcdImageTag: '3.5.21-0', coreDNSImageTag: 'v1.12.0', pauseImageTag: '3.10', kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta4', etcdProbes: 'livez', kubeletPodInfraContainerImageFlag: true, coreDNSCacheDisablesClusterDomain: true, nodeLocalCRISocket: false, controlPlaneKubeletLocalMode: true },
  { minor: 34, etcdImageTag: '3.6.4-0', coreDNSImageTag: 'v1.12.1', pauseImageTag: '3.10.1', kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta4', etcdProbes: 'livez', kubeletPodInfraContainerImageFlag: true, coreDNSCacheDisablesClusterDomain: true, nodeLocalCRISocket: true, controlPlaneKubeletLocalMode: true },
  { minor: 35, etcdImageTag: '3.6.5-0', coreDNSImageTag: 'v1.13.1', pauseImageTag: '3.10.1', kubeadmConfigAPIVersion: 'kubeadm.k8s.io/v1beta4', etcdProbes: 'livez', kubeletPodInfraContainerImageFlag: false, coreDNSCacheDisablesClusterDomain: true, nodeLocalCRISocket: true, controlPlaneKubeletLocalMode: true },
];

export const SUPPORTED_RANGE = `v1.${SUPPORTED_VERSIONS[0]!.minor} to v1.${SUPPORTED_VERSIONS.at(-1)!.minor}`;

const VERSION_RE = /^v1\.(\d+)\.(\d+)$/;

/** The table row for a full version like "v1.33.2", or undefined when kgen does not support it. */
export function versionInfo(version: string): VersionInfo | undefined {
  const m = VERSION_RE.exec(version);
  if (!m) return undefined;
  return SUPPORTED_VERSIONS.find((v) => v.minor === Number(m[1]));
}

export function isWellFormedVersion(version: string): boolean {
  return VERSION_RE.test(version);
}
