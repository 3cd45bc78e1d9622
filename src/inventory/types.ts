// The inventory model: what `nodes.yaml` says once parsed, validated and defaulted.
// Everything downstream (secrets, generators, boot configs) takes these types and never re-checks them.
// Field names follow kubeadm's ClusterConfiguration / InitConfiguration / JoinConfiguration where one exists
// (upstream: cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go).

import type { KeyAlgorithm } from '../pki/types.js';

export type Role = 'control-plane' | 'worker';
export type Delivery = 'embed' | 'url' | 'baked';
/** A node's CPU architecture, spelt as Kubernetes spells it (the kubernetes.io/arch label's values). */
export type Arch = 'amd64' | 'arm64';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface ExternalEtcd {
  endpoints: string[];
  /** Paths as written in nodes.yaml, resolved against the inventory's directory. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface LocalEtcd {
  /** Extra etcd flags, merged over kubeadm's defaults (key without leading dashes). */
  extraArgs: Record<string, string>;
  /** etcd data directory on the node; kubeadm default /var/lib/etcd. */
  dataDir: string;
}

export interface ClusterSpec {
  name: string;
  /** Full version, e.g. "v1.33.2"; always one of SUPPORTED_VERSIONS after validation. */
  kubernetesVersion: string;
  /** host:port of the control-plane load balancer. */
  controlPlaneEndpoint: { host: string; port: number };
  networking: { podSubnet: string; serviceSubnet: string; dnsDomain: string };
  etcd: { local: LocalEtcd; external?: undefined } | { external: ExternalEtcd; local?: undefined };
  certificates: {
    keyAlgorithm: KeyAlgorithm;
    /** Validity of leaf certificates, in hours (kubeadm default 8760h = 1 year). */
    validityHours: number;
    /** Validity of CA certificates, in hours (kubeadm default 87600h = 10 years). */
    caValidityHours: number;
  };
  /** The daily timer on control-plane nodes running `kgen-boot certs renew all` once a certificate is within `before` of expiry. */
  certificateRenewal: {
    enabled: boolean;
    /** The renewal window in seconds (default 720h = 30 days). */
    beforeSeconds: number;
  };
  bootstrapToken: {
    /** Token lifetime in seconds (kubeadm default 24h). */
    ttlSeconds: number;
    /** auth-extra-groups; default system:bootstrappers:kubeadm:default-node-token. */
    groups: string[];
    description: string;
  };
  imageRepository: string;
  apiServer: { certSANs: string[]; extraArgs: Record<string, string> };
  controllerManager: { extraArgs: Record<string, string> };
  scheduler: { extraArgs: Record<string, string> };
  /** Cluster-wide KubeletConfiguration fields (kubelet.config.k8s.io/v1beta1), as written. */
  kubelet: Record<string, unknown>;
  addons: {
    coreDNS: { enabled: boolean };
    kubeProxy: { enabled: boolean; mode: 'iptables' | 'ipvs' | 'nftables' };
    /** CNI manifest (multi-document YAML) contents, read at render time; undefined = none. */
    cni?: { manifest: string; source: string };
  };
  /** Encrypt Secrets at rest with an aescbc key kept in the state (beyond kubeadm). */
  encryptionAtRest: boolean;
  boot: {
    delivery: Delivery;
    /** delivery url: the base URL nodes download kgen-boot-linux-<arch> from (checked against its sha256). */
    url?: string;
    /** Where the boot program lives on the node (delivery embed: a `.mjs` name, so Node runs it as an ES module). */
    path: string;
    /** delivery embed: install the distribution's `nodejs` package (cloud-init `packages:`) to run the module. */
    installNodejs: boolean;
    /** How long joiners keep trying discovery, in seconds (default 1800). */
    discoveryTimeoutSeconds: number;
  };
  /** Preflight checks to ignore on every node (kubeadm --ignore-preflight-errors names). */
  ignorePreflightErrors: string[];
  /** PXE: base URL of the kernel/initrd and of the HTTP seed tree, plus kernel arguments. */
  pxe: { imageBaseURL: string; seedBaseURL: string; kernelArgs: string[] };
}

/** The one-interface shorthand: kgen writes the ethernets entry (matched by the node's mac when it has one). */
export interface NetworkShorthand {
  interface: string;
  /** CIDR notation, e.g. 10.0.0.11/24. */
  addresses: string[];
  gateway?: string;
  nameservers: string[];
  searchDomains: string[];
}

/**
 * cloud-init network-config version 2's own device sections, keys spelt as netplan spells them (cloud-init
 * docs: reference/network-config-format-v2), limited to what cloud-init's v2 parser understands.
 */
export interface NetworkDevices {
  ethernets: Record<string, EthernetDevice>;
  bonds: Record<string, BondDevice>;
  bridges: Record<string, BridgeDevice>;
  vlans: Record<string, VlanDevice>;
}

export type NodeNetwork = NetworkShorthand | NetworkDevices;

export const isNetworkShorthand = (n: NodeNetwork): n is NetworkShorthand => 'interface' in n;

export interface NetworkRoute {
  /** "default", a CIDR or an address. */
  to: string;
  via?: string;
  metric?: number;
  'on-link'?: boolean;
}

/** What every device section may carry: its own addressing. */
export interface DeviceAddressing {
  dhcp4?: boolean;
  dhcp6?: boolean;
  addresses?: string[];
  routes?: NetworkRoute[];
  nameservers?: { addresses?: string[]; search?: string[] };
  mtu?: number;
}

export interface EthernetDevice extends DeviceAddressing {
  match?: { macaddress?: string; name?: string; driver?: string };
  'set-name'?: string;
  wakeonlan?: boolean;
}

export interface BondDevice extends DeviceAddressing {
  interfaces: string[];
  parameters?: Record<string, string | number>;
}

export interface BridgeDevice extends DeviceAddressing {
  interfaces: string[];
  parameters?: Record<string, string | number | boolean>;
}

export interface VlanDevice extends DeviceAddressing {
  id: number;
  link: string;
}

export interface NodeKubelet {
  criSocket: string;
  cgroupDriver?: string;
  resolvConf?: string;
  nodeIP?: string;
  hostnameOverride?: string;
  extraArgs: Record<string, string>;
}

export interface NodeSpec {
  name: string;
  role: Role;
  /** Exactly one control-plane node has init: true after defaulting. */
  init: boolean;
  /** Advertise IP (control-plane: apiserver/etcd advertise address; all: kubelet node IP default). */
  address: string;
  /** Picks the kgen-boot executable for delivery url and baked; default amd64. */
  arch: Arch;
  mac?: string;
  uuid?: string;
  serial?: string;
  network?: NodeNetwork;
  kubelet: NodeKubelet;
  labels: Record<string, string>;
  taints: Taint[];
  /** Extra kernel arguments for this node's PXE entry. */
  kernelArgs: string[];
}

export interface Inventory {
  /** Absolute path of nodes.yaml (for messages and resolving relative paths). */
  file: string;
  cluster: ClusterSpec;
  nodes: NodeSpec[];
}

/** One problem found in nodes.yaml, with its place. Validation collects them all before failing. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  /** JSON-ish path, e.g. nodes[2].address */
  path: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  return `${where} ${d.path}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}
