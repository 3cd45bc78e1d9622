// init phase "preflight": kubeadm init's pre-flight checks for a control-plane node (upstream:
// cmd/kubeadm/app/cmd/phases/init/preflight.go; the checks are src/boot/node/preflight.ts).
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';
import { initChecks, runPreflight } from '../../node/preflight.js';

export function preflightPhase(): Phase<BootData> {
  return {
    name: 'preflight',
    short: 'Run pre-flight checks',
    long: 'Run pre-flight checks for kubeadm init.',
    run: (data) => runPreflight(data, initChecks(data)),
  };
}
