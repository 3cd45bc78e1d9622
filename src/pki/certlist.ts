// kubeadm's certificate list: the three CAs and the leaf certificates of a control-plane node, with the names,
// file base names, subjects, usages and SANs kubeadm gives them (upstream cmd/kubeadm/app/phases/certs/certlist.go,
// cmd/kubeadm/app/util/pkiutil/pki_helpers.go GetAPIServerAltNames / getAltNames,
// cmd/kubeadm/app/constants/constants.go). A phase loops over kubeadmCertList() and logs
// `[certs] Generating "<baseName>" certificate and key` for each. SANs come normalised as kubeadm prints them
// (DNS names sorted and de-duplicated, IPs de-duplicated in order).
import { apiServerServiceIP, parseIP } from '../net.js';
import type { CertificateSpec } from './certificate.js';
import { normalizeAltNames } from './extensions.js';

export type KubeadmCAName = 'ca' | 'front-proxy-ca' | 'etcd-ca';

export interface KubeadmCA {
  name: KubeadmCAName;
  /** File base name under /etc/kubernetes/pki (".crt"/".key" appended). */
  baseName: string;
  longName: string;
  commonName: string;
}

export const KUBEADM_CAS: Readonly<Record<KubeadmCAName, KubeadmCA>> = {
  ca: { name: 'ca', baseName: 'ca', longName: 'self-signed Kubernetes CA to provision identities for other Kubernetes components', commonName: 'kubernetes' },
  'front-proxy-ca': { name: 'front-proxy-ca', baseName: 'front-proxy-ca', longName: 'self-signed CA to provision identities for front proxy', commonName: 'front-proxy-ca' },
  'etcd-ca': { name: 'etcd-ca', baseName: 'etcd/ca', longName: 'self-signed CA to provision identities for etcd', commonName: 'etcd-ca' },
};

/** The CAs a cluster has: etcd's only with stacked (local) etcd. */
export function kubeadmCAList(localEtcd: boolean): KubeadmCA[] {
  return [KUBEADM_CAS.ca, KUBEADM_CAS['front-proxy-ca'], ...(localEtcd ? [KUBEADM_CAS['etcd-ca']] : [])];
}

/** One of kubeadm's leaf certificates: its phase name, file base name, description and signing CA. */
export interface KubeadmLeaf {
  /** kubeadm's phase name, e.g. "etcd-server". */
  name: string;
  /** File base name under /etc/kubernetes/pki, e.g. "etcd/server" (".crt"/".key" appended). */
  baseName: string;
  longName: string;
  /** The CA that signs it. */
  ca: KubeadmCAName;
}

/**
 * kubeadm's leaf certificates in its order (certlist.go GetDefaultCertList): the one table the init and join
 * certs phases, the key pre-generation and the certificate list below all read. Those signed by etcd-ca
 * exist with stacked (local) etcd only.
 */
export const KUBEADM_LEAVES: readonly KubeadmLeaf[] = [
  { name: 'apiserver', baseName: 'apiserver', longName: 'certificate for serving the Kubernetes API', ca: 'ca' },
  { name: 'apiserver-kubelet-client', baseName: 'apiserver-kubelet-client', longName: 'certificate for the API server to connect to kubelet', ca: 'ca' },
  { name: 'front-proxy-client', baseName: 'front-proxy-client', longName: 'certificate for the front proxy client', ca: 'front-proxy-ca' },
  { name: 'etcd-server', baseName: 'etcd/server', longName: 'certificate for serving etcd', ca: 'etcd-ca' },
  { name: 'etcd-peer', baseName: 'etcd/peer', longName: 'certificate for etcd nodes to communicate with each other', ca: 'etcd-ca' },
  { name: 'etcd-healthcheck-client', baseName: 'etcd/healthcheck-client', longName: 'certificate for liveness probes to healthcheck etcd', ca: 'etcd-ca' },
  { name: 'apiserver-etcd-client', baseName: 'apiserver-etcd-client', longName: 'certificate the apiserver uses to access etcd', ca: 'etcd-ca' },
];

/** Whether a CA or a leaf exists only with stacked (local) etcd. */
export const isEtcdOnly = (ca: KubeadmCAName): boolean => ca === 'etcd-ca';

export interface KubeadmCertSpec extends Omit<CertificateSpec, 'validityHours'>, KubeadmLeaf {
  validityHours: number;
}

export interface CertListInput {
  nodeName: string;
  /** The node's advertise address (apiserver and etcd). */
  advertiseAddress: string;
  localEtcd: boolean;
  /** The cluster fields the certificates depend on (a subset of the inventory's ClusterSpec). */
  cluster: {
    controlPlaneEndpoint: { host: string; port: number };
    networking: { serviceSubnet: string; dnsDomain: string };
    apiServer: { certSANs: string[] };
    certificates: { validityHours: number };
  };
}

/** constants.GetAPIServerVirtualIP: the first address of the (first) service subnet. */
/** The in-cluster apiserver Service IP, one of the apiserver certificate's SANs. */
export const apiServerVirtualIP = apiServerServiceIP;

function splitSANs(values: readonly string[]): { dnsNames: string[]; ips: string[] } {
  const out = { dnsNames: [] as string[], ips: [] as string[] };
  for (const v of values) (parseIP(v) ? out.ips : out.dnsNames).push(v);
  return out;
}

type LeafIdentity = Omit<KubeadmCertSpec, keyof KubeadmLeaf | 'validityHours'>;

export function kubeadmCertList(input: CertListInput): KubeadmCertSpec[] {
  const { nodeName, advertiseAddress, cluster } = input;
  if (!parseIP(advertiseAddress)) {
    throw new Error(`advertise address "${advertiseAddress}" is not an IP address; kubeadm requires an IP for the apiserver and etcd certificates`);
  }
  const extra = splitSANs([cluster.controlPlaneEndpoint.host, ...cluster.apiServer.certSANs]);
  const etcdAltNames = normalizeAltNames({ dnsNames: [nodeName, 'localhost'], ips: [advertiseAddress, '127.0.0.1', '::1'] });
  const identities: Record<string, LeafIdentity> = {
    apiserver: {
      commonName: 'kube-apiserver',
      usages: ['serverAuth'],
      ...normalizeAltNames({
        dnsNames: [nodeName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${cluster.networking.dnsDomain}`, ...extra.dnsNames],
        ips: [apiServerVirtualIP(cluster.networking.serviceSubnet), advertiseAddress, ...extra.ips],
      }),
    },
    // kubeadm >= 1.29: the kubeadm:cluster-admins group (was system:masters).
    'apiserver-kubelet-client': { commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'], usages: ['clientAuth'] },
    'front-proxy-client': { commonName: 'front-proxy-client', usages: ['clientAuth'] },
    // etcd wants clientAuth on its server certificate too (upstream comment: etcd-io/etcd#9785).
    'etcd-server': { commonName: nodeName, usages: ['serverAuth', 'clientAuth'], ...etcdAltNames },
    'etcd-peer': { commonName: nodeName, usages: ['serverAuth', 'clientAuth'], ...etcdAltNames },
    'etcd-healthcheck-client': { commonName: 'kube-etcd-healthcheck-client', usages: ['clientAuth'] },
    'apiserver-etcd-client': { commonName: 'kube-apiserver-etcd-client', usages: ['clientAuth'] },
  };
  return KUBEADM_LEAVES.filter((leaf) => input.localEtcd || !isEtcdOnly(leaf.ca)).map((leaf) => ({
    ...leaf,
    ...identities[leaf.name]!,
    validityHours: cluster.certificates.validityHours,
  }));
}
