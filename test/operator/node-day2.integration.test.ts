// The node side of day 2 against a running three-control-plane cluster (test/operator/cluster.ts: real etcd,
// the test control plane and kubelets): `kgen-boot phase upload-certs` on a joined control-plane node,
// `kgen-boot certs check-expiration` on it, `kgen-boot certs renew --restart-static-pods` (openssl reads the
// certificate the restarted API server serves), and `kgen-boot reset` of control-plane nodes one after the other,
// checked with etcdctl: each reset removes only its own member and etcd stays healthy; the reset of the last
// voting member is refused and changes nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKubeadmCerts } from '../../src/cluster/kubeadm-certs.js';
import { adminKubeconfig, canRun, startOperatorCluster, type OperatorCluster } from './cluster.js';
import { endpointHealth, members } from './etcdctl.js';

let cluster: OperatorCluster;
let adminConf: string;

async function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  for (let attempt = 0; ; attempt++) {
    const r = await cluster.kubectl(adminConf, args);
    if (r.code === 0 || attempt >= 5 || !/connection refused|connection reset|EOF|Unable to connect/.test(r.stderr)) return r;
  }
}

const memberNames = async () => (await members(cluster)).map((m) => m.name).sort();

describe.skipIf(!canRun)('kgen-boot on the nodes of a running three-control-plane cluster', () => {
  beforeAll(async () => {
    cluster = await startOperatorCluster({ controlPlanes: 3 });
    adminConf = await adminKubeconfig(cluster);
  }, 1_200_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('phase upload-certs on a joined control-plane node seals kubeadm-certs again with the state\'s certificate key', async () => {
    expect((await kubectl(['-n', 'kube-system', 'delete', 'secret', 'kubeadm-certs'])).code).toBe(0);
    const bad = await cluster.node('cp2').runBoot(['phase', 'upload-certs', '--certificate-key', 'nothex']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--certificate-key must be 64 lower-case hex characters');

    const r = await cluster.node('cp2').runBoot(['phase', 'upload-certs'], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace');
    const secret = JSON.parse((await kubectl(['-n', 'kube-system', 'get', 'secret', 'kubeadm-certs', '-o', 'json'])).stdout);
    const key = readFileSync(join(cluster.stateDir, 'certificate-key'), 'utf8').trim();
    const opened = openKubeadmCerts(secret, key, ['ca.key', 'etcd/ca.key']);
    expect(opened.find((f) => f.file === 'ca.key')!.data.toString()).toBe(readFileSync(join(cluster.node('cp1').root, 'etc/kubernetes/pki/ca.key'), 'utf8'));
  }, 300_000);

  it('certs check-expiration on a joined control-plane node reports every certificate it holds', async () => {
    const r = await cluster.node('cp2').runBoot(['certs', 'check-expiration', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { certificates: Array<{ name: string; missing?: boolean; certificateAuthority?: string }> };
    // A joining node writes no super-admin.conf (kubeadm join does not either).
    expect(report.certificates.filter((c) => c.missing).map((c) => c.name)).toEqual(['super-admin.conf']);
    expect(report.certificates.every((c) => c.missing || c.certificateAuthority)).toBe(true);
  }, 120_000);

  it('certs renew apiserver --restart-static-pods: the API server, restarted by its manifest, serves the renewed certificate', async () => {
    const cp2 = cluster.node('cp2');
    const address = cluster.machines.find((m) => m.name === 'cp2')!.address;
    // openssl reads the serial of what the server presents and of the file on disk.
    const served = async () => {
      const r = await cp2.exec('sh', ['-c', `openssl s_client -connect ${address}:6443 </dev/null 2>/dev/null | openssl x509 -noout -serial`], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const onDisk = async () => (await cp2.exec('openssl', ['x509', '-noout', '-serial', '-in', join(cp2.root, 'etc/kubernetes/pki/apiserver.crt')])).stdout.trim();
    const before = await served();
    expect(before).toBe(await onDisk());

    const r = await cp2.runBoot(['certs', 'renew', 'apiserver', '--restart-static-pods'], { timeoutMs: 300_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('[restart] Restarting, one at a time: kube-apiserver');
    expect(r.stdout).toMatch(/\[restart\] kube-apiserver is healthy after [\d.]+s/);
    const renewed = await onDisk();
    expect(renewed).not.toBe(before);
    expect(await served()).toBe(renewed);
    expect(existsSync(join(cp2.root, 'etc/kubernetes/manifests/kube-apiserver.yaml'))).toBe(true);
    expect(readdirSync(join(cp2.root, 'etc/kubernetes/tmp/kgen-restart'))).toEqual([]);
    expect((await endpointHealth(cluster, ['cp1', 'cp2', 'cp3'])).code).toBe(0);
  }, 360_000);

  it('reset removes only the node\'s own member, one node after the other, and refuses the last voting member', async () => {
    expect(await memberNames()).toEqual(['cp1', 'cp2', 'cp3']);
    const cp3 = await cluster.node('cp3').runBoot(['reset', '--force'], { timeoutMs: 180_000 });
    expect(cp3.code, cp3.stdout + cp3.stderr).toBe(0);
    expect(cp3.stdout).toMatch(/\[reset\] Removing etcd member [0-9a-f]+ cp3 \(https:\/\/172\.31\.12\.13:2380\)/);
    expect(await memberNames()).toEqual(['cp1', 'cp2']);
    expect((await endpointHealth(cluster, ['cp1', 'cp2'])).code).toBe(0);
    const root = cluster.node('cp3').root;
    expect(readdirSync(join(root, 'etc/kubernetes/pki'))).toEqual([]);
    expect(readdirSync(join(root, 'var/lib/etcd'))).toEqual([]);
    expect(existsSync(join(root, 'etc/kgen/node.yaml'))).toBe(true);
    expect(existsSync(join(root, 'var/lib/kgen/status.json'))).toBe(false);

    const cp2 = await cluster.node('cp2').runBoot(['reset', '--force'], { timeoutMs: 180_000 });
    expect(cp2.code, cp2.stdout + cp2.stderr).toBe(0);
    expect(await memberNames()).toEqual(['cp1']);

    const cp1 = await cluster.node('cp1').runBoot(['reset', '--force'], { timeoutMs: 180_000 });
    expect(cp1.code).toBe(1);
    expect(cp1.stderr).toContain('is the only voting member: removing it would destroy the cluster\'s data');
    expect(await memberNames()).toEqual(['cp1']);
    expect((await endpointHealth(cluster, ['cp1'])).code).toBe(0);
    expect(existsSync(join(cluster.node('cp1').root, 'etc/kubernetes/pki/ca.key'))).toBe(true);
  }, 900_000);
});
