// join phase "control-plane-join" (control-plane nodes only): etcd announces this node as a learner to the
// stacked etcd cluster, writes its static pod with every member and initial-cluster-state=existing, promotes
// it once in sync and waits for the cluster; mark-control-plane labels and taints the Node with admin.conf
// (upstream: cmd/kubeadm/app/cmd/phases/join/controlplanejoin.go runEtcdPhase, runMarkControlPlanePhase;
// phases/etcd/local.go CreateStackedEtcdStaticPodManifestFile). The member flow is src/boot/node/etcd-join.ts.
import { ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS, KUBE_SYSTEM, MANIFESTS_DIR, PKI, etcdClientURL, etcdPeerURL, etcdPod, pkiPath } from '../../../kube/index.js';
import { toYaml } from '../../../yaml.js';
import { ApiError } from '../../../cluster/api-client.js';
import { EtcdClient, memberIdHex } from '../../../cluster/etcd-client.js';
import { ETCD_POD_SELECTOR, etcdEndpointsFromPods, initialCluster, staleSelf } from '../../node/etcd-join.js';
import type { Phase } from '../../runner.js';
import { pollUntil } from '../../wait.js';
import { isControlPlane, isLocalEtcd, type BootData } from '../../data.js';
import { writeIfChanged } from '../../node/files.js';
import { markControlPlane } from '../../node/mark-control-plane.js';

const TAG = 'etcd';

interface PodList {
  items: Array<{ apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> } }>;
}

/**
 * A dry run has no etcd to announce the member to (kubeadm's dry run prints the same steps, phases/etcd/
 * local.go CreateStackedEtcdStaticPodManifestFile): the manifest lists this node alone where a real join
 * lists every member etcd returns.
 */
async function printEtcdJoin(data: BootData): Promise<void> {
  const { host, log, config, cluster } = data;
  const self = { name: config.node.name, peerURL: etcdPeerURL(config.node.address) };
  await host.mkdir(cluster.etcd.local!.dataDir, 0o700);
  log.phase('dryrun', `Would add etcd member ${self.peerURL} as a learner through the client URLs named by the etcd pods' ${ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS} annotation`);
  log.phase(TAG, `Creating static Pod manifest for "etcd"`);
  await host.writeFile(`${MANIFESTS_DIR}/etcd.yaml`, toYaml(etcdPod(cluster, config.node, [self])), { mode: 0o600 });
  log.phase('dryrun', `Would wait for the learner ${self.peerURL} to catch up, promote it and wait for the etcd cluster`);
}

