// Names and paths kubeadm fixes, in one place (upstream: cmd/kubeadm/app/constants/constants.go).
// Everything a person who knows kubeadm expects to find on a node or in the cluster is named here.

export const KUBERNETES_DIR = '/etc/kubernetes';
export const CERTIFICATES_DIR = '/etc/kubernetes/pki';
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
export const KUBELET_DIR = '/var/lib/kubelet';
export const KUBELET_CONFIG_FILE = '/var/lib/kubelet/config.yaml';
export const KUBELET_ENV_FILE = '/var/lib/kubelet/kubeadm-flags.env';
/** kubeadm's KubeletInstanceConfigurationFileName below KubeletRunDirectory (NodeLocalCRISocket). */
export const KUBELET_INSTANCE_CONFIG_FILE = '/var/lib/kubelet/instance-config.yaml';
/** The Node annotation kubeadm reads a node's CRI socket from without NodeLocalCRISocket (constants.go AnnotationKubeadmCRISocket). */
export const ANNOTATION_CRI_SOCKET = 'kubeadm.alpha.kubernetes.io/cri-socket';
export const KUBELET_ENV_VARIABLE = 'KUBELET_KUBEADM_ARGS';
export const KUBELET_KUBECONFIG = '/etc/kubernetes/kubelet.conf';
export const KUBELET_BOOTSTRAP_KUBECONFIG = '/etc/kubernetes/bootstrap-kubelet.conf';
export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';
export const SUPER_ADMIN_KUBECONFIG = '/etc/kubernetes/super-admin.conf';
export const CONTROLLER_MANAGER_KUBECONFIG = '/etc/kubernetes/controller-manager.conf';
export const SCHEDULER_KUBECONFIG = '/etc/kubernetes/scheduler.conf';

/** /etc/kubernetes/manifests/<component>.yaml (constants.GetStaticPodFilepath). */
export function staticPodPath(component: string): string {
  return `${MANIFESTS_DIR}/${component}.yaml`;
}

/** Certificate and key files under CERTIFICATES_DIR. */
export const PKI = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  apiServerCert: 'apiserver.crt',
  apiServerKey: 'apiserver.key',
  apiServerKubeletClientCert: 'apiserver-kubelet-client.crt',
  apiServerKubeletClientKey: 'apiserver-kubelet-client.key',
  apiServerEtcdClientCert: 'apiserver-etcd-client.crt',
  apiServerEtcdClientKey: 'apiserver-etcd-client.key',
  frontProxyCACert: 'front-proxy-ca.crt',
  frontProxyCAKey: 'front-proxy-ca.key',
  frontProxyClientCert: 'front-proxy-client.crt',
  frontProxyClientKey: 'front-proxy-client.key',
  saPrivateKey: 'sa.key',
  saPublicKey: 'sa.pub',
  etcdCACert: 'etcd/ca.crt',
  etcdCAKey: 'etcd/ca.key',
  etcdServerCert: 'etcd/server.crt',
  etcdServerKey: 'etcd/server.key',
  etcdPeerCert: 'etcd/peer.crt',
  etcdPeerKey: 'etcd/peer.key',
  etcdHealthcheckClientCert: 'etcd/healthcheck-client.crt',
  etcdHealthcheckClientKey: 'etcd/healthcheck-client.key',
} as const;

/** Absolute path of a file named in PKI. */
export function pkiPath(file: string): string {
  return `${CERTIFICATES_DIR}/${file}`;
}

/**
 * Where a node keeps the external etcd client material. kubeadm takes these paths from the config;
 * kgen fixes them inside CERTIFICATES_DIR so the apiserver's k8s-certs mount already covers them
 * and no extra etcd-certs-N volumes are needed (phases/controlplane/volumes.go getEtcdCertVolumes skips them).
 */
export const EXTERNAL_ETCD_CA_FILE = '/etc/kubernetes/pki/external-etcd-ca.crt';
export const EXTERNAL_ETCD_CERT_FILE = '/etc/kubernetes/pki/external-etcd.crt';
export const EXTERNAL_ETCD_KEY_FILE = '/etc/kubernetes/pki/external-etcd.key';

/** EncryptionConfiguration for Secrets at rest; inside the k8s-certs mount (read-only, root-only directory). */
export const ENCRYPTION_CONFIG_FILE = '/etc/kubernetes/pki/encryption-config.yaml';

export const KUBE_SYSTEM = 'kube-system';
export const KUBE_PUBLIC = 'kube-public';

export const KUBE_APISERVER = 'kube-apiserver';
export const KUBE_CONTROLLER_MANAGER = 'kube-controller-manager';
export const KUBE_SCHEDULER = 'kube-scheduler';
export const ETCD = 'etcd';

export const API_SERVER_BIND_PORT = 6443;
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;
export const KUBE_SCHEDULER_PORT = 10259;
export const ETCD_LISTEN_CLIENT_PORT = 2379;
export const ETCD_LISTEN_PEER_PORT = 2380;
export const ETCD_METRICS_PORT = 2381;

/** ControlPlaneComponentHealthCheckTimeout (4m), which sizes the startup probes. */
export const CONTROL_PLANE_HEALTH_CHECK_TIMEOUT_SECONDS = 240;

export const ANNOTATION_APISERVER_ADVERTISE_ENDPOINT = 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint';
export const ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS = 'kubeadm.kubernetes.io/etcd.advertise-client-urls';

export const LABEL_CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';
export const LABEL_EXCLUDE_FROM_EXTERNAL_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** Groups and users the RBAC objects bind. */
export const NODE_BOOTSTRAP_TOKEN_AUTH_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
export const NODES_GROUP = 'system:nodes';
export const ANONYMOUS_USER = 'system:anonymous';
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';

export const KUBEADM_CONFIG_CONFIGMAP = 'kubeadm-config';
export const CLUSTER_CONFIGURATION_KEY = 'ClusterConfiguration';
export const KUBELET_CONFIG_CONFIGMAP = 'kubelet-config';
export const KUBELET_CONFIG_KEY = 'kubelet';
export const CLUSTER_INFO_CONFIGMAP = 'cluster-info';
export const CLUSTER_INFO_KUBECONFIG_KEY = 'kubeconfig';
export const KUBEADM_CERTS_SECRET = 'kubeadm-certs';
export const KUBE_PROXY_CONFIGMAP = 'kube-proxy';

export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
