// init phase "mark-control-plane": label and taint this node as a control-plane node once it registered
// (upstream: cmd/kubeadm/app/cmd/phases/init/markcontrolplane.go; the work is src/boot/node/mark-control-plane.ts).
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { markControlPlane } from '../../node/mark-control-plane.js';

export function markControlPlanePhase(): Phase<BootData> {
  return {
    name: 'mark-control-plane',
    short: 'Mark a node as a control-plane',
    dependsOn: ['wait-control-plane'],
    run: markControlPlane,
  };
}
