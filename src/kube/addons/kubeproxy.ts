// The kube-proxy addon kubeadm installs: ServiceAccount, ClusterRoleBinding kubeadm:node-proxier,
// the kube-proxy ConfigMap (config.conf = KubeProxyConfiguration, kubeconfig.conf = in-cluster
// service-account kubeconfig pointing at the control-plane endpoint), Role/RoleBinding kube-proxy that
// lets token holders read it, and the kube-proxy DaemonSet
// (upstream: cmd/kubeadm/app/phases/addons/proxy/manifests.go, proxy.go; componentconfigs/kubeproxy.go Default).
import { isIPv6 } from 'node:net';
import { toYaml } from '../../yaml.js';
import { kubernetesImage, type KubeClusterSpec } from '../cluster.js';
import { KUBE_PROXY_CONFIGMAP, KUBE_SYSTEM, NODE_BOOTSTRAP_TOKEN_AUTH_GROUP } from '../constants.js';
import { signConfigMap } from '../componentconfig.js';
import { joinHostPort } from '../../net.js';
import { clusterRoleBinding, coreRule, group, role, roleBinding, serviceAccount } from '../rbac.js';
import type { ClusterRoleBinding, ConfigMap, DaemonSet, Role, RoleBinding, ServiceAccount } from '../types.js';

export const KUBE_PROXY = 'kube-proxy';
export const NODE_PROXIER_BINDING = 'kubeadm:node-proxier';
export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables';
const MODES: readonly string[] = ['iptables', 'ipvs', 'nftables'];

/** The node-side config carries the mode as a plain string; check it before it reaches the cluster. */
export function kubeProxyMode(mode: string): KubeProxyMode {
  if (!MODES.includes(mode)) {
    throw new Error(`kube-proxy mode "${mode}" is not supported; expected one of ${MODES.join(', ')}. Fix cluster.addons.kubeProxy.mode in nodes.yaml and render again.`);
  }
  return mode as KubeProxyMode;
}

const CONFIG_KEY = 'config.conf';
const KUBECONFIG_KEY = 'kubeconfig.conf';
const CONFIG_DIR = '/var/lib/kube-proxy';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type ProxyCluster = Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion' | 'networking' | 'controlPlaneEndpoint'>;

/** kubeadm's KubeProxyConfiguration defaults (bind address, cluster CIDR, kubeconfig) plus the chosen mode. */
export function kubeProxyConfiguration(cluster: Pick<KubeClusterSpec, 'networking'>, mode: KubeProxyMode, advertiseAddress?: string): Record<string, unknown> {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    bindAddress: advertiseAddress !== undefined && isIPv6(advertiseAddress) ? '::' : '0.0.0.0',
    clientConnection: { kubeconfig: `${CONFIG_DIR}/${KUBECONFIG_KEY}` },
    clusterCIDR: cluster.networking.podSubnet || undefined,
    mode,
  };
}

function inClusterKubeconfig(cluster: Pick<KubeClusterSpec, 'controlPlaneEndpoint'>): Record<string, unknown> {
  const { host, port } = cluster.controlPlaneEndpoint;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { 'certificate-authority': `${SA_DIR}/ca.crt`, server: `https://${joinHostPort(host, port)}` }, name: 'default' }],
    contexts: [{ context: { cluster: 'default', namespace: 'default', user: 'default' }, name: 'default' }],
    'current-context': 'default',
    users: [{ name: 'default', user: { tokenFile: `${SA_DIR}/token` } }],
  };
}

export function kubeProxyServiceAccount(): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: KUBE_PROXY, namespace: KUBE_SYSTEM } };
}

export function nodeProxierBinding(): ClusterRoleBinding {
  return clusterRoleBinding(NODE_PROXIER_BINDING, 'system:node-proxier', [serviceAccount(KUBE_SYSTEM, KUBE_PROXY)]);
}

/**
 * ConfigMap kube-system/kube-proxy. kubeadm signs it with the component-config hash unless the user
 * supplied the KubeProxyConfiguration; kgen treats iptables (kube-proxy's own default on Linux) as
 * kubeadm's configuration and any other mode as the user's, so an upgrade keeps that choice.
 */
export function kubeProxyConfigMap(cluster: ProxyCluster, mode: KubeProxyMode, advertiseAddress?: string): ConfigMap {
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: KUBE_PROXY_CONFIGMAP, namespace: KUBE_SYSTEM, labels: { app: KUBE_PROXY } },
    data: {
      [CONFIG_KEY]: toYaml(kubeProxyConfiguration(cluster, mode, advertiseAddress)),
      [KUBECONFIG_KEY]: toYaml(inClusterKubeconfig(cluster)),
    },
  };
  return mode === 'iptables' ? signConfigMap(cm) : cm;
}

/** Token holders may get the kube-proxy ConfigMap (proxy.go printOrCreateKubeProxyObjects). */
export function kubeProxyRBAC(): [Role, RoleBinding] {
  return [
    role(KUBE_SYSTEM, KUBE_PROXY, [coreRule(['get'], ['configmaps'], [KUBE_PROXY_CONFIGMAP])]),
    roleBinding(KUBE_SYSTEM, KUBE_PROXY, [group(NODE_BOOTSTRAP_TOKEN_AUTH_GROUP)]),
  ];
}

export function kubeProxyDaemonSet(cluster: Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion'>): DaemonSet {
  const labels = { 'k8s-app': KUBE_PROXY };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: KUBE_PROXY, namespace: KUBE_SYSTEM, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              command: ['/usr/local/bin/kube-proxy', `--config=${CONFIG_DIR}/${CONFIG_KEY}`, '--hostname-override=$(NODE_NAME)'],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              image: kubernetesImage(cluster, KUBE_PROXY),
              imagePullPolicy: 'IfNotPresent',
              name: KUBE_PROXY,
              securityContext: { privileged: true },
              volumeMounts: [
                { mountPath: CONFIG_DIR, name: KUBE_PROXY },
                { mountPath: '/run/xtables.lock', name: 'xtables-lock', readOnly: false },
                { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
              ],
            },
          ],
          hostNetwork: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          priorityClassName: 'system-node-critical',
          serviceAccountName: KUBE_PROXY,
          tolerations: [{ operator: 'Exists' }],
          volumes: [
            { name: KUBE_PROXY, configMap: { name: KUBE_PROXY_CONFIGMAP } },
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
            { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
          ],
        },
      },
      updateStrategy: { type: 'RollingUpdate' },
    },
  };
}

/** Every kube-proxy object, in the order kubeadm creates them. */
export function kubeProxyAddon(cluster: ProxyCluster, mode: KubeProxyMode, advertiseAddress?: string): [ServiceAccount, ClusterRoleBinding, Role, RoleBinding, ConfigMap, DaemonSet] {
  return [kubeProxyServiceAccount(), nodeProxierBinding(), ...kubeProxyRBAC(), kubeProxyConfigMap(cluster, mode, advertiseAddress), kubeProxyDaemonSet(cluster)];
}
