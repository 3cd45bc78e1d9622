// The CoreDNS addon kubeadm installs: ServiceAccount, ClusterRole/Binding system:coredns, the coredns
// ConfigMap with kubeadm's Corefile, the coredns Deployment and the kube-dns Service on the tenth
// service IP (upstream: cmd/kubeadm/app/phases/addons/dns/manifests.go, dns.go; Corefile cache change
// for v1.32+: kubernetes/kubernetes#128359).
import { coreDNSImage, requireVersion, type KubeClusterSpec } from '../cluster.js';
import { KUBE_SYSTEM, LABEL_CONTROL_PLANE } from '../constants.js';
import { dnsServiceIP } from '../../net.js';
import { clusterRole, clusterRoleBinding, coreRule, serviceAccount } from '../rbac.js';
import type { ClusterRole, ClusterRoleBinding, ConfigMap, Deployment, Service, ServiceAccount } from '../types.js';

export const COREDNS = 'coredns';
export const COREDNS_CLUSTER_ROLE = 'system:coredns';
export const KUBE_DNS_SERVICE = 'kube-dns';

type DNSCluster = Pick<KubeClusterSpec, 'imageRepository' | 'kubernetesVersion' | 'networking'>;

const APP_LABELS = { 'k8s-app': 'kube-dns' };

/** kubeadm's Corefile; upstream DNS is the node's /etc/resolv.conf (dnsPolicy: Default). */
export function corefile(cluster: Pick<KubeClusterSpec, 'kubernetesVersion' | 'networking'>): string {
  const domain = cluster.networking.dnsDomain;
  const cache = requireVersion(cluster.kubernetesVersion).coreDNSCacheDisablesClusterDomain
    ? ['    cache 30 {', `       disable success ${domain}`, `       disable denial ${domain}`, '    }']
    : ['    cache 30'];
  return [
    '.:53 {',
    '    errors',
    '    health {',
    '       lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes ${domain} in-addr.arpa ip6.arpa {`,
    '       pods insecure',
    '       fallthrough in-addr.arpa ip6.arpa',
    '       ttl 30',
    '    }',
    '    prometheus :9153',
    '    forward . /etc/resolv.conf {',
    '       max_concurrent 1000',
    '    }',
    ...cache,
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
}

export function coreDNSServiceAccount(): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: COREDNS, namespace: KUBE_SYSTEM } };
}

export function coreDNSClusterRole(): ClusterRole {
  return clusterRole(COREDNS_CLUSTER_ROLE, [
    coreRule(['list', 'watch'], ['endpoints', 'services', 'pods', 'namespaces']),
    coreRule(['get'], ['nodes']),
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
  ]);
}

export function coreDNSClusterRoleBinding(): ClusterRoleBinding {
  return clusterRoleBinding(COREDNS_CLUSTER_ROLE, COREDNS_CLUSTER_ROLE, [serviceAccount(KUBE_SYSTEM, COREDNS)]);
}

export function coreDNSConfigMap(cluster: Pick<KubeClusterSpec, 'kubernetesVersion' | 'networking'>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: COREDNS, namespace: KUBE_SYSTEM }, data: { Corefile: corefile(cluster) } };
}

export function coreDNSDeployment(cluster: DNSCluster): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: COREDNS, namespace: KUBE_SYSTEM, labels: APP_LABELS },
    spec: {
      replicas: 2,
      selector: { matchLabels: APP_LABELS },
      strategy: { rollingUpdate: { maxUnavailable: 1 }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: APP_LABELS },
        spec: {
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  podAffinityTerm: {
                    labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }] },
                    topologyKey: 'kubernetes.io/hostname',
                  },
                  weight: 100,
                },
              ],
            },
          },
          containers: [
            {
              args: ['-conf', '/etc/coredns/Corefile'],
              image: coreDNSImage(cluster),
              imagePullPolicy: 'IfNotPresent',
              livenessProbe: { failureThreshold: 5, httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60, successThreshold: 1, timeoutSeconds: 5 },
              name: COREDNS,
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } },
              resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [{ mountPath: '/etc/coredns', name: 'config-volume', readOnly: true }],
            },
          ],
          dnsPolicy: 'Default',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: COREDNS,
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoSchedule', key: LABEL_CONTROL_PLANE },
          ],
          volumes: [{ name: 'config-volume', configMap: { name: COREDNS, items: [{ key: 'Corefile', path: 'Corefile' }] } }],
        },
      },
    },
  };
}

/**
 * Service kube-system/kube-dns on the tenth service IP. resourceVersion "0" is upstream's: it lets the
 * same object be used for create and for update.
 */
export function kubeDNSService(cluster: Pick<KubeClusterSpec, 'networking'>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: KUBE_DNS_SERVICE,
      namespace: KUBE_SYSTEM,
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      labels: { ...APP_LABELS, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      resourceVersion: '0',
    },
    spec: {
      clusterIP: dnsServiceIP(cluster.networking.serviceSubnet),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      selector: APP_LABELS,
    },
  };
}

/** Every CoreDNS object, in the order kubeadm creates them. */
export function coreDNSAddon(cluster: DNSCluster): [ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap, Deployment, Service] {
  return [coreDNSServiceAccount(), coreDNSClusterRole(), coreDNSClusterRoleBinding(), coreDNSConfigMap(cluster), coreDNSDeployment(cluster), kubeDNSService(cluster)];
}
