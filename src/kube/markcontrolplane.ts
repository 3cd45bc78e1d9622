// kubeadm's mark-control-plane phase as a patch body: the control-plane role label, the
// exclude-from-external-load-balancers label, and the node's taints added to whatever taints the Node
// already has (upstream: cmd/kubeadm/app/phases/markcontrolplane/markcontrolplane.go;
// constants.go ControlPlaneTaint; apis/kubeadm/v1beta4 defaults SetDefaults_NodeRegistration).
import type { Taint } from '../inventory/types.js';
import { LABEL_CONTROL_PLANE, LABEL_EXCLUDE_FROM_EXTERNAL_LB } from './constants.js';

/** The default taint of a control-plane node when nodes.yaml lists none. */
export const CONTROL_PLANE_TAINT: Taint = { key: LABEL_CONTROL_PLANE, effect: 'NoSchedule' };

export interface MarkControlPlanePatch {
  metadata: { labels: Record<string, string> };
  spec: { taints: Taint[] };
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;
}

/**
 * A merge patch for the Node. Taints are a plain list in the Node API (no merge key), so the patch
 * carries the full list, built as kubeadm's markControlPlaneNode does: `taints` first, then each taint
 * the Node already has (`current`) that is not among them.
 */
export function markControlPlanePatch(current: readonly Taint[], taints: readonly Taint[]): MarkControlPlanePatch {
  const merged = [...taints, ...current.filter((c) => !taints.some((t) => sameTaint(c, t)))];
  return {
    metadata: { labels: { [LABEL_CONTROL_PLANE]: '', [LABEL_EXCLUDE_FROM_EXTERNAL_LB]: '' } },
    spec: { taints: merged },
  };
}
