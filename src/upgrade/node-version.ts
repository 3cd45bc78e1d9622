// The version each node is rendered at while the cluster moves to the inventory's `kubernetesVersion` (the
// target), by reimaging, in the order the version skew policy allows (skew.ts; upstream
// https://kubernetes.io/releases/version-skew-policy/ and kubeadm cmd/kubeadm/app/phases/upgrade/policy.go):
//   - a node that is not rendered anew keeps the version it was last rendered with: a render never forces a
//     new generation on a machine;
//   - a new or reimaged control-plane node gets the target;
//   - a new or reimaged worker gets the target only when no control-plane node is older than it (in an upgrade:
//     every control-plane node is at the target), otherwise the cluster's version, the oldest control-plane
//     node's: a kubelet is never newer than an API server. In a downgrade the workers go first.
// A target the recorded versions cannot move to (more than one minor up or down, a kubelet left too far behind)
// or an assignment that would put a worker ahead of the control plane is refused with the rule that breaks.
// Pure: `kgen render` and `kgen upgrade apply` (through `kgen replace`) both decide with it.
import { checkUpgrade, clusterVersion, compareVersions, kubeletAllowed, SKEW_POLICY_URL, type ComponentVersion, type SkewViolation } from './skew.js';

export interface NodeVersionInput {
  name: string;
  role: 'control-plane' | 'worker';
  /** The version the node was last rendered with; undefined for a node never rendered (or an older state's). */
  recorded?: string;
  /** Rendered anew now (`kgen render --reimage`, `kgen replace`). */
  reimaged: boolean;
}

export type NodeVersionReason =
  /** Not rendered anew: keeps its recorded version. */
  | 'kept'
  /** New or reimaged, at the target. */
  | 'target'
  /** New or reimaged worker while the control plane is not yet at the target. */
  | 'cluster-version';

export interface NodeVersion {
  name: string;
  version: string;
  reason: NodeVersionReason;
}

export interface NodeVersionPlan {
  nodes: NodeVersion[];
  /** Empty when the plan keeps the skew policy; otherwise nothing may be rendered. */
  violations: SkewViolation[];
}

/** Each node's version for a render towards `target`, in the input's order, and the rules that refuse it. */
export function planNodeVersions(nodes: readonly NodeVersionInput[], target: string): NodeVersionPlan {
  const violations = checkUpgrade(recordedComponents(nodes), target);
  if (violations.some((v) => v.rule === 'supported-version')) return { nodes: [], violations };

  const fresh = (n: NodeVersionInput) => n.reimaged || n.recorded === undefined;
  const controlPlane = nodes.filter((n) => n.role === 'control-plane').map((n) => (fresh(n) ? target : n.recorded!));
  // The cluster's version once this render's control-plane nodes run: its oldest API server (kubeadm's ClusterVersion).
  const apiServer = clusterVersion(controlPlane.map((version) => ({ component: 'kube-apiserver' as const, node: '', version }))) ?? target;
  const workerVersion = (compareVersions(target, apiServer) ?? 0) <= 0 ? target : apiServer;

  const planned = nodes.map((n): NodeVersion => {
    if (!fresh(n)) return { name: n.name, version: n.recorded!, reason: 'kept' };
    if (n.role === 'control-plane' || workerVersion === target) return { name: n.name, version: target, reason: 'target' };
    return { name: n.name, version: workerVersion, reason: 'cluster-version' };
  });
  violations.push(...workersAhead(nodes, planned, apiServer));
  return { nodes: planned, violations };
}

/** The recorded versions as a running cluster would report them: control-plane nodes run an API server and a kubelet. */
function recordedComponents(nodes: readonly NodeVersionInput[]): ComponentVersion[] {
  return nodes.flatMap((n): ComponentVersion[] => {
    if (n.recorded === undefined) return [];
    const kubelet: ComponentVersion = { component: 'kubelet', node: n.name, version: n.recorded };
    return n.role === 'control-plane' ? [{ component: 'kube-apiserver', node: n.name, version: n.recorded }, kubelet] : [kubelet];
  });
}

/** Workers whose kubelet would be newer than the oldest API server (a control-plane node reimaged first in a downgrade). */
function workersAhead(nodes: readonly NodeVersionInput[], planned: readonly NodeVersion[], apiServer: string): SkewViolation[] {
  return planned.flatMap((p, i) => {
    if (nodes[i]!.role !== 'worker') return [];
    const broken = kubeletAllowed(p.version, apiServer);
    if (broken?.rule !== 'kubelet-newer-than-api-server') return [];
    return [{ rule: broken.rule, message: `worker ${p.name} runs ${p.version}, newer than the control plane's ${apiServer} after this render: a kubelet is never newer than the API server; in a downgrade, reimage the workers first` }];
  });
}

/** One line per violation for an operator: the rule, what breaks it, and where the policy is written. */
export function describeViolations(violations: readonly SkewViolation[]): string {
  return [...violations.map((v) => `  - ${v.rule}: ${v.message}`), `the version skew policy: ${SKEW_POLICY_URL}`].join('\n');
}
