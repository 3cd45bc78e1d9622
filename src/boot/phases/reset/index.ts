// The reset workflow: kubeadm reset's phases in kubeadm's order (upstream: cmd/kubeadm/app/cmd/reset.go
// newCmdReset AppendPhase calls; phases/reset/preflight.go, removeetcdmember.go, cleanupnode.go). The work is
// src/boot/node/reset.ts. kubeadm's preflight asks for confirmation on the terminal; kgen-boot asks for
// --force instead (a dry run needs none).
import type { Phase } from '../../runner.js';
import { ResetRefusedError, cleanupNode, removeOwnEtcdMember, type ResetData } from '../../node/reset.js';

export function resetPhases(): Phase<ResetData>[] {
  return [
    {
      name: 'preflight',
      short: 'Run reset pre-flight checks',
      async run({ host, log, force, config }) {
        if (!host.isRoot()) throw new ResetRefusedError('user is not running as root; kgen-boot reset must run as root');
        if (!force && !host.dryRun) {
          throw new ResetRefusedError(
            `kgen-boot reset removes this node (${config.node.name}) from the cluster and deletes its Kubernetes files; ` +
              'run it again with --force to confirm (or --dry-run to see what it would do)',
          );
        }
        log.phase('reset', `Resetting node ${config.node.name} (${config.node.role})`);
      },
    },
    {
      name: 'remove-etcd-member',
      short: 'Remove a local etcd member',
      runIf: ({ config }) => config.node.role === 'control-plane' && 'local' in config.cluster.etcd,
      run: removeOwnEtcdMember,
    },
    { name: 'cleanup-node', short: 'Run cleanup node', run: cleanupNode },
  ];
}
