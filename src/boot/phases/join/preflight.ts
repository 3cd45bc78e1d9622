// join phase "preflight": kubeadm join's checks for this node's role, control-plane port checks included on
// control-plane joiners (upstream: cmd/kubeadm/app/cmd/phases/join/preflight.go; the checks are
// src/boot/node/preflight.ts).
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { joinChecks, runPreflight } from '../../node/preflight.js';

export function joinPreflightPhase(): Phase<BootData> {
  return {
    name: 'preflight',
    short: 'Run join pre-flight checks',
    long: 'Run pre-flight checks for kubeadm join.',
    run: (data) => runPreflight(data, joinChecks(data)),
  };
}
