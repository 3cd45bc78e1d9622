import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory/types.js';
import { imageTag } from './cluster-versions.js';
import { planUpgrade, type ClusterReport } from './plan.js';

const inventory = {
  cluster: { etcd: { local: {} } },
  nodes: [
    { name: 'cp1', role: 'control-plane' },
    { name: 'cp2', role: 'control-plane' },
    { name: 'w1', role: 'worker' },
    { name: 'w2', role: 'worker' },
    { name: 'w3', role: 'worker' },
  ],
} as unknown as Inventory;

function report(versions: Record<string, string>): ClusterReport {
  const components: ClusterReport['components'] = [];
  for (const [node, version] of Object.entries(versions)) {
    components.push({ component: 'kubelet', node, version });
    if (node.startsWith('cp')) {
      for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) components.push({ component, node, version });
      components.push({ component: 'etcd', node, version: version === 'v1.33.2' ? '3.5.21-0' : '3.6.4-0' });
    }
  }
  return { components, nodes: Object.keys(versions).map((name) => ({ name, controlPlane: name.startsWith('cp') })), addons: { kubeProxy: 'v1.33.2', coreDNS: 'v1.12.0' } };
}

describe('planUpgrade', () => {
  it('orders the rollout: snapshot, control plane one at a time, cluster config, workers in batches', () => {
    const plan = planUpgrade(report({ cp1: 'v1.33.2', cp2: 'v1.33.2', w1: 'v1.33.2', w2: 'v1.33.2', w3: 'v1.33.2' }), inventory, 'v1.34.1', 2);
    expect(plan.violations).toEqual([]);
    expect(plan.clusterVersion).toBe('v1.33.2');
    expect(plan.steps.map((s) => (s.kind === 'reimage' ? `${s.kind} ${s.nodes.join('+')}` : s.kind))).toEqual([
      'etcd-snapshot', 'reimage cp1', 'reimage cp2', 'cluster-config', 'reimage w1+w2', 'reimage w3',
    ]);
    expect(plan.rows).toContainEqual({ component: 'etcd', node: 'cp1', current: '3.5.21-0', target: '3.6.4-0' });
    expect(plan.rows).toContainEqual({ component: 'CoreDNS', node: '', current: 'v1.12.0', target: 'v1.12.1' });
  });

  it('resumes a half-done rollout with only the nodes still behind', () => {
    const plan = planUpgrade(report({ cp1: 'v1.34.1', cp2: 'v1.33.2', w1: 'v1.34.1', w2: 'v1.33.2', w3: 'v1.33.2' }), inventory, 'v1.34.1', 5);
    expect(plan.steps.map((s) => (s.kind === 'reimage' ? s.nodes.join('+') : s.kind))).toEqual(['etcd-snapshot', 'cp2', 'cluster-config', 'w2+w3']);
  });

  it('refuses a jump of two minors and warns about nodes outside the inventory', () => {
    const plan = planUpgrade(report({ cp1: 'v1.33.2', cp2: 'v1.33.2', stray: 'v1.33.2' }), inventory, 'v1.35.0', 1);
    expect(plan.violations.map((v) => v.rule)).toEqual(['control-plane-one-minor']);
    expect(plan.warnings).toEqual(['node stray is in the cluster but not in the inventory: kgen cannot reimage it; upgrade or remove it yourself']);
  });
});

it.each([
  ['registry.k8s.io/kube-apiserver:v1.33.2', 'v1.33.2'],
  ['registry.local:5000/etcd:3.5.21-0', '3.5.21-0'],
  ['registry.local:5000/etcd', undefined],
  ['registry.k8s.io/coredns/coredns:v1.12.0@sha256:abc', 'v1.12.0'],
])('imageTag(%s) = %s', (image, tag) => {
  expect(imageTag(image)).toBe(tag);
});
