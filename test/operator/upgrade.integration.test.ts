// `kgen upgrade apply` against a running cluster of three control-plane nodes and three workers at v1.33 (test/operator/cluster.ts: real
// etcd, the test control plane and kubelets, a round-robin load balancer without health checks), rolled to
// v1.34 as an operator does it: change cluster.kubernetesVersion in nodes.yaml, run apply with a reimage hook.
// The test's hook (test/operator/reimage-hook.ts) asks this process (over a unix socket) to kill the machine, wipe
// its disk and boot the re-rendered first-boot files on it, the way replace.integration.test.ts reimages. The rollout is interrupted
// twice (the hook fails on cp2; a run gives up waiting) and each re-run continues. Meanwhile a poller (in cp2's
// namespace) asks the API through the load balancer twice a second; the longest gap is reported.
// Refusals first, each with nothing changed: v1.33 -> v1.35, a certificate expiring within the window, an
// unhealthy etcd member, and no --yes.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecResult } from '../cluster/netns.js';
import type { TestNode } from '../cluster/node.js';
import { KGEN } from '../helpers.js';
import { parse } from '../../src/yaml-input.js';
import { canRun, eventually, kubectlThroughBalancer, type OperatorCluster, startOperatorCluster } from './cluster.js';
import { startApiPoller, startReimageHook, type ReimageHook } from './reimage-hook.js';

const FROM = 'v1.33.2';
const ALL = ['cp1', 'cp2', 'cp3', 'w1', 'w2', 'w3'];
const TO = 'v1.34.1';

let cluster: OperatorCluster;
let adminConf: string;
let hook: ReimageHook;

const node = (name: string): TestNode => cluster.nodes.find((n) => n.name === name)!;
const address = (name: string): string => cluster.machines.find((m) => m.name === name)!.address;

/** kgen on the operator's seat, with room for a whole rollout. */
const kgen = (args: string[]): Promise<ExecResult> =>
  node('cp1').exec(process.execPath, [KGEN, ...args, '--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist')], { timeoutMs: 1_800_000 });

const kubectl = (args: string[]) => kubectlThroughBalancer(cluster, adminConf, args);
/** The machines the reimage hook was called for, in order. */
const called = () => hook.calls.map((c) => c.name);

interface Member {
  ID: string;
  name?: string;
  peerURLs: string[];
  isLearner?: boolean;
}

/** etcdctl on the seat with an etcd client certificate of a running member (cp1's may be wiped mid-rollout). */
async function etcdctl(args: string[]): Promise<ExecResult> {
  const holder = cluster.nodes.find((n) => existsSync(join(n.root, 'etc/kubernetes/pki/etcd/healthcheck-client.key')))!;
  const pki = join(holder.root, 'etc/kubernetes/pki/etcd');
  const endpoints = cluster.machines.filter((m) => m.role === 'control-plane').map((m) => `https://${m.address}:2379`).join(',');
  return node('cp1').exec(
    'etcdctl',
    ['--endpoints', endpoints, '--cacert', join(pki, 'ca.crt'), '--cert', join(pki, 'healthcheck-client.crt'), '--key', join(pki, 'healthcheck-client.key'), ...args],
    { timeoutMs: 30_000 },
  );
}

