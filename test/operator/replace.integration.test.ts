// `kgen replace NODE` against a running cluster of three control-plane nodes and two workers
// (test/operator/cluster.ts: real etcd, the test control plane and kubelets, a round-robin load balancer without
// health checks, the operator on a seat of their own), as an operator runs it: kill a machine, wipe its disk,
// replace it, boot the new first-boot files on it, and check with etcdctl and kubectl that the cluster is whole
// again, for a joining control-plane node, a worker and the init node. Also: a dry run changes nothing, a
// replacement that would lose quorum or break the version skew policy is refused and changes nothing, --force goes past a member the operator
// cannot reach, a second run before the machine is back is a no-op, and `kgen render --reimage` registers the
// token it made in the running cluster.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/yaml-input.js';
import { toYaml } from '../../src/yaml.js';
import { adminKubeconfig, canRun, eventually, kubectlThroughBalancer, type OperatorCluster, startOperatorCluster } from './cluster.js';
import { endpointHealth as health, members as memberList } from './etcdctl.js';

const members = () => memberList(cluster);
const endpointHealth = (names: string[]) => health(cluster, names);

let cluster: OperatorCluster;
let adminConf: string;

const CONTROL_PLANE = ['cp1', 'cp2', 'cp3'];
const ALL_NODES = [...CONTROL_PLANE, 'w1', 'w2'];
const address = (name: string): string => cluster.machines.find((m) => m.name === name)!.address;
const site = () => ['--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist')];

const kubectl = (args: string[]) => kubectlThroughBalancer(cluster, adminConf, args);

const nodeNames = async () => (JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])).items as Array<{ metadata: { name: string } }>).map((n) => n.metadata.name).sort();

const nodeReady = async (name: string) => {
  const n = JSON.parse(await kubectl(['get', 'node', name, '-o', 'json'])) as { status?: { conditions?: Array<{ type: string; status: string }> } };
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
};

