// Kubeconfig files as kubeadm writes them (upstream cmd/kubeadm/app/util/kubeconfig/kubeconfig.go CreateBasic /
// CreateWithCerts / CreateWithToken, cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go getKubeConfigSpecsBase):
// one cluster named after the cluster, one user, one context "<user>@<cluster>" that is current, credentials
// embedded as base64 "-data" fields (or file paths, as kubelet.conf uses after the TLS bootstrap).
// The cluster-info kubeconfig (cmd/kubeadm/app/phases/bootstraptoken/clusterinfo/clusterinfo.go) is the admin
// cluster entry alone, under the empty name, with nothing else. Keys follow client-go's (alphabetical) order,
// after the apiVersion/kind that src/yaml.ts always puts first.
import type { CertKeyPair, KeyAlgorithm } from './types.js';
import { versionInfo } from '../versions.js';
import { toYaml } from '../yaml.js';
import { createCertAndKey, type PkiOptions } from './certificate.js';

export interface KubeconfigCluster {
  name: string;
  cluster: { 'certificate-authority-data': string; server: string };
}

export interface KubeconfigUser {
  name: string;
  user: {
    'client-certificate-data'?: string;
    'client-key-data'?: string;
    'client-certificate'?: string;
    'client-key'?: string;
    token?: string;
  };
}

export interface KubeconfigContext {
  name: string;
  context: { cluster: string; user: string };
}

/** clientcmd v1 Config, fields as kubectl writes them. */
export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: KubeconfigCluster[];
  contexts: KubeconfigContext[] | null;
  'current-context': string;
  preferences: Record<string, never>;
  users: KubeconfigUser[] | null;
}

export interface KubeconfigInput {
  clusterName: string;
  /** https URL of the API server. */
  server: string;
  caCertPem: string;
  userName: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  clientCertPath?: string;
  clientKeyPath?: string;
}

const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

export function buildKubeconfig(input: KubeconfigInput): Kubeconfig {
  const kinds = [input.clientCertPem !== undefined || input.clientKeyPem !== undefined, input.token !== undefined, input.clientCertPath !== undefined || input.clientKeyPath !== undefined];
  if (kinds.filter(Boolean).length !== 1) {
    throw new Error(`kubeconfig for "${input.userName}": give exactly one credential: client certificate and key data, a token, or client certificate and key paths`);
  }
  if ((input.clientCertPem === undefined) !== (input.clientKeyPem === undefined) || (input.clientCertPath === undefined) !== (input.clientKeyPath === undefined)) {
    throw new Error(`kubeconfig for "${input.userName}": a client certificate needs its key (and the other way round)`);
  }
  const contextName = `${input.userName}@${input.clusterName}`;
  const user: KubeconfigUser['user'] =
    input.token !== undefined
      ? { token: input.token }
      : input.clientCertPem !== undefined
        ? { 'client-certificate-data': b64(input.clientCertPem), 'client-key-data': b64(input.clientKeyPem!) }
        : { 'client-certificate': input.clientCertPath, 'client-key': input.clientKeyPath };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { 'certificate-authority-data': b64(input.caCertPem), server: input.server }, name: input.clusterName }],
    contexts: [{ context: { cluster: input.clusterName, user: input.userName }, name: contextName }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: input.userName, user }],
  };
}

/** The kube-public/cluster-info kubeconfig: server and CA data only. */
export function buildClusterInfoKubeconfig(input: { server: string; caCertPem: string }): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { 'certificate-authority-data': b64(input.caCertPem), server: input.server }, name: '' }],
    contexts: null,
    'current-context': '',
    preferences: {},
    users: null,
  };
}

export function serializeKubeconfig(config: Kubeconfig): string {
  return toYaml(config);
}

// ---- kubeadm's kubeconfig files ------------------------------------------------------------------------

export type KubeconfigFile = 'admin.conf' | 'super-admin.conf' | 'kubelet.conf' | 'controller-manager.conf' | 'scheduler.conf';

/** What `kubeadm init` writes under /etc/kubernetes. */
export const INIT_KUBECONFIGS: readonly KubeconfigFile[] = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf'];
/** What `kubeadm join --control-plane` writes (kubelet.conf comes from the TLS bootstrap). */
export const JOIN_CONTROL_PLANE_KUBECONFIGS: readonly KubeconfigFile[] = ['admin.conf', 'controller-manager.conf', 'scheduler.conf'];

export interface KubeconfigSpec {
  file: KubeconfigFile;
  /** Client certificate CN (the user name). */
  clientName: string;
  /** Client certificate O (the groups). */
  organizations: string[];
  server: string;
}

export interface KubeconfigSpecsInput {
  nodeName: string;
  advertiseAddress: string;
  /** kube-apiserver bind port on the node (kubeadm default 6443). */
  bindPort?: number;
  controlPlaneEndpoint: { host: string; port: number };
  kubernetesVersion: string;
}

/** "https://host:port", IPv6 hosts in brackets (net.JoinHostPort). */
export function apiServerURL(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Specs for the given files (all of init's by default). admin/super-admin use the control-plane endpoint;
 * controller-manager/scheduler the local apiserver; kubelet.conf the endpoint up to v1.32 and the local
 * apiserver from v1.33, where kubeadm's ControlPlaneKubeletLocalMode feature gate became default-on (beta).
 */
export function kubeadmKubeconfigSpecs(input: KubeconfigSpecsInput, files: readonly KubeconfigFile[] = INIT_KUBECONFIGS): KubeconfigSpec[] {
  const info = versionInfo(input.kubernetesVersion);
  if (!info) throw new Error(`Kubernetes version "${input.kubernetesVersion}" is not supported; expected a supported version such as v1.33.2`);
  const endpoint = apiServerURL(input.controlPlaneEndpoint.host, input.controlPlaneEndpoint.port);
  const local = apiServerURL(input.advertiseAddress, input.bindPort ?? 6443);
  const all: Record<KubeconfigFile, Omit<KubeconfigSpec, 'file'>> = {
    'admin.conf': { clientName: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins'], server: endpoint },
    'super-admin.conf': { clientName: 'kubernetes-super-admin', organizations: ['system:masters'], server: endpoint },
    'kubelet.conf': { clientName: `system:node:${input.nodeName}`, organizations: ['system:nodes'], server: info.minor >= 33 ? local : endpoint },
    'controller-manager.conf': { clientName: 'system:kube-controller-manager', organizations: [], server: local },
    'scheduler.conf': { clientName: 'system:kube-scheduler', organizations: [], server: local },
  };
  return files.map((file) => ({ file, ...all[file] }));
}

export interface KubeconfigIssuer {
  clusterName: string;
  /** The cluster CA (key required: it signs the client certificate). */
  ca: CertKeyPair;
  algorithm: KeyAlgorithm;
  validityHours: number;
}

/** A new client key and certificate for the spec, wrapped in a kubeconfig (YAML text). */
export async function createKubeconfig(spec: KubeconfigSpec, issuer: KubeconfigIssuer, opts: PkiOptions = {}): Promise<string> {
  const client = await createCertAndKey(
    { commonName: spec.clientName, organizations: spec.organizations, usages: ['clientAuth'], algorithm: issuer.algorithm, validityHours: issuer.validityHours },
    issuer.ca,
    opts,
  );
  return serializeKubeconfig(
    buildKubeconfig({
      clusterName: issuer.clusterName,
      server: spec.server,
      caCertPem: issuer.ca.cert,
      userName: spec.clientName,
      clientCertPem: client.cert,
      clientKeyPem: client.key,
    }),
  );
}
