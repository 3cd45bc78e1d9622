// Static pods for kube-apiserver, kube-controller-manager and kube-scheduler, exactly as kubeadm's
// control-plane phase writes them: default flags merged with the cluster's extraArgs (override wins,
// then sorted), hostPath volumes, probes and annotations
// (upstream: cmd/kubeadm/app/phases/controlplane/manifests.go, volumes.go).
import { isIPv6 } from 'node:net';
import { argumentsToCommand, type Args } from './args.js';
import { externalEtcdOf, kubernetesImage, localEtcdOf, type KubeClusterSpec, type KubeNode } from './cluster.js';
import {
  ANNOTATION_APISERVER_ADVERTISE_ENDPOINT,
  API_SERVER_BIND_PORT,
  CERTIFICATES_DIR,
  CONTROLLER_MANAGER_KUBECONFIG,
  ENCRYPTION_CONFIG_FILE,
  ETCD_LISTEN_CLIENT_PORT,
  EXTERNAL_ETCD_CA_FILE,
  EXTERNAL_ETCD_CERT_FILE,
  EXTERNAL_ETCD_KEY_FILE,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_CONTROLLER_MANAGER_PORT,
  KUBE_SCHEDULER,
  KUBE_SCHEDULER_PORT,
  PKI,
  pkiPath,
  SCHEDULER_KUBECONFIG,
} from './constants.js';
import { joinHostPort } from '../net.js';
import {
  componentPod,
  hostPathVolume,
  livenessProbe,
  probeAddress,
  readinessProbe,
  sortByName,
  startupProbe,
  volumeMount,
  type HostPathMount,
} from './staticpod.js';
import type { Pod } from './types.js';

/**
 * CA directories kubeadm mounts into the apiserver and controller-manager when they exist on the host
 * (volumes.go caCertsExtraVolumePaths). Which exist is a fact about the node, so the caller stats them
 * and passes the present ones; the volume name is the path with "/" turned to "-" minus the first one.
 */
export const CA_CERTS_EXTRA_VOLUME_PATHS = [
  '/etc/pki/ca-trust',
  '/etc/pki/tls/certs',
  '/etc/ca-certificates',
  '/usr/share/ca-certificates',
  '/usr/local/share/ca-certificates',
] as const;

const CA_CERTS_VOLUME_PATH = '/etc/ssl/certs';
const DEFAULT_FLEXVOLUME_DIR = '/usr/libexec/kubernetes/kubelet-plugins/volume/exec';

export interface ControlPlaneOptions {
  /** Entries of CA_CERTS_EXTRA_VOLUME_PATHS that exist on this node. */
  hostCAPaths: readonly string[];
}

export interface ControlPlanePods {
  'kube-apiserver': Pod;
  'kube-controller-manager': Pod;
  'kube-scheduler': Pod;
}

const ro = (name: string, path: string, type: HostPathMount['type']): HostPathMount => ({ name, hostPath: path, mountPath: path, readOnly: true, type });

function caMounts(hostCAPaths: readonly string[]): HostPathMount[] {
  const extra = CA_CERTS_EXTRA_VOLUME_PATHS.filter((p) => hostCAPaths.includes(p)).map((p) =>
    ro(p.replaceAll('/', '-').slice(1), p, 'DirectoryOrCreate'),
  );
  return [ro('ca-certs', CA_CERTS_VOLUME_PATH, 'DirectoryOrCreate'), ...extra];
}