/** What a replacement changes: etcd members, Nodes, the state's generations, replacements and tokens. */
async function snapshot() {
  const read = (f: string) => {
    try {
      return readFileSync(join(cluster.stateDir, f), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    members: (await members()).map((m) => `${m.ID} ${m.name} ${m.isLearner ? 'learner' : 'voter'}`).sort(),
    nodes: await nodeNames(),
    generations: read('generations.yaml'),
    replacements: read('replacements.yaml'),
    tokens: readdirSync(join(cluster.stateDir, 'tokens')).sort(),
    kubeadmCerts: JSON.parse(await kubectl(['-n', 'kube-system', 'get', 'secret', 'kubeadm-certs', '-o', 'json'])).metadata.resourceVersion as string,
    unschedulable: JSON.parse(await kubectl(['get', 'node', 'cp2', '-o', 'json'])).spec.unschedulable ?? false,
  };
}

/** The machine dies: its kubelet (and with it etcd and the control plane) stops. */
const kill = (name: string) => cluster.node(name).services.stop('kubelet');

describe.skipIf(!canRun)('kgen replace against a running cluster of three control-plane nodes and two workers', () => {
  beforeAll(async () => {
    cluster = await startOperatorCluster({ controlPlanes: 3, workers: 2 });
    adminConf = await adminKubeconfig(cluster);
    await members(); // copies the etcd client credentials to the seat while cp1 is whole
  }, 1_200_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('--dry-run prints every step and write and changes nothing', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'work', namespace: 'default' }, spec: { nodeName: 'cp2', containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } };
    const podFile = join(cluster.work, 'pod.json');
    writeFileSync(podFile, JSON.stringify(pod));
    await kubectl(['create', '--validate=false', '-f', podFile]);
    const before = await snapshot();
    const r = await cluster.kgen(['replace', 'cp2', ...site(), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['cp1', 'cp2', 'cp3']) expect(r.stdout).toMatch(new RegExp(`\\[replace\\] health: .*etcd members: .*${name} healthy`));
    expect(r.stdout).toMatch(/\[replace\] health: .*; cp2 renders at v1\.33\.2\n/);
    expect(r.stdout).toContain('[replace] node: Node cp2: would cordon, would evict 1 pod(s) (default/work), would be deleted');
    expect(r.stdout).toContain('[dryrun] Would perform action CREATE on resource "pods/eviction" in API group "core/v1"\n[dryrun] Resource name "work", namespace "default"\n[dryrun] Attached object:\napiVersion: policy/v1\nkind: Eviction\n');
    expect(r.stdout).toMatch(/\[replace\] etcd-member: would remove etcd member [0-9a-f]+ cp2 \(https:\/\/172\.31\.12\.12:2380\)/);
    expect(r.stdout).toContain('[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"\n[dryrun] Resource name "cp2", namespace ""\n[dryrun] Attached patch:\n');
    expect(r.stdout).toContain('[dryrun] Would perform action DELETE on resource "nodes" in API group "core/v1"\n[dryrun] Resource name "cp2", namespace ""\n');
    expect(r.stdout).toMatch(/\[replace\] render: would render cp2 as generation 2/);
    expect(r.stdout).toContain('dry run, nothing was changed');
    expect(await snapshot()).toEqual(before);
    await kubectl(['get', 'pod', 'work']);
  }, 300_000);

  it('refuses while another member is down too (quorum), naming the members, and changes nothing', async () => {
    const before = await snapshot();
    await kill('cp3');
    await kill('cp2');
    const r = await cluster.kgen(['replace', 'cp2', ...site(), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('refusing to replace cp2; nothing was changed');
    expect(r.stderr).toMatch(/etcd member cp3 \(https:\/\/172\.31\.12\.13:2380\) is not healthy/);
    expect(r.stderr).toMatch(/no quorum now/);
    // Back to a healthy cluster: everything is as it was.
    await cluster.node('cp3').services.restart('kubelet');
    await cluster.node('cp2').services.restart('kubelet');
    expect(await eventually(async () => (await endpointHealth(['cp1', 'cp2', 'cp3'])).code === 0, 180_000)).toBe(true);
    expect(await eventually(async () => (await nodeReady('cp2')) && (await nodeReady('cp3')), 180_000)).toBe(true);
    expect(await snapshot()).toEqual(before);
  }, 600_000);

  it('refuses an inventory whose version the skew policy forbids before anything changes, naming the rule', async () => {
    const inventory = readFileSync(cluster.nodesFile, 'utf8');
    expect(inventory).toContain('kubernetesVersion: v1.33.2');
    const before = await snapshot();
    writeFileSync(cluster.nodesFile, inventory.replace('kubernetesVersion: v1.33.2', 'kubernetesVersion: v1.35.0'));
    try {
      const r = await cluster.kgen(['replace', 'cp2', ...site()]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain("refusing to replace cp2; nothing was changed: ");
      expect(r.stderr).toContain("cluster.kubernetesVersion v1.35.0 cannot be rendered from the cluster's v1.33.2");
      expect(r.stderr).toContain('control-plane-one-minor: ');
    } finally {
      writeFileSync(cluster.nodesFile, inventory);
    }
    expect(await snapshot()).toEqual(before);
  }, 300_000);

  it('replaces a dead, wiped control-plane node whose token and kubeadm-certs expired: 3 voting members, Node Ready', async () => {
    // Both expired: kubeadm-certs is gone, and the cluster token is past its expiration in the state and gone from the cluster.
    const tokenFile = readdirSync(join(cluster.stateDir, 'tokens'))[0]!;
    const token = parse(readFileSync(join(cluster.stateDir, 'tokens', tokenFile), 'utf8')) as { id: string; expiration: string };
    writeFileSync(join(cluster.stateDir, 'tokens', tokenFile), toYaml({ ...token, expiration: '2020-01-01T00:00:00Z' }), { mode: 0o600 });
    await kubectl(['-n', 'kube-system', 'delete', 'secret', 'kubeadm-certs', `bootstrap-token-${token.id}`]);

    const oldMember = (await members()).find((m) => m.name === 'cp2')!;
    await cluster.killAndWipe('cp2');

    const started = Date.now();
    const r = await cluster.kgen(['replace', 'cp2', ...site(), '--json']);
    const replaced = Date.now() - started;
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { generation: number; steps: Array<{ step: string; changed: boolean; detail: string }> };
    expect(report.generation).toBe(2);
    expect(report.steps.map((s) => [s.step, s.changed])).toEqual([
      ['health', false],
      ['etcd-member', true],
      ['node', true],
      ['kubeadm-certs', true],
      ['render', true],
      ['token', true],
    ]);
    expect((await members()).map((m) => m.name).sort()).toEqual(['cp1', 'cp3']);
    expect(await nodeNames()).toEqual(['cp1', 'cp3', 'w1', 'w2']);
    const generations = parse(readFileSync(join(cluster.stateDir, 'generations.yaml'), 'utf8')) as { nodes: Record<string, { generation: number; tokenId?: string }> };
    const fresh = generations.nodes.cp2!.tokenId!;
    expect(fresh).toMatch(/^[a-z0-9]{6}$/);
    expect(fresh).not.toBe(token.id);
    await kubectl(['-n', 'kube-system', 'get', 'secret', `bootstrap-token-${fresh}`, 'kubeadm-certs']);

    // A second run before the machine is back changes nothing.
    const tokensBefore = readdirSync(join(cluster.stateDir, 'tokens')).sort();
    const again = await cluster.kgen(['replace', 'cp2', ...site(), '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as { generation: number; steps: Array<{ step: string; changed: boolean }> };
    expect(second.generation).toBe(2);
    expect(second.steps.filter((s) => s.changed)).toEqual([]);
    expect(readdirSync(join(cluster.stateDir, 'tokens')).sort()).toEqual(tokensBefore);

    // The machine boots its new first-boot files.
    await cluster.boot('cp2');
    expect(await eventually(() => nodeReady('cp2'), 180_000)).toBe(true);
    console.log(`kgen replace -> cp2 Ready: ${((Date.now() - started) / 1000).toFixed(1)}s (kgen replace itself ${(replaced / 1000).toFixed(1)}s)`);

    const after = await members();
    expect(after.map((m) => m.name).sort()).toEqual(['cp1', 'cp2', 'cp3']);
    expect(after.every((m) => !m.isLearner && (m.clientURLs?.length ?? 0) > 0)).toBe(true);
    expect(after.find((m) => m.name === 'cp2')!.ID).not.toBe(oldMember.ID);
    expect(after.filter((m) => m.peerURLs.includes(`https://${address('cp2')}:2380`))).toHaveLength(1);
    expect((await endpointHealth(['cp1', 'cp2', 'cp3'])).code).toBe(0);
    expect(await nodeNames()).toEqual(ALL_NODES);
  }, 1_200_000);

  it('a control-plane machine reimaged without kgen replace drops its stale etcd member and joins as a new learner; render registers its fresh token', async () => {
    const oldMember = (await members()).find((m) => m.name === 'cp3')!;
    await cluster.killAndWipe('cp3');
    // kgen-boot refuses to join while a Ready Node has its name: wait for the node lifecycle controller.
    expect(await eventually(async () => !(await nodeReady('cp3')), 300_000)).toBe(true);

    const r = await cluster.kgen(['render', '--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist'), '--reimage', 'cp3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // The cluster token expired (above): render made cp3 a token of its own and registered it, keeping its manifest.
    const [fresh, ...more] = (JSON.parse(r.stdout) as { newTokens: Array<{ id: string; forNode: string; manifest: string; registered: boolean }> }).newTokens;
    expect(more).toEqual([]);
    expect(fresh).toMatchObject({ forNode: 'cp3', registered: true, manifest: `bootstrap-tokens/${fresh!.id}.yaml` });
    expect(r.stderr).not.toContain('not registered');
    readFileSync(join(cluster.work, 'dist', fresh!.manifest));
    const secret = JSON.parse(await kubectl(['-n', 'kube-system', 'get', 'secret', `bootstrap-token-${fresh!.id}`, '-o', 'json'])) as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
    expect(Buffer.from(secret.data['token-id']!, 'base64').toString()).toBe(fresh!.id);
    const boot = await cluster.boot('cp3');
    expect(boot.stdout + boot.stderr).toContain('it is the member of the machine this one replaces; removing it and joining as a new learner');

    const after = await members();
    expect(after.map((m) => m.name).sort()).toEqual(['cp1', 'cp2', 'cp3']);
    expect(after.every((m) => !m.isLearner)).toBe(true);
    expect(after.find((m) => m.name === 'cp3')!.ID).not.toBe(oldMember.ID);
    expect(after.filter((m) => m.peerURLs.includes(`https://${address('cp3')}:2380`))).toHaveLength(1);
    expect((await endpointHealth(['cp1', 'cp2', 'cp3'])).code).toBe(0);
    expect(await eventually(() => nodeReady('cp3'), 180_000)).toBe(true);
  }, 1_200_000);
  it('replaces a dead, wiped worker: its Node is deleted, the machine rejoins Ready, nothing left over', async () => {
    await cluster.killAndWipe('w1');
    const membersBefore = (await members()).map((m) => m.ID).sort();
    const started = Date.now();
    const r = await cluster.kgen(['replace', 'w1', ...site(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { generation: number; steps: Array<{ step: string; changed: boolean; detail: string }> };
    expect(report.generation).toBe(2);
    // A worker has no etcd member and receives no kubeadm-certs; the expired cluster token means a fresh one.
    expect(report.steps.map((s) => [s.step, s.changed])).toEqual([
      ['health', false],
      ['node', true],
      ['render', true],
      ['token', true],
    ]);
    expect(await nodeNames()).toEqual(['cp1', 'cp2', 'cp3', 'w2']);
    expect((await members()).map((m) => m.ID).sort()).toEqual(membersBefore);

    await cluster.boot('w1');
    expect(await eventually(() => nodeReady('w1'), 180_000)).toBe(true);
    console.log(`kgen replace -> w1 Ready: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    expect(await nodeNames()).toEqual(ALL_NODES);
    const w1 = JSON.parse(await kubectl(['get', 'node', 'w1', '-o', 'json'])) as { spec: { unschedulable?: boolean }; status: { addresses: Array<{ type: string; address: string }> } };
    expect(w1.spec.unschedulable ?? false).toBe(false);
    expect(w1.status.addresses).toContainEqual({ type: 'InternalIP', address: address('w1') });
  }, 1_200_000);

  it('replaces the dead, wiped init node: it is re-rendered as a joining control-plane node and rejoins as a voting member', async () => {
    const oldMember = (await members()).find((m) => m.name === 'cp1')!;
    await cluster.killAndWipe('cp1');
    const started = Date.now();
    const r = await cluster.kgen(['replace', 'cp1', ...site(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { generation: number; steps: Array<{ step: string; changed: boolean; detail: string }> };
    expect(report.generation).toBe(2);
    expect(report.steps.filter((s) => s.changed).map((s) => s.step)).toEqual(['etcd-member', 'node', 'render', 'token']);
    expect((await members()).map((m) => m.name).sort()).toEqual(['cp2', 'cp3']);

    // The cluster exists: the new first boot joins it, with no CA private key in its files.
    const config = parse(readFileSync(join(cluster.work, 'dist/nodes/cp1/node.yaml'), 'utf8')) as { node: { init: boolean; role: string }; secrets?: unknown };
    expect(config.node).toMatchObject({ init: false, role: 'control-plane' });
    expect(config.secrets).toBeUndefined();
    expect(readFileSync(join(cluster.work, 'dist/nodes/cp1/user-data'), 'utf8')).not.toContain('PRIVATE KEY');

    await cluster.boot('cp1');
    expect(await eventually(() => nodeReady('cp1'), 180_000)).toBe(true);
    console.log(`kgen replace -> cp1 (init node) Ready: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    const after = await members();
    expect(after.map((m) => m.name).sort()).toEqual(CONTROL_PLANE);
    expect(after.every((m) => !m.isLearner && (m.clientURLs?.length ?? 0) > 0)).toBe(true);
    expect(after.find((m) => m.name === 'cp1')!.ID).not.toBe(oldMember.ID);
  }, 1_200_000);

  it('--force goes past a member the operator cannot reach (refused without it, nothing changed) and the replacement completes', async () => {
    // cp2's second replacement (its first rejoined above): render again, although the Node is deleted before the render step.
    // The seat loses its route to cp3: its member looks down from here, though it keeps etcd's quorum with cp1.
    const route = ['route', 'add', 'unreachable', `${address('cp3')}/32`];
    expect((await cluster.exec('ip', route)).code).toBe(0);
    try {
      await cluster.killAndWipe('cp2');
      const before = { members: (await members()).map((m) => m.ID).sort(), nodes: await nodeNames(), generations: readFileSync(join(cluster.stateDir, 'generations.yaml'), 'utf8') };

      const refused = await cluster.kgen(['replace', 'cp2', ...site()]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(1);
      expect(refused.stderr).toContain('refusing to replace cp2; nothing was changed');
      expect(refused.stderr).toMatch(/etcd member cp3 \(https:\/\/172\.31\.12\.13:2380\) is not healthy/);
      expect(refused.stderr).toContain('--force');
      expect({ members: (await members()).map((m) => m.ID).sort(), nodes: await nodeNames(), generations: readFileSync(join(cluster.stateDir, 'generations.yaml'), 'utf8') }).toEqual(before);

      const forced = await cluster.kgen(['replace', 'cp2', ...site(), '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/\[replace\] health: .*--force overrides: etcd member cp3 .* is not healthy/);
      expect(forced.stdout).toMatch(/\[replace\] etcd-member: removed etcd member [0-9a-f]+ cp2 \(https:\/\/172\.31\.12\.12:2380\)/);
      expect(forced.stdout).toMatch(/\[replace\] render: rendered cp2 as generation 3/);
      expect((await members()).map((m) => m.name).sort()).toEqual(['cp1', 'cp3']);
    } finally {
      await cluster.exec('ip', ['route', 'del', 'unreachable', `${address('cp3')}/32`]);
    }
    await cluster.boot('cp2');
    expect(await eventually(() => nodeReady('cp2'), 180_000)).toBe(true);
  }, 1_200_000);

  it('leaves every component healthy: 3 started voting etcd members and nothing left over, every Node Ready, every API server ready', async () => {
    const after = await members();
    expect(after).toHaveLength(3);
    expect(after.map((m) => m.name).sort()).toEqual(CONTROL_PLANE);
    for (const name of CONTROL_PLANE) {
      const mine = after.filter((m) => m.peerURLs.includes(`https://${address(name)}:2380`));
      expect(mine, name).toHaveLength(1);
      expect(mine[0]!.isLearner ?? false, name).toBe(false);
      expect(mine[0]!.clientURLs, name).toEqual([`https://${address(name)}:2379`]);
    }
    const health = await endpointHealth(CONTROL_PLANE);
    expect(health.code, health.out).toBe(0);
    expect(await nodeNames()).toEqual(ALL_NODES);
    for (const name of ALL_NODES) expect(await eventually(() => nodeReady(name), 180_000), name).toBe(true);
    for (const name of CONTROL_PLANE) {
      const r = await cluster.kubectl(adminConf, ['--server', `https://${address(name)}:6443`, 'get', '--raw', '/readyz']);
      expect(r.stdout.trim(), `${name}: ${r.stderr}`).toBe('ok');
    }
  }, 600_000);
});
