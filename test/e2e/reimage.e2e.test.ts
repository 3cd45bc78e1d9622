// `kgen render --reimage NODE`, run as a user runs it: the reimaged node gets a new instance-id (so
// cloud-init runs again on a machine that kept /var/lib/cloud), a fresh token when the cluster's has
// expired, and every other node's files stay byte-identical.
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, changedPaths, kgen, modeOf, snapshotTree, tempDir } from '../helpers.js';

function render(work: string, ...extra: string[]) {
  const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist', ...extra], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

const instanceId = (out: string, node: string) => parse(readFileSync(join(out, 'nodes', node, 'meta-data'), 'utf8'))['instance-id'] as string;
const nodeConfig = (out: string, node: string) => parse(readFileSync(join(out, 'nodes', node, 'node.yaml'), 'utf8'));

/** Paths of the output that belong to `node` (its directory, its MAC/UUID aliases, its iPXE script). */
function ownedBy(out: string, node: string): (path: string) => boolean {
  const { nodes } = JSON.parse(readFileSync(join(out, 'nodes.json'), 'utf8')) as { nodes: Array<{ name: string; mac?: string; uuid?: string }> };
  const n = nodes.find((x) => x.name === node)!;
  const prefixes = [`nodes/${node}/`, ...(n.mac ? [`nodes/by-mac/${n.mac.replaceAll(':', '-')}/`] : []), ...(n.uuid ? [`nodes/by-uuid/${n.uuid}/`] : [])];
  return (p) => prefixes.some((x) => p.startsWith(x));
}

describe('kgen render --reimage', () => {
  let work: string;
  let out: string;
  let state: string;

  beforeAll(() => {
    work = tempDir();
    cpSync(join(REPO, 'examples'), join(work, 'examples'), { recursive: true });
    out = join(work, 'dist');
    state = join(work, 'examples/.kgen');
    render(work);
  });

  it('gives the node a new instance-id and leaves every other node byte-identical', () => {
    const before = snapshotTree(out);
    const oldId = instanceId(out, 'worker-1');
    const r = render(work, '--reimage', 'worker-1');
    expect(r.stdout).toMatch(/^worker-1\s+worker\s+2\s/m);
    expect(instanceId(out, 'worker-1')).not.toBe(oldId);
    expect(instanceId(out, 'worker-1')).toMatch(/^worker-1-g2-/);
    const mine = ownedBy(out, 'worker-1');
    const changed = changedPaths(before, snapshotTree(out));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((p) => !mine(p))).toEqual([]);
    // The cluster token is still valid: no new token.
    expect(nodeConfig(out, 'worker-1').discovery.token).toBe(nodeConfig(out, 'worker-2').discovery.token);
    expect(readFileSync(join(state, 'generations.yaml'), 'utf8')).toContain('worker-1');
  });

  it('the generation sticks: a plain render afterwards changes nothing', () => {
    const before = snapshotTree(out);
    render(work);
    expect(changedPaths(before, snapshotTree(out))).toEqual([]);
  });

  it('an expired cluster token: plain render warns, --reimage issues the node its own token and a Secret to register it (the cluster is unreachable: a warning)', () => {
    const [tokenFile] = readdirSync(join(state, 'tokens'));
    const path = join(state, 'tokens', tokenFile!);
    // Time passes: the cluster token (24h TTL) is now past its expiration.
    writeFileSync(path, readFileSync(path, 'utf8').replace(/expiration: .*/, 'expiration: "2020-01-01T00:00:00Z"'), { mode: 0o600 });
    const clusterToken = nodeConfig(out, 'worker-2').discovery.token as string;

    const plain = render(work);
    expect(plain.stderr).toMatch(/bootstrap token [a-z0-9]{6} expired/);

    const before = snapshotTree(out);
    const r = render(work, '--reimage', 'worker-2');
    const token = nodeConfig(out, 'worker-2').discovery.token as string;
    expect(token).not.toBe(clusterToken);
    const id = token.split('.')[0]!;
    expect(readdirSync(join(state, 'tokens'))).toContain(`${id}.yaml`);
    expect(modeOf(join(state, 'tokens', `${id}.yaml`))).toBe(0o600);
    expect(r.stdout).toContain(`new bootstrap token ${id} for worker-2`);
    expect(r.stdout).not.toContain(token.split('.')[1]);
    // No cluster answers at cp.demo.internal: render keeps the manifest and says how to register it.
    expect(r.stderr).toContain(`warning: bootstrap token ${id} for worker-2 is not registered in the cluster: cannot reach the cluster at https://cp.demo.internal:6443`);
    expect(r.stdout).toContain(`register it in the running cluster: kubectl --kubeconfig admin.conf apply -f dist/bootstrap-tokens/${id}.yaml`);

    const secret = parse(readFileSync(join(out, 'bootstrap-tokens', `${id}.yaml`), 'utf8'));
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' } });
    expect(modeOf(join(out, 'bootstrap-tokens', `${id}.yaml`))).toBe(0o600);

    const mine = ownedBy(out, 'worker-2');
    const changed = changedPaths(before, snapshotTree(out));
    expect(changed.filter((p) => !mine(p) && !p.startsWith('bootstrap-tokens/'))).toEqual([]);
  });

  it('a reimaged init node rejoins the running cluster as a control-plane member, without CA keys', () => {
    expect(nodeConfig(out, 'cp-1').secrets).toBeDefined();
    const r = render(work, '--reimage', 'cp-1', '--no-register');
    expect(r.stdout).toMatch(/new bootstrap token [a-z0-9]{6} for cp-1, .*register it in the running cluster/);
    expect(r.stderr).not.toContain('not registered');
    const cfg = nodeConfig(out, 'cp-1');
    expect(cfg.node.init).toBe(false);
    expect(cfg.secrets).toBeUndefined();
    expect(cfg.certificateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(out, 'nodes/cp-1/user-data'), 'utf8')).not.toContain('PRIVATE KEY');
  });

  it('refuses an unknown node name and lists the known ones', () => {
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist', '--reimage', 'nope'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--reimage names "nope"');
    expect(r.stderr).toContain('cp-1, cp-2, cp-3, worker-1, worker-2');
  });
});
