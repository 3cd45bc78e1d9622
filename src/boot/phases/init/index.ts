// The init workflow: kubeadm init's phases in kubeadm's order (upstream: cmd/kubeadm/app/cmd/init.go
// newCmdInit AppendPhase calls). show-join-command is left out: kgen's joiners already carry everything
// they need, and the join command holds the token, which kgen-boot never prints.
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { addonPhase } from './addon.js';
import { bootstrapTokenPhase } from './bootstrap-token.js';
import { certsPhase } from './certs.js';
import { controlPlanePhase } from '../control-plane.js';
import { etcdPhase } from './etcd.js';
import { kubeconfigPhase } from './kubeconfig.js';
import { kubeletFinalizePhase } from './kubelet-finalize.js';
import { kubeletStartPhase } from './kubelet-start.js';
import { markControlPlanePhase } from './mark-control-plane.js';
import { preflightPhase } from './preflight.js';
import { uploadCertsPhase } from '../upload-certs.js';
import { uploadConfigPhase } from './upload-config.js';
import { waitControlPlanePhase } from './wait-control-plane.js';

export function initPhases(): Phase<BootData>[] {
  return [
    preflightPhase(),
    certsPhase(),
    kubeconfigPhase(),
    etcdPhase(),
    controlPlanePhase(),
    kubeletStartPhase(),
    waitControlPlanePhase(),
    uploadConfigPhase(),
    uploadCertsPhase({ dependsOn: ['wait-control-plane', 'certs/ca', 'certs/front-proxy-ca', 'certs/sa'] }),
    markControlPlanePhase(),
    bootstrapTokenPhase(),
    kubeletFinalizePhase(),
    addonPhase(),
  ];
}
