// `kgen replace NODE` against a running three-control-plane cluster (test/operator/cluster.ts: real etcd, the
// test control plane and kubelets, a round-robin load balancer without health checks), as an operator runs it:
// kill a control-plane machine, wipe its disk, replace it, boot the new first-boot files on it, and check with
// etcdctl and kubectl that the cluster is whole again. Also: a dry run changes nothing, a replacement that
// would lose quorum is refused and changes nothing, and a second run before the machine is back is a no-op.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNode } from '../cluster/node.js';
import { parse } from '../../src/yaml-input.js';
import { toYaml } from '../../src/yaml.js';
import { adminKubeconfig, canRun, startOperatorCluster, type OperatorCluster } from './cluster.js';
import { endpointHealth as health, members as memberList } from './etcdctl.js';

const members = () => memberList(cluster);
const endpointHealth = (names: string[]) => health(cluster, names);

let cluster: OperatorCluster;
let adminConf: string;

const node = (name: string): TestNode => cluster.node(name);
const address = (name: string): string => cluster.machines.find((m) => m.name === name)!.address;
const site = () => ['--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist')];

/** kubectl on the seat; retried while the load balancer hands the connection to a dead backend. */
async function kubectl(args: string[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const r = await cluster.kubectl(adminConf, args);
    if (r.code === 0) return r.stdout;
    if (attempt < 5 && /connection refused|connection reset|EOF|Unable to connect/.test(r.stderr)) continue;
    throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  }
}

const nodeNames = async () => (JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])).items as Array<{ metadata: { name: string } }>).map((n) => n.metadata.name).sort();

/** Polls until `check` holds; gives up (returning false) after `limitMs`, so a broken cluster fails the test instead of hanging. */
async function eventually(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

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
const kill = (name: string) => node(name).services.stop('kubelet');

describe.skipIf(!canRun)('kgen replace against a running three-control-plane cluster', () => {
  beforeAll(async () => {
    cluster = await startOperatorCluster({ controlPlanes: 3 });
    adminConf = await adminKubeconfig(cluster);
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
    expect(r.stdout).toContain('[replace] node: Node cp2: would cordon, would evict 1 pod(s) (default/work), would be deleted');
    expect(r.stdout).toContain('[dryrun] Would perform action CREATE on resource /api/v1/namespaces/default/pods/work/eviction');
    expect(r.stdout).toMatch(/\[replace\] etcd-member: would remove etcd member [0-9a-f]+ cp2 \(https:\/\/172\.31\.12\.12:2380\)/);
    expect(r.stdout).toContain('[dryrun] Would perform action PATCH on resource /api/v1/nodes/cp2');
    expect(r.stdout).toContain('[dryrun] Would perform action DELETE on resource /api/v1/nodes/cp2');
    expect(r.stdout).toMatch(/\[replace\] render: would render cp2 as generation 2/);
    expect(r.stdout).toContain('dry run, nothing was changed');
    expect(await snapshot()).toEqual(before);
    await kubectl(['get', 'pod', 'work']);
  });

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
    await node('cp3').services.restart('kubelet');
    await node('cp2').services.restart('kubelet');
    expect(await eventually(async () => (await endpointHealth(['cp1', 'cp2', 'cp3'])).code === 0, 180_000)).toBe(true);
    expect(await eventually(async () => (await nodeReady('cp2')) && (await nodeReady('cp3')), 180_000)).toBe(true);
    expect(await snapshot()).toEqual(before);
  }, 600_000);

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
    expect(await nodeNames()).toEqual(['cp1', 'cp3']);
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
    expect(await nodeNames()).toEqual(['cp1', 'cp2', 'cp3']);
  }, 1_200_000);

  it('a control-plane machine reimaged without kgen replace drops its stale etcd member and joins as a new learner', async () => {
    const oldMember = (await members()).find((m) => m.name === 'cp3')!;
    await cluster.killAndWipe('cp3');
    // kgen-boot refuses to join while a Ready Node has its name: wait for the node lifecycle controller.
    expect(await eventually(async () => !(await nodeReady('cp3')), 300_000)).toBe(true);

    const r = await cluster.kgen(['render', '--nodes', cluster.nodesFile, '--out', join(cluster.work, 'dist'), '--reimage', 'cp3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const t of (JSON.parse(r.stdout) as { newTokens: Array<{ manifest: string }> }).newTokens) await kubectl(['apply', '--validate=false', '-f', join(cluster.work, 'dist', t.manifest)]);
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
});
