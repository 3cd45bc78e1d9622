// The work of `kgen-boot reset` (upstream: cmd/kubeadm/app/cmd/reset.go, cmd/kubeadm/app/cmd/phases/reset/
// removeetcdmember.go, cleanupnode.go; cmd/kubeadm/app/phases/etcd/local.go RemoveStackedEtcdMemberFromCluster):
// take this control-plane node's own member out of stacked etcd (never the last voting member, never while
// another member is unhealthy: src/cluster/etcd-removal.ts judges it), stop the kubelet, clean etcd's data
// directory, and remove what kubeadm init/join wrote (manifests, PKI, kubeconfigs, /var/lib/kubelet) plus
// kgen-boot's status record, so the next `kgen-boot run` is a first boot. node.yaml stays: it is cloud-init's,
// and a new seed rewrites it. Every path goes through the Host, so `--dry-run` prints instead of removing.
import { EtcdClient, memberIdHex } from '../../cluster/etcd-client.js';
import { checkMemberRemoval, describeMember } from '../../cluster/etcd-removal.js';
import {
  CERTIFICATES_DIR,
  KUBELET_BOOTSTRAP_KUBECONFIG,
  KUBELET_DIR,
  KUBELET_KUBECONFIG,
  KUBERNETES_DIR,
  MANIFESTS_DIR,
  PKI,
  etcdClientURL,
  etcdPeerURL,
  pkiPath,
} from '../../kube/index.js';
import type { NodeBootConfig } from '../../contract/config.js';
import { STATUS_FILE } from '../constants.js';
import type { Host } from '../host.js';
import type { Logger } from '../log.js';

/** What the reset phases share. */
export interface ResetData {
  readonly config: NodeBootConfig;
  readonly host: Host;
  readonly log: Logger;
  /** `--force`: the operator confirmed (kubeadm reset asks on the terminal; kgen-boot has none to ask on). */
  readonly force: boolean;
  /** Directories cleanup-node empties once the kubelet is stopped (kubeadm's resetData AddDirsToClean). */
  readonly dirsToClean: string[];
}

/** A reset step that cannot go on; the message says why and what to do. */
export class ResetRefusedError extends Error {}

/** Removes what a directory holds and keeps the directory (kubeadm's CleanDir: it may be a mount point). */
async function cleanDir(host: Host, dir: string): Promise<void> {
  for (const name of (await host.readDir(dir)) ?? []) await host.remove(`${dir}/${name}`);
}

/** remove-etcd-member: this node's member out of the cluster (refused when unsafe), then its data directory. */
export async function removeOwnEtcdMember(data: ResetData): Promise<void> {
  const { host, log, config } = data;
  const etcd = 'local' in config.cluster.etcd ? config.cluster.etcd.local : undefined;
  if (!etcd) return;
  const self = { name: config.node.name, peerURL: etcdPeerURL(config.node.address) };
  const [ca, cert, key] = await Promise.all([PKI.etcdCACert, PKI.etcdHealthcheckClientCert, PKI.etcdHealthcheckClientKey].map((f) => host.readTextIfExists(pkiPath(f))));
  if (ca === undefined || cert === undefined || key === undefined) {
    log.warn(
      `no etcd client certificate under ${CERTIFICATES_DIR} (reset already, or never joined): cannot reach etcd to remove this node's member; ` +
        'if it is still listed, remove it from the operator\'s seat with `kgen replace ' + config.node.name + '`',
      'reset',
    );
  } else {
    const tls = { ca, cert, key };
    const deps = { clock: { now: () => host.clock.now(), sleep: (ms: number) => host.clock.sleep(ms) }, random: () => host.random.float(), attempts: 3 };
    const local = new EtcdClient([etcdClientURL(config.node.address)], tls, deps);
    try {
      const check = await checkMemberRemoval(local, self);
      const skip = `(the member stays; \`--skip-phases remove-etcd-member\` resets the node without touching etcd)`;
      if (check.impossible) throw new ResetRefusedError(`refusing to remove this node's etcd member: ${check.impossible} ${skip}`);
      if (check.refusals.length > 0) throw new ResetRefusedError(`refusing to remove this node's etcd member: ${check.refusals.join('; ')} ${skip}`);
      if (!check.target) {
        log.phase('reset', `No etcd member with this node's peer URL ${self.peerURL} or name ${self.name}; nothing to remove`);
      } else if (host.dryRun) {
        log.info(`[dryrun] Would remove etcd member ${memberIdHex(check.target.id)} ${describeMember(check.target)}`);
      } else {
        // Ask the other members: a member that removes itself through its own endpoint stops mid-answer.
        const others = check.members.filter((h) => h.member.id !== check.target!.id && h.healthy).flatMap((h) => h.member.clientURLs.slice(0, 1));
        const remote = new EtcdClient(others, tls, deps);
        try {
          log.phase('reset', `Removing etcd member ${memberIdHex(check.target.id)} ${describeMember(check.target)}`);
          await remote.remove(check.target.id);
        } finally {
          await remote.close();
        }
      }
    } finally {
      await local.close();
    }
  }
  // Emptied by cleanup-node after the kubelet stopped: etcd's static pod would start again on it before.
  data.dirsToClean.push(etcd.dataDir);
}

/** The kubeconfigs kubeadm reset deletes (cleanupnode.go resetConfigDir). */
const KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'].map((f) => `${KUBERNETES_DIR}/${f}`).concat([KUBELET_KUBECONFIG, KUBELET_BOOTSTRAP_KUBECONFIG]);

/** cleanup-node: stop the kubelet, remove its pods' containers when crictl is there, delete kubeadm's and kgen-boot's files. */
export async function cleanupNode(data: ResetData): Promise<void> {
  const { host, log } = data;
  log.phase('reset', 'Stopping the kubelet service');
  await host.services.stop('kubelet');
  // kubeadm removes the containers through the CRI; without crictl they stop with the kubelet's pods.
  if (await host.which('crictl')) {
    log.phase('reset', 'Removing the Kubernetes-managed containers');
    const r = await host.exec('crictl', ['rmp', '--all', '--force']);
    if (r.code !== 0) log.warn(`crictl rmp --all --force exited ${r.code}: ${r.stderr.trim()}; remove the pods by hand`, 'reset');
  }
  for (const dir of [...data.dirsToClean, MANIFESTS_DIR, CERTIFICATES_DIR, KUBELET_DIR]) {
    log.phase('reset', `Deleting contents of directory: ${dir}`);
    await cleanDir(host, dir);
  }
  for (const file of KUBECONFIGS) {
    if (!(await host.exists(file))) continue;
    log.phase('reset', `Deleting file: ${file}`);
    await host.remove(file);
  }
  log.phase('reset', `Deleting kgen-boot's status record ${STATUS_FILE}: the next \`kgen-boot run\` is a first boot`);
  await host.remove(STATUS_FILE);
  log.info(
    '\nThe reset process does not clean CNI configuration (/etc/cni/net.d), iptables, IPVS or nftables rules, or kubeconfig files ' +
      'copied elsewhere ($HOME/.kube/config); remove them by hand if needed.\n',
  );
}