export function apiServerCommand(cluster: KubeClusterSpec, node: KubeNode): string[] {
  const base: Args = {
    'advertise-address': node.address,
    'enable-admission-plugins': 'NodeRestriction',
    'service-cluster-ip-range': cluster.networking.serviceSubnet,
    'service-account-key-file': pkiPath(PKI.saPublicKey),
    'service-account-signing-key-file': pkiPath(PKI.saPrivateKey),
    'service-account-issuer': `https://kubernetes.default.svc.${cluster.networking.dnsDomain}`,
    'client-ca-file': pkiPath(PKI.caCert),
    'tls-cert-file': pkiPath(PKI.apiServerCert),
    'tls-private-key-file': pkiPath(PKI.apiServerKey),
    'kubelet-client-certificate': pkiPath(PKI.apiServerKubeletClientCert),
    'kubelet-client-key': pkiPath(PKI.apiServerKubeletClientKey),
    'enable-bootstrap-token-auth': 'true',
    'secure-port': String(API_SERVER_BIND_PORT),
    'allow-privileged': 'true',
    'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
    'requestheader-username-headers': 'X-Remote-User',
    'requestheader-group-headers': 'X-Remote-Group',
    'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
    'requestheader-client-ca-file': pkiPath(PKI.frontProxyCACert),
    'requestheader-allowed-names': 'front-proxy-client',
    'proxy-client-cert-file': pkiPath(PKI.frontProxyClientCert),
    'proxy-client-key-file': pkiPath(PKI.frontProxyClientKey),
  };
  const external = externalEtcdOf(cluster);
  if (external) {
    base['etcd-servers'] = external.endpoints.join(',');
    base['etcd-cafile'] = EXTERNAL_ETCD_CA_FILE;
    base['etcd-certfile'] = EXTERNAL_ETCD_CERT_FILE;
    base['etcd-keyfile'] = EXTERNAL_ETCD_KEY_FILE;
  } else {
    const localhost = isIPv6(node.address) ? '::1' : '127.0.0.1';
    const advertised = localEtcdOf(cluster)?.extraArgs['advertise-client-urls'];
    base['etcd-servers'] = advertised ?? `https://${joinHostPort(localhost, ETCD_LISTEN_CLIENT_PORT)}`;
    base['etcd-cafile'] = pkiPath(PKI.etcdCACert);
    base['etcd-certfile'] = pkiPath(PKI.apiServerEtcdClientCert);
    base['etcd-keyfile'] = pkiPath(PKI.apiServerEtcdClientKey);
  }
  const extra = cluster.apiServer.extraArgs;
  // kubeadm computes a filtered mode list into the base, but a user-given authorization-mode is also an
  // override and so replaces it verbatim (manifests.go getAuthzModes + ArgumentsToCommand): the net effect
  // is Node,RBAC unless the user says otherwise, and nothing when structured authorization-config is used.
  if (extra['authorization-config'] === undefined) base['authorization-mode'] = 'Node,RBAC';
  if (cluster.encryptionAtRest) base['encryption-provider-config'] = ENCRYPTION_CONFIG_FILE;
  return [KUBE_APISERVER, ...argumentsToCommand(base, extra)];
}

export function controllerManagerCommand(cluster: KubeClusterSpec): string[] {
  const ca = pkiPath(PKI.caCert);
  const base: Args = {
    'bind-address': '127.0.0.1',
    'leader-elect': 'true',
    kubeconfig: CONTROLLER_MANAGER_KUBECONFIG,
    'authentication-kubeconfig': CONTROLLER_MANAGER_KUBECONFIG,
    'authorization-kubeconfig': CONTROLLER_MANAGER_KUBECONFIG,
    'client-ca-file': ca,
    'requestheader-client-ca-file': pkiPath(PKI.frontProxyCACert),
    'root-ca-file': ca,
    'service-account-private-key-file': pkiPath(PKI.saPrivateKey),
    'cluster-signing-cert-file': ca,
    'cluster-signing-key-file': pkiPath(PKI.caKey),
    'use-service-account-credentials': 'true',
    controllers: '*,bootstrapsigner,tokencleaner',
  };
  if (cluster.networking.podSubnet) {
    base['allocate-node-cidrs'] = 'true';
    base['cluster-cidr'] = cluster.networking.podSubnet;
    if (cluster.networking.serviceSubnet) base['service-cluster-ip-range'] = cluster.networking.serviceSubnet;
  }
  if (cluster.name) base['cluster-name'] = cluster.name;
  return [KUBE_CONTROLLER_MANAGER, ...argumentsToCommand(base, cluster.controllerManager.extraArgs)];
}

export function schedulerCommand(cluster: KubeClusterSpec): string[] {
  const base: Args = {
    'bind-address': '127.0.0.1',
    'leader-elect': 'true',
    kubeconfig: SCHEDULER_KUBECONFIG,
    'authentication-kubeconfig': SCHEDULER_KUBECONFIG,
    'authorization-kubeconfig': SCHEDULER_KUBECONFIG,
  };
  return [KUBE_SCHEDULER, ...argumentsToCommand(base, cluster.scheduler.extraArgs)];
}

