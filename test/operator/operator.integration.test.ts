// The operator's kit against a running cluster (test/operator/cluster.ts: `kgen render`, then `kgen-boot run` on
// two control-plane nodes with real etcd and the test control plane), run as an operator runs it: the built
// `kgen` on a seat that reaches the load balancer, cross-checked with kubectl and openssl.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_PLANE, LB, canRun, startOperatorCluster, type OperatorCluster } from './cluster.js';

let cluster: OperatorCluster;

async function kgenOk(args: string[]): Promise<string> {
  const r = await cluster.kgen(args);
  expect(r.code, `kgen ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** kubectl on the seat; returns stdout, or throws with stderr. */
async function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  const r = await cluster.kubectl(kubeconfig, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

const openssl = (args: string[], input?: string) => execFileSync('openssl', args, { input, encoding: 'utf8' });
/** notAfter of a PEM certificate, read by openssl. */
const opensslNotAfter = (pem: string) => new Date(Date.parse(openssl(['x509', '-noout', '-enddate'], pem).trim().replace(/^notAfter=/, '')));
const clientCertOf = (kubeconfig: string) => Buffer.from(/client-certificate-data: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))![1]!, 'base64').toString('utf8');
const site = () => ['--nodes', cluster.nodesFile];

// Each test runs several kgen and kubectl processes; under a loaded machine one can take tens of seconds.
describe.skipIf(!canRun)('operator commands against a running cluster', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    cluster = await startOperatorCluster();
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  describe('kgen kubeconfig', () => {
    it('admin: a 0600 kubeconfig that kubectl uses as kubernetes-admin in kubeadm:cluster-admins', async () => {
      const file = join(cluster.work, 'admin.conf');
      await kgenOk(['kubeconfig', 'admin', ...site(), '--out', file, '--validity', '2h']);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const nodes = JSON.parse(await kubectl(file, ['get', 'nodes', '-o', 'json'])).items.map((n: { metadata: { name: string } }) => n.metadata.name);
      expect(nodes.sort()).toEqual(CONTROL_PLANE.map((n) => n.name));
      const who = JSON.parse(await kubectl(file, ['auth', 'whoami', '-o', 'json'])).status.userInfo;
      expect(who.username).toBe('kubernetes-admin');
      expect(who.groups).toContain('kubeadm:cluster-admins');
      expect(JSON.parse(await kubectl(file, ['config', 'view', '-o', 'json'])).clusters[0].cluster.server).toBe(`https://${LB}:6443`);
      const cert = clientCertOf(file);
      expect(openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], cert).trim()).toBe('subject=CN=kubernetes-admin,O=kubeadm:cluster-admins');
      const hoursLeft = (opensslNotAfter(cert).getTime() - Date.now()) / 3600_000;
      expect(hoursLeft).toBeGreaterThan(1.9);
      expect(hoursLeft).toBeLessThanOrEqual(2);
    });

    it('user: the named user and groups, and nothing more than RBAC grants them', async () => {
      const file = join(cluster.work, 'alice.conf');
      await kgenOk(['kubeconfig', 'user', ...site(), '--name', 'alice', '--org', 'developers', '--org', 'oncall', '--out', file]);
      const who = JSON.parse(await kubectl(file, ['auth', 'whoami', '-o', 'json'])).status.userInfo;
      expect(who.username).toBe('alice');
      expect(who.groups).toEqual(expect.arrayContaining(['developers', 'oncall']));
      await expect(kubectl(file, ['get', 'nodes'])).rejects.toThrow(/forbidden/i);
    });

    it('a kubeconfig without the rights: token list is exit 1 saying the API server refused it', async () => {
      const r = await cluster.kgen(['token', 'list', '--kubeconfig', join(cluster.work, 'alice.conf')]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('HTTP 403 Forbidden');
      expect(r.stderr).toContain(`refused the kubeconfig ${join(cluster.work, 'alice.conf')}`);
    });
  });

  describe('kgen token', () => {
    const adminConf = () => join(cluster.work, 'admin.conf');
    const tokenSecret = async (id: string) => JSON.parse(await kubectl(adminConf(), ['-n', 'kube-system', 'get', 'secret', `bootstrap-token-${id}`, '-o', 'json']));
    const decode = (data: Record<string, string>) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

    it('create: a bootstrap token Secret as kubeadm writes it, seen by kubectl and by token list', async () => {
      const token = (await kgenOk(['token', 'create', ...site(), '--ttl', '2h', '--description', 'rack 4', '--usages', 'authentication,signing'])).trim();
      expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
      const [id, secret] = token.split('.');
      const stored = await tokenSecret(id!);
      expect(stored.type).toBe('bootstrap.kubernetes.io/token');
      const data = decode(stored.data);
      expect(data).toMatchObject({
        'token-id': id,
        'token-secret': secret,
        description: 'rack 4',
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
      });
      const hoursLeft = (Date.parse(data.expiration!) - Date.now()) / 3600_000;
      expect(hoursLeft).toBeGreaterThan(1.9);
      expect(hoursLeft).toBeLessThanOrEqual(2);

      const table = await kgenOk(['token', 'list', ...site()]);
      expect(table.split('\n')[0]).toMatch(/^TOKEN {3,}TTL {3,}EXPIRES {3,}USAGES {3,}DESCRIPTION {3,}EXTRA GROUPS$/);
      const row = table.split('\n').find((l) => l.startsWith(token))!;
      expect(row.split(/ {3,}/)).toEqual([token, '1h', data.expiration, 'authentication,signing', 'rack 4', 'system:bootstrappers:kubeadm:default-node-token']);
      const listed = JSON.parse(await kgenOk(['token', 'list', '--kubeconfig', adminConf(), '--json'])).tokens;
      expect(listed.find((t: { token: string }) => t.token === token)).toMatchObject({ expires: data.expiration, description: 'rack 4' });
    });

    it('create --ttl 0 never expires; --print-join-command pins the CA as openssl computes it', async () => {
      const forever = (await kgenOk(['token', 'create', ...site(), '--ttl', '0'])).trim();
      expect(decode((await tokenSecret(forever.slice(0, 6))).data).expiration).toBeUndefined();
      expect((await kgenOk(['token', 'list', ...site()])).split('\n').find((l) => l.startsWith(forever))).toMatch(/ {3,}<forever> {3,}<never> {3,}/);

      const join = (await kgenOk(['token', 'create', ...site(), '--print-join-command'])).trim();
      const spki = execFileSync('sh', ['-c', `openssl x509 -pubkey -noout -in '${cluster.stateDir}/pki/ca.crt' | openssl pkey -pubin -outform der | sha256sum`], { encoding: 'utf8' });
      expect(join).toBe(`kubeadm join ${LB}:6443 --token ${/--token (\S+)/.exec(join)![1]} --discovery-token-ca-cert-hash sha256:${spki.split(' ')[0]}`);
    });

    it('delete: by id or by whole token; an unknown token is an error naming it', async () => {
      const [a, b] = [(await kgenOk(['token', 'create', ...site()])).trim(), (await kgenOk(['token', 'create', ...site()])).trim()];
      const out = await kgenOk(['token', 'delete', ...site(), a!.slice(0, 6), b!]);
      expect(out).toBe(`bootstrap token "${a!.slice(0, 6)}" deleted\nbootstrap token "${b!.slice(0, 6)}" deleted\n`);
      for (const t of [a!, b!]) await expect(tokenSecret(t.slice(0, 6))).rejects.toThrow(/not ?found/i);
      const missing = await cluster.kgen(['token', 'delete', ...site(), 'zzzzzz']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('bootstrap token "zzzzzz" is not in the cluster');
      const bad = await cluster.kgen(['token', 'delete', ...site(), 'not-a-token']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('"not-a-token" is neither a token id');
    });
  });

  describe('kgen certs check-expiration', () => {
    it('reports every control-plane node\'s served certificates and the CAs, with the dates openssl reads', async () => {
      const report = JSON.parse(await kgenOk(['certs', 'check-expiration', ...site(), '--json']));
      expect(report.unread).toEqual([]);
      const byName = new Map<string, { expirationDate: string; certificateAuthority?: string; externallyManaged: boolean }>(
        report.certificates.map((c: { name: string }) => [c.name, c]),
      );
      for (const [i, node] of CONTROL_PLANE.entries()) {
        const pki = join(cluster.nodes[i]!.root, 'etc/kubernetes/pki');
        const expected: Array<[string, string, string]> = [
          ['apiserver', 'apiserver.crt', 'ca'],
          ['etcd-server', 'etcd/server.crt', 'etcd-ca'],
          ['etcd-peer', 'etcd/peer.crt', 'etcd-ca'],
        ];
        for (const [what, file, ca] of expected) {
          const row = byName.get(`${node.name}/${what}`);
          expect(row, `${node.name}/${what}`).toMatchObject({ certificateAuthority: ca, externallyManaged: false });
          expect(row!.expirationDate).toBe(opensslNotAfter(readFileSync(join(pki, file), 'utf8')).toISOString().replace('.000Z', 'Z'));
        }
        expect(byName.get(`${node.name}/kubelet.conf`)).toMatchObject({ certificateAuthority: 'ca' });
      }
      // What the API server on cp1 presents is what openssl's own TLS client receives.
      const served = await cluster.nodes[0]!.exec('sh', ['-c', `openssl s_client -connect ${CONTROL_PLANE[0]!.address}:6443 </dev/null 2>/dev/null | openssl x509 -noout -enddate`]);
      expect(byName.get('cp1/apiserver')!.expirationDate).toBe(new Date(Date.parse(served.stdout.trim().replace(/^notAfter=/, ''))).toISOString().replace('.000Z', 'Z'));
      const cas = new Map(report.certificateAuthorities.map((c: { name: string; expirationDate: string }) => [c.name, c.expirationDate]));
      for (const [name, file] of [['ca', 'pki/ca.crt'], ['front-proxy-ca', 'pki/front-proxy-ca.crt'], ['etcd-ca', 'pki/etcd/ca.crt']]) {
        expect(cas.get(name)).toBe(opensslNotAfter(readFileSync(join(cluster.stateDir, file!), 'utf8')).toISOString().replace('.000Z', 'Z'));
      }
    });

    it('prints kubeadm\'s two tables', async () => {
      const out = await kgenOk(['certs', 'check-expiration', ...site()]);
      const [certs, cas] = out.split('\n\n');
      expect(certs!.split('\n')[0]).toMatch(/^CERTIFICATE {3,}EXPIRES {3,}RESIDUAL TIME {3,}CERTIFICATE AUTHORITY {3,}EXTERNALLY MANAGED$/);
      expect(certs).toMatch(/^cp2\/etcd-peer {3,}[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC {3,}36\dd {3,}etcd-ca {3,}no$/m);
      expect(cas!.split('\n')[0]).toMatch(/^CERTIFICATE AUTHORITY {3,}EXPIRES {3,}RESIDUAL TIME {3,}EXTERNALLY MANAGED$/);
      expect(cas).toMatch(/^ca {3,}.* UTC {3,}9y {3,}no$/m);
    });
  });

  describe('kgen upgrade plan', () => {
    it('reads every component\'s version from the cluster and orders the rollout to the next minor', async () => {
      const admin = join(cluster.work, 'plan-admin.conf');
      await kgenOk(['kubeconfig', 'admin', ...site(), '--out', admin]);
      const kubelets = (await kubectl(admin, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion} {end}'])).trim().split(' ');
      const plan = JSON.parse(await kgenOk(['upgrade', 'plan', '--to', 'v1.34.1', '--json', ...site()]));
      expect(plan.clusterVersion).toBe('v1.33.2');
      expect(plan.violations).toEqual([]);
      for (const { name } of CONTROL_PLANE) {
        expect(plan.rows).toContainEqual({ component: 'kube-apiserver', node: name, current: 'v1.33.2', target: 'v1.34.1' });
        expect(plan.rows).toContainEqual({ component: 'etcd', node: name, current: '3.5.21-0', target: '3.6.4-0' });
      }
      // What kubectl sees is what the plan read.
      expect(plan.rows.filter((r: { component: string }) => r.component === 'kubelet').map((r: { node: string; current: string }) => `${r.node}=${r.current}`).sort()).toEqual(kubelets.sort());
      expect(plan.steps.map((s: { kind: string; nodes?: string[] }) => [s.kind, ...(s.nodes ?? [])].join(' '))).toEqual([
        'etcd-snapshot', ...CONTROL_PLANE.map((n) => `reimage ${n.name}`), 'cluster-config',
      ]);
    });

    it('refuses a jump of two minors with the rule and the policy, and says there is nothing to do at the current release', async () => {
      const refused = await cluster.kgen(['upgrade', 'plan', '--to', 'v1.35.0', ...site()]);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stdout).toContain("[upgrade/policy] REFUSED (control-plane-one-minor): v1.35.0 is more than one minor version above the cluster's v1.33.2");
      expect(refused.stdout).toContain('https://kubernetes.io/releases/version-skew-policy/');
      const same = await kgenOk(['upgrade', 'plan', ...site()]);
      expect(same).toContain('Nothing to do: every component already runs v1.33.2.');
      expect(same.split('\n').find((l) => l.startsWith('COMPONENT'))).toMatch(/^COMPONENT {3,}NODE {3,}CURRENT {3,}TARGET$/);
    });
  });

  describe('an unreachable cluster', () => {
    it('exits 1 naming the endpoint, the cause and what to check; check-expiration still reports the CAs', async () => {
      const elsewhere = join(cluster.work, 'unreachable.yaml');
      writeFileSync(elsewhere, readFileSync(cluster.nodesFile, 'utf8').replace(`${LB}:6443`, '127.0.0.1:9'));
      const state = ['--nodes', elsewhere, '--state', cluster.stateDir];
      for (const args of [['token', 'list'], ['token', 'create'], ['token', 'delete', 'abcdef'], ['upgrade', 'plan']]) {
        const r = await cluster.kgen([...args, ...state]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toContain('cannot reach the cluster at https://127.0.0.1:9');
        expect(r.stderr).toContain('ECONNREFUSED');
        expect(r.stderr).toContain('check that the control-plane endpoint is up and reachable');
      }
      const certs = await cluster.kgen(['certs', 'check-expiration', ...state, '--json']);
      expect(certs.code).toBe(0);
      expect(certs.stderr).toContain('warning: kubelet client certificates not read: cannot reach the cluster at https://127.0.0.1:9');
      expect(JSON.parse(certs.stdout).certificateAuthorities.map((c: { name: string }) => c.name)).toEqual(['ca', 'front-proxy-ca', 'etcd-ca']);
    });
  });
});
