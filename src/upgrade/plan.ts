// `kgen upgrade plan`: from the versions a running cluster reports and the inventory, the rollout that takes the
// cluster to a target release by reimaging, in the order the version skew policy allows (skew.ts): back up etcd;
// control-plane nodes one at a time; then the cluster-wide objects kubeadm's `upgrade apply` rewrites
// (kubeadm-config's ClusterConfiguration, the kubelet-config ConfigMap, CoreDNS, kube-proxy), which must not
// announce the new release before every API server runs it; then the workers in batches. Model: kubeadm's
// `upgrade plan` (cmd/kubeadm/app/cmd/upgrade/plan.go, phases/upgrade/compute.go).
import type { Inventory } from '../inventory/types.js';
import { versionInfo } from '../versions.js';
import { checkUpgrade, clusterVersion, type Component, type ComponentVersion, type SkewViolation } from './skew.js';

/** What the cluster reports, gathered by cluster-versions.ts. */
export interface ClusterReport {
  /** Per node: its kubelet, and on control-plane nodes the static pods' image tags. */
  components: ComponentVersion[];
  /** Nodes the API knows, with whether they carry the control-plane role label. */
  nodes: Array<{ name: string; controlPlane: boolean }>;
  /** Cluster add-ons' image tags, when installed. */
  addons: { kubeProxy?: string; coreDNS?: string };
}

export interface PlanRow {
  component: Component | 'kube-proxy' | 'CoreDNS';
  node: string;
  current: string;
  target: string;
}

export type PlanStep =
  | { kind: 'etcd-snapshot'; description: string }
  | { kind: 'reimage'; role: 'control-plane' | 'worker'; nodes: string[]; description: string }
  | { kind: 'cluster-config'; description: string };

export interface UpgradePlan {
  clusterVersion?: string;
  target: string;
  rows: PlanRow[];
  violations: SkewViolation[];
  /** Findings that do not block the plan (nodes the inventory does not know, versions not reported). */
  warnings: string[];
  steps: PlanStep[];
}

const CONTROL_PLANE_COMPONENTS: readonly Component[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

export function planUpgrade(report: ClusterReport, inventory: Inventory, target: string, maxUnavailable: number): UpgradePlan {
  const info = versionInfo(target);
  const targetOf = (component: Component | 'kube-proxy' | 'CoreDNS'): string =>
    component === 'etcd' ? info?.etcdImageTag ?? '?' : component === 'CoreDNS' ? info?.coreDNSImageTag ?? '?' : target;
  const rows: PlanRow[] = [];
  const warnings: string[] = [];
  const known = new Set(inventory.nodes.map((n) => n.name));
  const stacked = inventory.cluster.etcd.external === undefined;

  for (const node of report.nodes) {
    if (!known.has(node.name)) warnings.push(`node ${node.name} is in the cluster but not in the inventory: kgen cannot reimage it; upgrade or remove it yourself`);
    const mine = report.components.filter((c) => c.node === node.name);
    for (const component of node.controlPlane ? [...CONTROL_PLANE_COMPONENTS, 'kubelet' as const] : (['kubelet'] as const)) {
      if (component === 'etcd' && !stacked) continue;
      const current = mine.find((c) => c.component === component)?.version;
      if (current === undefined) warnings.push(`${component} on ${node.name} reports no version`);
      rows.push({ component, node: node.name, current: current ?? 'unknown', target: targetOf(component) });
    }
  }
  if (report.addons.kubeProxy !== undefined) rows.push({ component: 'kube-proxy', node: '', current: report.addons.kubeProxy, target: targetOf('kube-proxy') });
  if (report.addons.coreDNS !== undefined) rows.push({ component: 'CoreDNS', node: '', current: report.addons.coreDNS, target: targetOf('CoreDNS') });

  const outdated = (name: string) => rows.some((r) => r.node === name && r.current !== r.target);
  const inOrder = inventory.nodes.filter((n) => report.nodes.some((c) => c.name === n.name));
  const controlPlanes = inOrder.filter((n) => n.role === 'control-plane' && outdated(n.name)).map((n) => n.name);
  const workers = inOrder.filter((n) => n.role === 'worker' && outdated(n.name)).map((n) => n.name);
  const addonsOutdated = rows.some((r) => r.node === '' && r.current !== r.target);

  const steps: PlanStep[] = [];
  if (stacked && (controlPlanes.length > 0 || workers.length > 0)) {
    steps.push({ kind: 'etcd-snapshot', description: 'Take an etcd snapshot (etcdctl snapshot save) and keep it off the cluster' });
  }
  for (const name of controlPlanes) {
    steps.push({ kind: 'reimage', role: 'control-plane', nodes: [name], description: `Drain ${name}, kgen replace ${name}, reimage it at ${target}, wait until it is Ready and etcd is healthy` });
  }
  if (controlPlanes.length > 0 || addonsOutdated) {
    steps.push({
      kind: 'cluster-config',
      description: `With every API server at ${target}: update kubeadm-config (ClusterConfiguration kubernetesVersion), the kubelet-config ConfigMap, CoreDNS and kube-proxy`,
    });
  }
  const batch = Math.max(1, maxUnavailable);
  for (let i = 0; i < workers.length; i += batch) {
    const nodes = workers.slice(i, i + batch);
    steps.push({ kind: 'reimage', role: 'worker', nodes, description: `Drain, kgen replace and reimage ${nodes.join(', ')} at ${target}, wait until Ready` });
  }
  return { clusterVersion: clusterVersion(report.components), target, rows, violations: checkUpgrade(report.components, target), warnings, steps };
}
