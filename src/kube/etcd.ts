// The local (stacked) etcd static pod, as kubeadm's etcd phase writes it for `init` (a one-member
// cluster) and for a joining control plane (every member listed, --initial-cluster-state=existing)
// (upstream: cmd/kubeadm/app/phases/etcd/local.go GetEtcdPodSpec, getEtcdCommand;
// util/staticpod/utils.go GetEtcdProbeEndpoint; util/etcd/etcd.go GetClientURL, GetPeerURL).
import { isIPv6 } from 'node:net';
import { argumentsToCommand, type Args } from './args.js';
import { etcdImage, localEtcdOf, requireVersion, type KubeClusterSpec, type KubeNode } from './cluster.js';
import {
  ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS,
  CERTIFICATES_DIR,
  ETCD,
  ETCD_LISTEN_CLIENT_PORT,
  ETCD_LISTEN_PEER_PORT,
  ETCD_METRICS_PORT,
  PKI,
  pkiPath,
} from './constants.js';
import { joinHostPort } from '../net.js';
import { componentPod, livenessProbe, readinessProbe, startupProbe } from './staticpod.js';
import type { Pod, Probe } from './types.js';

export interface EtcdMember {
  name: string;
  /** https://<ip>:2380 */
  peerURL: string;
}

export function etcdClientURL(address: string): string {
  return `https://${joinHostPort(address, ETCD_LISTEN_CLIENT_PORT)}`;
}

export function etcdPeerURL(address: string): string {
  return `https://${joinHostPort(address, ETCD_LISTEN_PEER_PORT)}`;
}

/**
 * etcd 3.6 graduated two flags kubeadm sets; kubeadm picks the spelling from the etcd version it deploys
 * (kubernetes/kubernetes#132838): >= 3.6 uses --feature-gates=InitialCorruptCheck=true and
 * --watch-progress-notify-interval, older releases the --experimental-* flags.
 */
function usesEtcd36Flags(etcdImageTag: string): boolean {
  const [major, minor] = etcdImageTag.split(/[.-]/).map(Number);
  return major! > 3 || (major === 3 && minor! >= 6);
}

function localEtcd(cluster: KubeClusterSpec) {
  const local = localEtcdOf(cluster);
  if (!local) {
    throw new Error('the etcd static pod is only rendered for local (stacked) etcd, but cluster.etcd is external; do not run the etcd phase for this cluster');
  }
  return local;
}

/**
 * `initialCluster` empty: first member (init). Otherwise: the members returned by etcd's member add,
 * including this node, in that order.
 */
export function etcdCommand(cluster: KubeClusterSpec, node: KubeNode, initialCluster: readonly EtcdMember[] = []): string[] {
  const local = localEtcd(cluster);
  const localhost = isIPv6(node.address) ? '::1' : '127.0.0.1';
  const clientURL = etcdClientURL(node.address);
  const peerURL = etcdPeerURL(node.address);
  const base: Args = {
    name: node.name,
    'listen-client-urls': `${etcdClientURL(localhost)},${clientURL}`,
    'advertise-client-urls': clientURL,
    'listen-peer-urls': peerURL,
    'initial-advertise-peer-urls': peerURL,
    'data-dir': local.dataDir,
    'cert-file': pkiPath(PKI.etcdServerCert),
    'key-file': pkiPath(PKI.etcdServerKey),
    'trusted-ca-file': pkiPath(PKI.etcdCACert),
    'client-cert-auth': 'true',
    'peer-cert-file': pkiPath(PKI.etcdPeerCert),
    'peer-key-file': pkiPath(PKI.etcdPeerKey),
    'peer-trusted-ca-file': pkiPath(PKI.etcdCACert),
    'peer-client-cert-auth': 'true',
    'snapshot-count': '10000',
    'listen-metrics-urls': `http://${joinHostPort(localhost, ETCD_METRICS_PORT)}`,
  };
  if (usesEtcd36Flags(requireVersion(cluster.kubernetesVersion).etcdImageTag)) {
    base['feature-gates'] = 'InitialCorruptCheck=true';
    base['watch-progress-notify-interval'] = '5s';
  } else {
    base['experimental-initial-corrupt-check'] = 'true';
    base['experimental-watch-progress-notify-interval'] = '5s';
  }
  if (initialCluster.length === 0) {
    base['initial-cluster'] = `${node.name}=${peerURL}`;
  } else {
    base['initial-cluster'] = initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(',');
    base['initial-cluster-state'] = 'existing';
  }
  return [ETCD, ...argumentsToCommand(base, local.extraArgs)];
}

/** Where kubelet probes etcd: the first listen-metrics-urls entry if the user set one (GetEtcdProbeEndpoint). */
export function etcdProbeEndpoint(extraArgs: Record<string, string>, ipv6: boolean): { host: string; port: number; scheme: 'HTTP' | 'HTTPS' } {
  const localhost = ipv6 ? '::1' : '127.0.0.1';
  const fallback = { host: localhost, port: ETCD_METRICS_PORT, scheme: 'HTTP' as const };
  const configured = extraArgs['listen-metrics-urls'];
  if (configured === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(configured.split(',')[0]!);
  } catch {
    return fallback;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host: host === '' ? localhost : host,
    port: url.port === '' ? ETCD_METRICS_PORT : Number(url.port),
    scheme: url.protocol === 'https:' ? 'HTTPS' : 'HTTP',
  };
}

function etcdProbes(cluster: KubeClusterSpec, node: KubeNode): { livenessProbe: Probe; readinessProbe?: Probe; startupProbe: Probe } {
  const { host, port, scheme } = etcdProbeEndpoint(localEtcd(cluster).extraArgs, isIPv6(node.address));
  if (requireVersion(cluster.kubernetesVersion).etcdProbes === 'livez') {
    return {
      livenessProbe: livenessProbe(host, '/livez', port, scheme),
      readinessProbe: readinessProbe(host, '/readyz', port, scheme),
      startupProbe: startupProbe(host, '/readyz', port, scheme),
    };
  }
  return {
    livenessProbe: livenessProbe(host, '/health?exclude=NOSPACE&serializable=true', port, scheme),
    startupProbe: startupProbe(host, '/health?serializable=false', port, scheme),
  };
}

export function etcdPod(cluster: KubeClusterSpec, node: KubeNode, initialCluster: readonly EtcdMember[] = []): Pod {
  const local = localEtcd(cluster);
  const certsDir = `${CERTIFICATES_DIR}/etcd`;
  const probes = etcdProbes(cluster, node);
  return componentPod(
    {
      command: etcdCommand(cluster, node, initialCluster),
      image: etcdImage(cluster),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: probes.livenessProbe,
      name: ETCD,
      readinessProbe: probes.readinessProbe,
      startupProbe: probes.startupProbe,
      resources: { requests: { cpu: '100m', memory: '100Mi' } },
      // Read-write: etcd keeps its data here. Order as upstream lists them (not sorted).
      volumeMounts: [
        { mountPath: local.dataDir, name: 'etcd-data' },
        { mountPath: certsDir, name: 'etcd-certs' },
      ],
    },
    [
      { hostPath: { path: local.dataDir, type: 'DirectoryOrCreate' }, name: 'etcd-data' },
      { hostPath: { path: certsDir, type: 'DirectoryOrCreate' }, name: 'etcd-certs' },
    ],
    { [ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS]: etcdClientURL(node.address) },
  );
}
