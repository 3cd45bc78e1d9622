import { describe, expect, it } from 'vitest';
import { ApiClient, type TransportRequest } from '../cluster/api-client.js';
import { realClock, realRandom } from '../clock.js';
import { parse } from '../yaml-input.js';
import { toYaml } from '../yaml.js';
import { moveClusterConfiguration, retag } from './cluster-config.js';

/** An API server holding objects by path: GET answers them (404 otherwise), PUT replaces them; every request is recorded. */
function memoryApi(objects: Record<string, unknown>) {
  const requests: TransportRequest[] = [];
  const api = new ApiClient({
    server: 'https://10.0.0.10:6443',
    clock: realClock,
    random: realRandom,
    guessUnknownKinds: true,
    retry: { budgetMs: 0, baseMs: 1, maxMs: 1 },
    transport: async (req) => {
      requests.push(req);
      if (req.method === 'PUT') objects[req.path] = JSON.parse(req.body!);
      const obj = objects[req.path];
      return obj === undefined ? { status: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404 }) } : { status: 200, body: JSON.stringify(obj) };
    },
  });
  return { api, objects, writes: () => requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`) };
}

const KUBEADM_CONFIG = '/api/v1/namespaces/kube-system/configmaps/kubeadm-config';
const KUBE_PROXY = '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy';
const COREDNS = '/apis/apps/v1/namespaces/kube-system/deployments/coredns';

const workload = (kind: string, name: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace: 'kube-system', resourceVersion: '7' },
  spec: { template: { spec: { containers: [{ name, image }, { name: 'sidecar', image: 'example.com/sidecar:1' }] } } },
});

describe('retag', () => {
  it.each([
    ['registry.k8s.io/kube-proxy:v1.33.2', 'registry.k8s.io/kube-proxy:v1.34.1'],
    ['registry.local:5000/kube-proxy:v1.33.2', 'registry.local:5000/kube-proxy:v1.34.1'],
    ['registry.local:5000/kube-proxy', 'registry.local:5000/kube-proxy:v1.34.1'],
    ['registry.k8s.io/kube-proxy:v1.33.2@sha256:0123', 'registry.k8s.io/kube-proxy:v1.34.1'],
  ])('%s -> %s', (image, expected) => {
    expect(retag(image, 'v1.34.1')).toBe(expected);
  });
});

describe('moveClusterConfiguration', () => {
  it('moves kubeadm-config, kube-proxy and CoreDNS to the target, then a second run changes nothing', async () => {
    const { api, objects, writes } = memoryApi({
      [KUBEADM_CONFIG]: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kubeadm-config', namespace: 'kube-system', resourceVersion: '3' },
        data: { ClusterConfiguration: toYaml({ apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', kubernetesVersion: 'v1.33.2', clusterName: 'demo' }) },
      },
      [KUBE_PROXY]: workload('DaemonSet', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.33.2'),
      [COREDNS]: workload('Deployment', 'coredns', 'registry.k8s.io/coredns/coredns:v1.12.0'),
    });
    const lines = await moveClusterConfiguration(api, 'v1.34.1');
    expect(lines).toEqual([
      'kubeadm-config: ClusterConfiguration kubernetesVersion v1.33.2 -> v1.34.1',
      "kubelet-config: unchanged (kgen's KubeletConfiguration does not depend on the release)",
      'kube-proxy: image registry.k8s.io/kube-proxy:v1.33.2 -> registry.k8s.io/kube-proxy:v1.34.1',
      'coredns: image registry.k8s.io/coredns/coredns:v1.12.0 -> registry.k8s.io/coredns/coredns:v1.12.1',
    ]);
    expect(writes()).toEqual([`PUT ${KUBEADM_CONFIG}`, `PUT ${KUBE_PROXY}`, `PUT ${COREDNS}`]);
    const config = parse((objects[KUBEADM_CONFIG] as { data: { ClusterConfiguration: string } }).data.ClusterConfiguration);
    expect(config).toEqual({ apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', kubernetesVersion: 'v1.34.1', clusterName: 'demo' });
    // The other container and the object's resourceVersion (optimistic concurrency) are kept.
    expect(objects[KUBE_PROXY]).toMatchObject({ metadata: { resourceVersion: '7' }, spec: { template: { spec: { containers: [{}, { image: 'example.com/sidecar:1' }] } } } });

    const again = await moveClusterConfiguration(api, 'v1.34.1');
    expect(again[0]).toBe('kubeadm-config: ClusterConfiguration kubernetesVersion is v1.34.1');
    expect(writes()).toHaveLength(3);
  });

  it('leaves add-ons that are not deployed alone, and refuses a cluster without kubeadm-config', async () => {
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: 'kubernetesVersion: v1.34.1\n' } };
    const { api, writes } = memoryApi({ [KUBEADM_CONFIG]: config });
    const lines = await moveClusterConfiguration(api, 'v1.34.1');
    expect(lines.slice(2)).toEqual(['kube-proxy: not deployed, nothing to move', 'coredns: not deployed, nothing to move']);
    expect(writes()).toEqual([]);
    await expect(moveClusterConfiguration(memoryApi({}).api, 'v1.34.1')).rejects.toThrow('kube-system/kubeadm-config has no ClusterConfiguration');
  });
});
