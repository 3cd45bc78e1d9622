// Public surface of src/kube: typed builders for the objects and node files kubeadm's init/join phases
// write. Every builder is a pure function of the cluster/node data; serialize results with src/yaml.ts.
export * from './constants.js';
export type * from './types.js';
export { argumentsToCommand, type Args } from './args.js';
export { requireVersion, kubernetesImage, etcdImage, pauseImage, coreDNSImage, localEtcdOf, externalEtcdOf, type KubeClusterSpec, type KubeNode } from './cluster.js';
export { isKubeletSettableLabel } from '../contract/labels.js';
export { nthIP, apiServerServiceIP, dnsServiceIP, joinHostPort } from '../net.js';
export {
  CA_CERTS_EXTRA_VOLUME_PATHS,
  controlPlanePods,
  apiServerPod,
  controllerManagerPod,
  schedulerPod,
  apiServerCommand,
  controllerManagerCommand,
  schedulerCommand,
  type ControlPlaneOptions,
  type ControlPlanePods,
} from './controlplane.js';
export { etcdPod, etcdCommand, etcdClientURL, etcdPeerURL, etcdProbeEndpoint, type EtcdMember } from './etcd.js';
export { COMPONENT_CONFIG_HASH_ANNOTATION, configMapChecksum, signConfigMap } from './componentconfig.js';
export { encryptionConfiguration, type EncryptionConfiguration } from './encryption.js';
export {
  KUBELET_CONFIG_API_VERSION,
  clusterKubeletConfiguration,
  nodeKubeletConfiguration,
  mutateResolverConfig,
  SYSTEMD_RESOLVED_RESOLV_CONF,
  kubeletFlags,
  kubeadmFlagsEnv,
  kubeletInstanceConfig,
  withInstanceConfig,
  taintString,
  type KubeletConfiguration,
  type KubeletNode,
  type KubeletFlagsOptions,
} from './kubelet.js';
export {
  CLUSTER_ADMINS_BINDING,
  KUBELET_CONFIG_ROLE,
  NODES_KUBEADM_CONFIG_ROLE,
  clusterConfiguration,
  kubeadmConfigConfigMap,
  kubeletConfigConfigMap,
  kubeadmConfigRBAC,
  kubeletConfigRBAC,
  clusterAdminsBinding,
} from './uploadconfig.js';
export { CONTROL_PLANE_TAINT, markControlPlanePatch, type MarkControlPlanePatch } from './markcontrolplane.js';
export {
  COREDNS,
  COREDNS_CLUSTER_ROLE,
  KUBE_DNS_SERVICE,
  corefile,
  coreDNSAddon,
  coreDNSServiceAccount,
  coreDNSClusterRole,
  coreDNSClusterRoleBinding,
  coreDNSConfigMap,
  coreDNSDeployment,
  kubeDNSService,
} from './addons/coredns.js';
export {
  KUBE_PROXY,
  NODE_PROXIER_BINDING,
  kubeProxyAddon,
  kubeProxyMode,
  kubeProxyConfiguration,
  kubeProxyServiceAccount,
  nodeProxierBinding,
  kubeProxyConfigMap,
  kubeProxyRBAC,
  kubeProxyDaemonSet,
  type KubeProxyMode,
} from './addons/kubeproxy.js';