async function joinEtcd(data: BootData): Promise<void> {
  const { host, log, config, cluster, timeouts } = data;
  if (host.dryRun) return printEtcdJoin(data);
  const local = cluster.etcd.local!;
  const api = await data.admin();
  const progress = (m: string) => log.phase(TAG, m);
  const poll = (timeoutMs: number) => ({ clock: host.clock, timeoutMs, intervalMs: timeouts.pollMs, progress });
  // The client already waited out 401/403 from a server still starting; after its budget they are final.
  const isPermanent = (err: unknown) => err instanceof ApiError && (err.status === 401 || err.status === 403);

  // getEtcdEndpoints: the client URLs the etcd static pods announce.
  const endpoints = await pollUntil('the etcd static pods to announce their client URLs', { ...poll(timeouts.apiObjectMs), isPermanent }, async () => {
    const pods = await api.list<PodList['items'][number]>('v1', 'Pod', KUBE_SYSTEM, { labelSelector: ETCD_POD_SELECTOR });
    const urls = etcdEndpointsFromPods(pods.items, ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS).filter((u) => u !== etcdClientURL(config.node.address));
    return urls.length > 0 ? urls : undefined;
  });
  const tls = {
    ca: await host.readText(pkiPath(PKI.etcdCACert)),
    cert: await host.readText(pkiPath(PKI.etcdHealthcheckClientCert)),
    key: await host.readText(pkiPath(PKI.etcdHealthcheckClientKey)),
  };
  const etcd = new EtcdClient(endpoints, tls, {
    clock: { now: () => host.clock.now(), sleep: (ms) => host.clock.sleep(ms) },
    random: () => host.random.float(),
    log: (line) => log.info(line),
  });
  try {
    await host.mkdir(local.dataDir, 0o700);
    const peerURL = etcdPeerURL(config.node.address);
    const self = { name: config.node.name, peerURL };
    // AddMemberAsLearner retries: etcd allows one learner at a time, so concurrent joiners take turns.
    let alreadyMember = false;
    const members = await pollUntil(`etcd to accept ${peerURL} as a new member`, poll(timeouts.controlPlaneMs), async () => {
      const existing = await etcd.memberList();
      const stale = staleSelf(existing, peerURL, !(await host.exists(`${local.dataDir}/member`)));
      if (stale) {
        log.phase(TAG, `etcd member ${memberIdHex(stale.id)} (${stale.name}) has this node's peer URL but ${local.dataDir} is empty: it is the member of the machine this one replaces; removing it and joining as a new learner`);
        await etcd.remove(stale.id);
        return (await etcd.addLearner(peerURL)).members;
      }
      if (existing.some((m) => m.peerURLs.includes(peerURL))) {
        log.phase(TAG, `${peerURL} is already a member of the etcd cluster; not adding it again`);
        alreadyMember = true;
        return existing;
      }
      log.phase(TAG, `Adding etcd member: ${peerURL}`);
      return (await etcd.addLearner(peerURL)).members;
    });
    const manifest = `${MANIFESTS_DIR}/etcd.yaml`;
    // --initial-cluster only matters for a member's first start: a member that already has its manifest keeps
    // it, so a re-run does not restart etcd for a member list written in another order.
    if (alreadyMember && (await host.exists(manifest))) {
      log.phase(TAG, `Using the existing static Pod manifest "${manifest}"`);
    } else {
      log.phase(TAG, 'Announced new etcd member joining to the existing etcd cluster');
      log.phase(TAG, `Creating static Pod manifest for "etcd"`);
      await writeIfChanged(host, manifest, toYaml(etcdPod(cluster, config.node, initialCluster(members, self))), { mode: 0o600 });
    }

    log.phase(TAG, `Waiting for the new etcd member to join the cluster. This can take up to ${Math.round(timeouts.controlPlaneMs / 1000)}s`);
    await pollUntil(`the etcd learner ${peerURL} to catch up and be promoted`, poll(timeouts.controlPlaneMs), async () => {
      const member = (await etcd.memberList()).find((m) => m.peerURLs.includes(peerURL));
      if (!member) throw new Error(`${peerURL} is no longer an etcd member (removed by someone else?)`);
      if (!member.isLearner) return true;
      await etcd.promote(member.id);
      return undefined;
    });
    log.phase(TAG, `Promoted the etcd learner ${peerURL} to a voting member`);
    await pollUntil('the etcd cluster to be available', poll(timeouts.controlPlaneMs), async () => ((await etcd.health()) ? true : undefined));
    await pollUntil(`the local etcd member at ${etcdClientURL(config.node.address)} to be healthy`, poll(timeouts.controlPlaneMs), async () =>
      (await etcd.health(etcdClientURL(config.node.address))) ? true : undefined,
    );
  } finally {
    await etcd.close();
  }
}

export function controlPlaneJoinPhase(): Phase<BootData> {
  return {
    name: 'control-plane-join',
    short: 'Join a machine as a control plane instance',
    runIf: isControlPlane,
    phases: [
      {
        name: 'etcd',
        short: 'Add a new local etcd member',
        runIf: isLocalEtcd,
        dependsOn: ['kubelet-start', 'control-plane-prepare/certs/etcd-healthcheck-client'],
        run: joinEtcd,
      },
      {
        name: 'mark-control-plane',
        short: 'Mark a node as a control-plane',
        dependsOn: ['kubelet-start', 'control-plane-prepare/kubeconfig/admin'],
        run: markControlPlane,
      },
    ],
  };
}