async function members(): Promise<Member[]> {
  const r = await etcdctl(['member', 'list', '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl member list: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { members: Member[] }).members;
}

interface NodeObject {
  metadata: { name: string };
  status?: { nodeInfo?: { kubeletVersion?: string }; conditions?: Array<{ type: string; status: string }> };
}
const nodes = async () => (JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as { items: NodeObject[] }).items;

function setVersion(version: string): void {
  const text = readFileSync(cluster.nodesFile, 'utf8');
  writeFileSync(cluster.nodesFile, text.replace(/kubernetesVersion: v\S+/, `kubernetesVersion: ${version}`));
}

/** What a refused apply must leave as it was. */
async function snapshot() {
  return {
    members: (await members()).map((m) => `${m.ID} ${m.name} ${m.isLearner ? 'learner' : 'voter'}`).sort(),
    nodes: (await nodes()).map((n) => `${n.metadata.name} ${n.status?.nodeInfo?.kubeletVersion}`).sort(),
    state: readdirSync(cluster.stateDir).sort(),
    kubeadmConfig: JSON.parse(await kubectl(['-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'json'])).metadata.resourceVersion as string,
  };
}

describe.skipIf(!canRun)('kgen upgrade apply: three control-plane nodes and three workers from v1.33 to v1.34 by reimaging', () => {
  beforeAll(async () => {
    cluster = await startOperatorCluster({ controlPlanes: 3, workers: 3 });
    adminConf = join(cluster.work, 'admin.conf');
    const r = await cluster.kgen(['kubeconfig', 'admin', '--nodes', cluster.nodesFile, '--out', adminConf, '--validity', '8h']);
    if (r.code !== 0) throw new Error(`kgen kubeconfig admin: ${r.stderr}`);
    hook = await startReimageHook(cluster);
  }, 1_200_000);

  afterAll(async () => {
    hook?.close();
    await Promise.allSettled(hook?.boots ?? []);
    await cluster?.stop();
  });

  it('refuses v1.33 -> v1.35, a certificate expiring within the window, an unhealthy etcd member and a run without --yes; nothing changes', async () => {
    const before = await snapshot();
    setVersion('v1.35.0');
    const jump = await kgen(['upgrade', 'apply', '--yes', '--reimage-command', `${hook.script} {name}`]);
    expect(jump.code, jump.stderr).toBe(1);
    expect(jump.stdout).toContain("[upgrade/policy] REFUSED (control-plane-one-minor): v1.35.0 is more than one minor version above the cluster's v1.33.2");
    expect(jump.stderr).toContain('refusing to upgrade; nothing was changed');

    setVersion(TO);
    const window = await kgen(['upgrade', 'apply', '--yes', '--window', '100000h', '--reimage-command', `${hook.script} {name}`]);
    expect(window.code, window.stderr).toBe(1);
    expect(window.stdout).toMatch(/\[upgrade\/health\] REFUSED \(certificate-expiry\): cp1\/apiserver expires at \S+, within the upgrade window \(100000h\)/);

    const unconfirmed = await kgen(['upgrade', 'apply']);
    expect(unconfirmed.code, unconfirmed.stderr).toBe(1);
    expect(unconfirmed.stdout).toMatch(/\[upgrade\/health\] etcd member [0-9a-f]+ cp3 \(https:\/\/172\.31\.12\.13:2380\): voting, healthy/);
    expect(unconfirmed.stderr).toContain('not confirmed: pass --yes');

    await node('cp3').services.stop('kubelet');
    const down = await kgen(['upgrade', 'apply', '--yes', '--reimage-command', `${hook.script} {name}`]);
    expect(down.code, down.stderr).toBe(1);
    expect(down.stdout).toMatch(/\[upgrade\/health\] REFUSED \(etcd-health\): etcd member cp3 \(https:\/\/172\.31\.12\.13:2380\) is not healthy/);
    await node('cp3').services.restart('kubelet');
    expect(await eventually(async () => (await etcdctl(['endpoint', 'health'])).code === 0, 180_000)).toBe(true);
    expect(await snapshot()).toEqual(before);
    expect(hook.calls).toEqual([]);
  }, 600_000);

  it('rolls every node to v1.34 through two interruptions, with the API answering through the load balancer', async () => {
    setVersion(TO);
    const oldMembers = await members();
    // On cp2's namespace; killed with the fabric if the test fails before it is told to stop.
    const poller = startApiPoller(cluster, node('cp2').exec);
    const started = Date.now();
    const reimage = ['--reimage-command', `${hook.script} {name}`];
    const progress = () => parse(readFileSync(join(cluster.stateDir, 'upgrade.yaml'), 'utf8')) as { upgraded: string[]; inFlight?: { nodes: string[]; stage: string }; snapshot?: { file: string }; finishedAt?: string };

    // 1. The hook fails for cp2: cp1 is done, cp2 is out of the cluster and re-rendered.
    hook.failOnce('cp2');
    const first = await kgen(['upgrade', 'apply', '--yes', ...reimage]);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.stderr).toContain('the reimage command for cp2 exited 3');
    expect(first.stderr).toContain('re-run `kgen upgrade apply` to continue (it resumes with cp2)');
    expect(first.stdout).toMatch(/\[upgrade\/etcd\] Snapshot saved at \S+ \(\d+ bytes; etcdctl snapshot status: revision \d+/);
    expect(progress()).toMatchObject({ upgraded: ['cp1'], inFlight: { nodes: ['cp2'], stage: 'replaced' } });
    const snapshotFile = progress().snapshot!.file;
    expect(statSync(snapshotFile).mode & 0o777).toBe(0o600);

    // 2. The re-run reimages cp2 and gives up waiting after a second.
    const second = await kgen(['upgrade', 'apply', '--yes', '--timeout', '1s', ...reimage]);
    expect(second.code, second.stdout + second.stderr).toBe(1);
    expect(second.stdout).toContain('[upgrade/control-plane] resuming cp2 (replaced at');
    expect(second.stderr).toMatch(/stopped: .*cp2/);
    expect(progress()).toMatchObject({ upgraded: ['cp1'], inFlight: { nodes: ['cp2'], stage: 'reimage-started' } });

    // 3. The next run waits for cp2 (no second reimage), then does cp3, the cluster-wide configuration and the
    // workers two at a time.
    const third = await kgen(['upgrade', 'apply', '--yes', '--max-unavailable', '2', ...reimage]);
    const elapsed = Date.now() - started;
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toContain(`[upgrade/cluster-config] kubeadm-config: ClusterConfiguration kubernetesVersion ${FROM} -> ${TO}`);
    expect(third.stdout).toContain(`[upgrade] The cluster runs ${TO}: 6 node(s) reimaged (${ALL.join(', ')})`);
    expect(called().slice(0, 3)).toEqual(['cp1', 'cp2', 'cp3']);
    // The workers in batches of two, in inventory order: w1 and w2 (either first), then w3.
    expect(called().slice(3, 5).sort()).toEqual(['w1', 'w2']);
    expect(called().slice(5)).toEqual(['w3']);
    await Promise.all(hook.boots);
    const gaps = await poller.stop();
    console.log(`kgen upgrade apply, 3 control-plane nodes and 3 workers ${FROM} -> ${TO}: ${(elapsed / 1000).toFixed(0)}s over three runs; API through the load balancer: longest gap ${(gaps.longestGapMs / 1000).toFixed(1)}s, ${gaps.answered} answers, ${gaps.failed} failed polls`);
    expect(gaps.answered).toBeGreaterThan(0);

    // Every node at the target, three voting members that are all new, no stale member or Node.
    const after = await nodes();
    expect(after.map((n) => `${n.metadata.name} ${n.status?.nodeInfo?.kubeletVersion}`).sort()).toEqual(ALL.map((n) => `${n} ${TO}`));
    expect(after.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(true);
    const now = await members();
    expect(now.map((m) => m.name).sort()).toEqual(['cp1', 'cp2', 'cp3']);
    expect(now.every((m) => !m.isLearner)).toBe(true);
    for (const m of now) expect(oldMembers.map((o) => o.ID)).not.toContain(m.ID);
    for (const name of ['cp1', 'cp2', 'cp3']) expect(now.filter((m) => m.peerURLs.includes(`https://${address(name)}:2380`))).toHaveLength(1);
    expect((await etcdctl(['endpoint', 'health'])).code).toBe(0);
    const config = JSON.parse(await kubectl(['-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'json'])).data.ClusterConfiguration as string;
    expect(config).toMatch(new RegExp(`^kubernetesVersion: ${TO.replace(/\./g, '\\.')}$`, 'm'));
    expect(progress().finishedAt).toBeDefined();
    const status = await node('cp2').exec('etcdctl', ['snapshot', 'status', snapshotFile, '-w', 'json'], { timeoutMs: 30_000 });
    expect(status.code, status.stderr).toBe(0);

    // Done: a re-run has nothing to do.
    const again = await kgen(['upgrade', 'apply', '--yes', ...reimage]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Nothing to do: every component already runs ${TO}.`);
    expect(hook.calls).toHaveLength(6);
  }, 3_600_000);
});