function cpuRequest(cpu: string) {
  return { requests: { cpu } };
}

export function apiServerPod(cluster: KubeClusterSpec, node: KubeNode, options: ControlPlaneOptions): Pod {
  const mounts = [...caMounts(options.hostCAPaths), ro('k8s-certs', CERTIFICATES_DIR, 'DirectoryOrCreate')];
  const host = probeAddress(node.address, '127.0.0.1');
  return componentPod(
    {
      command: apiServerCommand(cluster, node),
      image: kubernetesImage(cluster, KUBE_APISERVER),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(host, '/livez', API_SERVER_BIND_PORT, 'HTTPS'),
      name: KUBE_APISERVER,
      readinessProbe: readinessProbe(host, '/readyz', API_SERVER_BIND_PORT, 'HTTPS'),
      resources: cpuRequest('250m'),
      startupProbe: startupProbe(host, '/livez', API_SERVER_BIND_PORT, 'HTTPS'),
      volumeMounts: sortByName(mounts).map(volumeMount),
    },
    mounts.map(hostPathVolume),
    { [ANNOTATION_APISERVER_ADVERTISE_ENDPOINT]: joinHostPort(node.address, API_SERVER_BIND_PORT) },
  );
}

export function controllerManagerPod(cluster: KubeClusterSpec, options: ControlPlaneOptions): Pod {
  const flexDir = cluster.controllerManager.extraArgs['flex-volume-plugin-dir'] ?? DEFAULT_FLEXVOLUME_DIR;
  const mounts: HostPathMount[] = [
    ...caMounts(options.hostCAPaths),
    ro('k8s-certs', CERTIFICATES_DIR, 'DirectoryOrCreate'),
    ro('kubeconfig', CONTROLLER_MANAGER_KUBECONFIG, 'FileOrCreate'),
    // Must stay writable: third-party plugins talk to their storage backends through sockets here.
    { name: 'flexvolume-dir', hostPath: flexDir, mountPath: flexDir, readOnly: false, type: 'DirectoryOrCreate' },
  ];
  const host = probeAddress(cluster.controllerManager.extraArgs['bind-address'], '127.0.0.1');
  return componentPod(
    {
      command: controllerManagerCommand(cluster),
      image: kubernetesImage(cluster, KUBE_CONTROLLER_MANAGER),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(host, '/healthz', KUBE_CONTROLLER_MANAGER_PORT, 'HTTPS'),
      name: KUBE_CONTROLLER_MANAGER,
      resources: cpuRequest('200m'),
      startupProbe: startupProbe(host, '/healthz', KUBE_CONTROLLER_MANAGER_PORT, 'HTTPS'),
      volumeMounts: sortByName(mounts).map(volumeMount),
    },
    mounts.map(hostPathVolume),
  );
}

export function schedulerPod(cluster: KubeClusterSpec): Pod {
  const mounts = [ro('kubeconfig', SCHEDULER_KUBECONFIG, 'FileOrCreate')];
  const host = probeAddress(cluster.scheduler.extraArgs['bind-address'], '127.0.0.1');
  return componentPod(
    {
      command: schedulerCommand(cluster),
      image: kubernetesImage(cluster, KUBE_SCHEDULER),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(host, '/healthz', KUBE_SCHEDULER_PORT, 'HTTPS'),
      name: KUBE_SCHEDULER,
      resources: cpuRequest('100m'),
      startupProbe: startupProbe(host, '/healthz', KUBE_SCHEDULER_PORT, 'HTTPS'),
      volumeMounts: mounts.map(volumeMount),
    },
    mounts.map(hostPathVolume),
  );
}

/** The three control-plane static pods, keyed by component (= manifest file name without .yaml). */
export function controlPlanePods(cluster: KubeClusterSpec, node: KubeNode, options: ControlPlaneOptions): ControlPlanePods {
  return {
    'kube-apiserver': apiServerPod(cluster, node, options),
    'kube-controller-manager': controllerManagerPod(cluster, options),
    'kube-scheduler': schedulerPod(cluster),
  };
}
