// Fixed inputs shared by the kube builder tests: one stacked-etcd cluster and its nodes.
import type { KubeletNode } from './kubelet.js';
import type { KubeClusterSpec, KubeNode } from './cluster.js';

export function testCluster(overrides: Partial<KubeClusterSpec> = {}): KubeClusterSpec {
  return {
    name: 'kgen-test',
    kubernetesVersion: 'v1.33.2',
    controlPlaneEndpoint: { host: 'cp.kgen.test', port: 6443 },
    networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
    etcd: { local: { dataDir: '/var/lib/etcd', extraArgs: {} } },
    certificates: { keyAlgorithm: 'ECDSA-P256', validityHours: 8760, caValidityHours: 87600 },
    imageRepository: 'registry.k8s.io',
    apiServer: { certSANs: ['cp.kgen.test'], extraArgs: {} },
    controllerManager: { extraArgs: {} },
    scheduler: { extraArgs: {} },
    kubelet: {},
    encryptionAtRest: false,
    ...overrides,
  };
}

export const CP1: KubeNode = { name: 'cp-1', address: '10.0.0.11' };
export const CP2: KubeNode = { name: 'cp-2', address: '10.0.0.12' };

export const DEBIAN_CA_PATHS = ['/etc/ca-certificates', '/usr/share/ca-certificates', '/usr/local/share/ca-certificates'];

export function testWorker(overrides: Partial<KubeletNode> = {}): KubeletNode {
  return {
    name: 'worker-1',
    role: 'worker',
    address: '10.0.0.21',
    kubelet: { criSocket: 'unix:///run/containerd/containerd.sock', extraArgs: {} },
    labels: {},
    taints: [],
    ...overrides,
  };
}
