// The join workflow for control-plane joiners and workers: kubeadm join's phases in kubeadm's order (upstream:
// cmd/kubeadm/app/cmd/join.go newCmdJoin AppendPhase calls), control-plane parts skipped on workers by runIf.
// kgen adds "discovery" as a phase of its own (kubeadm runs it lazily inside preflight/kubelet-start) so its
// outcome is recorded and reported. Before v1.33 the etcd member is added after the kubelet's TLS bootstrap, as
// kubeadm does without the ControlPlaneKubeletLocalMode feature gate: bootstrap-kubelet.conf names the discovered
// endpoint. From v1.33 (the gate on by default) a control-plane joiner's kubelet bootstraps against the node's own
// API server and kubelet-wait-bootstrap waits for it after control-plane-join. upload-certs comes last and runs
// only when named: kubeadm join uploads nothing, but `kubeadm init phase upload-certs` works on any control-plane node.
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { controlPlaneJoinPhase } from './control-plane-join.js';
import { controlPlanePreparePhase } from './control-plane-prepare.js';
import { discoveryPhase } from './discovery.js';
import { joinKubeletStartPhase } from './kubelet-start.js';
import { kubeletWaitBootstrapPhase } from './kubelet-wait-bootstrap.js';
import { joinPreflightPhase } from './preflight.js';
import { joinWaitControlPlanePhase } from './wait-control-plane.js';
import { isControlPlane } from '../../data.js';
import { uploadCertsNamed, uploadCertsPhase } from '../upload-certs.js';

export function joinPhases(): Phase<BootData>[] {
  return [
    joinPreflightPhase(),
    discoveryPhase(),
    controlPlanePreparePhase(),
    joinKubeletStartPhase(),
    controlPlaneJoinPhase(),
    kubeletWaitBootstrapPhase(),
    joinWaitControlPlanePhase(),
    // Only as `kgen-boot phase upload-certs` on a joined control-plane node (src/boot/phases/upload-certs.ts).
    uploadCertsPhase({ dependsOn: ['control-plane-join/mark-control-plane'], runIf: (d) => isControlPlane(d) && uploadCertsNamed(d) }),
  ];
}
