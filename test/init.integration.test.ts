// kgen-boot `run` on an init control-plane node, end to end on one machine: the node is a root directory
// plus a network namespace (test/cluster), its kubelet is the test kubelet (started through systemctl as
// kgen-boot starts it), which runs the static pods kgen-boot wrote: real etcd from the etcd manifest's own
// command line, the test kube-apiserver and kube-controller-manager, the test scheduler. A TCP forwarder
// plays the control-plane load balancer. Everything kgen-boot created is then read back with kubectl
// using the admin.conf it wrote (which only works once its kubeadm:cluster-admins binding exists).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeBootConfig } from '../src/contract/config.js';
import { kubeletStub, realInitConfig } from '../src/boot/test-node.js';
import { caCertHash } from '../src/pki/index.js';
import { openKubeadmCert } from '../src/cluster/kubeadm-certs.js';
import { rfc3339 } from '../src/secrets/tokens.js';
import { toYaml } from '../src/yaml.js';
import { HARNESS_PROGRAMS, buildClusterPrograms } from './cluster/build-programs.js';
import { startLoadBalancer } from './cluster/load-balancer.js';
import { createFabric, destroyFabric, type Fabric } from './cluster/netns.js';
import { createTestNode, type TestNode } from './cluster/node.js';
import { REPO_ROOT, sourceExists } from './cluster/programs.js';
import { buildBootProgram } from './esbuild-options.js';
import { prepareNodeImage } from './cluster/node-image.js';

const API_SERVER = 'test/controlplane/kube-apiserver-main.ts';
const CONTROLLER_MANAGER = 'test/controlplane/kube-controller-manager-main.ts';
const LB = '10.99.0.2';
const CP = '10.99.0.11';

let fabric: Fabric;
let cp: TestNode;
let config: NodeBootConfig;
let failedRun: { code: number; stdout: string; stderr: string };
let firstRun: { code: number; stdout: string; stderr: string };
/** The tail of every static pod's log and the kubelet's, to explain a failed run. */
let podLogs = '';
const scratch = mkdtempSync(join(tmpdir(), 'kgen-init-it-'));
const bundle = join(scratch, 'kgen-boot.mjs');

/** kgen-boot bundled exactly as scripts/build.mjs does, without depending on the rest of the build. */
async function buildBoot(): Promise<void> {
  await buildBootProgram(`${REPO_ROOT}src/boot/main.ts`, bundle);
}

const boot = (args: string[]) => cp.exec(process.execPath, [bundle, ...args, '--root', cp.root], { timeoutMs: 300_000 });

async function kubectl(args: string[]): Promise<string> {
  const r = await cp.exec('kubectl', ['--kubeconfig', join(cp.root, 'etc/kubernetes/admin.conf'), ...args], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}
const getJson = async (path: string) => JSON.parse(await kubectl(['get', '--raw', path]));


describe.skipIf(!sourceExists(API_SERVER) || !sourceExists(CONTROLLER_MANAGER))('kgen-boot run on the init node (test control plane)', () => {
  beforeAll(async () => {
    await Promise.all([buildClusterPrograms([...HARNESS_PROGRAMS, API_SERVER, CONTROLLER_MANAGER]), buildBoot()]);
    fabric = await createFabric();
    cp = await createTestNode(fabric, { name: 'cp1', address: CP });
    await startLoadBalancer(fabric, { address: LB, backends: [CP] });
    config = await realInitConfig((c) => {
      c.node.address = CP;
      c.cluster.controlPlaneEndpoint = { host: LB, port: 6443 };
      c.discovery.apiServerEndpoint = `${LB}:6443`;
      c.secrets!.bootstrapTokens[0]!.expiration = rfc3339(new Date(Date.now() + 3600_000));
    });
    config.discovery.caCertHashes = [caCertHash(config.secrets!.ca.cert)];
    prepareNodeImage(cp.root, { kubelet: false });
    writeFileSync(join(cp.root, 'etc/kgen/node.yaml'), toYaml(config), { mode: 0o600 });
    // First boot on an image without a kubelet: preflight fails; then the package appears and a second
    // run picks up from the failed phase.
    failedRun = await boot(['run']);
    writeFileSync(join(cp.root, 'usr/bin/kubelet'), kubeletStub(config.cluster.kubernetesVersion));
    chmodSync(join(cp.root, 'usr/bin/kubelet'), 0o755);
    firstRun = await boot(['run']);
    if (firstRun.code !== 0) {
      const dir = join(cp.root, 'var/log/pods');
      const logs = existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
      podLogs = [...logs, join(cp.root, 'var/log/kubelet.log')]
        .filter((f) => existsSync(f))
        .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-25).join('\n')}`)
        .join('\n');
    }
  }, 420_000);

  afterAll(async () => {
    await cp?.services.stop('kubelet').catch(() => undefined);
    if (fabric) await destroyFabric(fabric);
    cp?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('fails preflight on an image without a kubelet, recording the failure', () => {
    expect(failedRun.code).toBe(3);
    expect(failedRun.stderr).toContain('[ERROR FileExisting-kubelet]: kubelet not found in system path');
    expect(failedRun.stdout).not.toContain('[certs]');
  });

  it('completes every init phase once the kubelet is installed and says so', () => {
    expect(firstRun.code, `${firstRun.stderr}\n${podLogs}`).toBe(0);
    const out = firstRun.stdout;
    const order = [
      '[preflight] Running pre-flight checks',
      '[certs] Generating "apiserver" certificate and key',
      '[kubeconfig] Writing "admin.conf" kubeconfig file',
      '[etcd] Creating static Pod manifest for local etcd',
      '[control-plane] Creating static Pod manifest for "kube-apiserver"',
      '[kubelet-start] Starting the kubelet',
      '[kubelet-check] The kubelet is healthy after',
      '[control-plane-check] kube-apiserver is healthy after',
      '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config"',
      '[upload-certs] Storing the certificates in Secret "kubeadm-certs"',
      '[mark-control-plane] Marking the node cp1 as control-plane',
      '[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace',
      '[addons] Applied essential addon: CoreDNS',
      '[addons] Applied essential addon: kube-proxy',
      'Your Kubernetes control-plane has initialized successfully!',
    ];
    let at = -1;
    for (const line of order) {
      const next = out.indexOf(line, at + 1);
      expect(next, `"${line}" after position ${at}`).toBeGreaterThan(at);
      at = next;
    }
    for (const secret of [config.secrets!.bootstrapTokens[0]!.secret, config.certificateKey!, 'PRIVATE KEY']) expect(out).not.toContain(secret);
  });

  it('records every phase as done in status.json, and `status` exits 0', async () => {
    const record = JSON.parse(readFileSync(join(cp.root, 'var/lib/kgen/status.json'), 'utf8'));
    expect(record.state).toBe('succeeded');
    expect(record.phases.filter((p: { outcome: string }) => !['done', 'skipped'].includes(p.outcome))).toEqual([]);
    expect((await boot(['status'])).code).toBe(0);
  });

  it('uploads kubeadm-config and kubelet-config, readable by admin.conf through kubeadm:cluster-admins', async () => {
    const kubeadmConfig = await getJson('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    expect(kubeadmConfig.data.ClusterConfiguration).toContain('kind: ClusterConfiguration');
    const kubeletConfig = await getJson('/api/v1/namespaces/kube-system/configmaps/kubelet-config');
    expect(kubeletConfig.data.kubelet).toContain('kind: KubeletConfiguration');
    const binding = await getJson('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:cluster-admins');
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }]);
  });

  it('stores kubeadm-certs sealed with the certificate key, owned by a bootstrap token Secret', async () => {
    const secret = await getJson('/api/v1/namespaces/kube-system/secrets/kubeadm-certs');
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'etcd-ca.crt', 'etcd-ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub']);
    const open = (k: string) => openKubeadmCert(config.certificateKey!, Buffer.from(secret.data[k], 'base64')).toString('utf8');
    expect(open('ca.crt')).toBe(config.secrets!.ca.cert);
    expect(open('etcd-ca.key')).toBe(config.secrets!.etcdCA!.key);
    const [owner] = secret.metadata.ownerReferences;
    expect(owner).toMatchObject({ apiVersion: 'v1', kind: 'Secret', controller: true, blockOwnerDeletion: true });
    const ownerSecret = await getJson(`/api/v1/namespaces/kube-system/secrets/${owner.name}`);
    expect(ownerSecret.metadata.uid).toBe(owner.uid);
    expect(ownerSecret.type).toBe('bootstrap.kubernetes.io/token');
  });

  it('registers the bootstrap token and cluster-info, which the bootstrapsigner signs for the token', { timeout: 90_000 }, async () => {
    const token = config.secrets!.bootstrapTokens[0]!;
    const secret = await getJson(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${token.id}`);
    expect(Buffer.from(secret.data['token-id'], 'base64').toString()).toBe(token.id);
    const info = await getJson('/api/v1/namespaces/kube-public/configmaps/cluster-info');
    expect(info.data.kubeconfig).toContain(`server: https://${LB}:6443`);
    const signed = await (async () => {
      for (let i = 0; i < 60; i++) {
        const cm = await getJson('/api/v1/namespaces/kube-public/configmaps/cluster-info');
        if (cm.data[`jws-kubeconfig-${token.id}`]) return cm;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return undefined;
    })();
    expect(signed?.data[`jws-kubeconfig-${token.id}`]).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
  });

  it('marks the node as control-plane and installs CoreDNS and kube-proxy', async () => {
    const node = await getJson('/api/v1/nodes/cp1');
    expect(node.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' });
    expect(node.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    expect((await getJson('/apis/apps/v1/namespaces/kube-system/deployments/coredns')).kind).toBe('Deployment');
    expect((await getJson('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy')).kind).toBe('DaemonSet');
  });

  it('verifies the generated certificates with openssl', () => {
    const pki = join(cp.root, 'etc/kubernetes/pki');
    expect(execFileSync('openssl', ['verify', '-CAfile', join(pki, 'ca.crt'), join(pki, 'apiserver.crt')], { encoding: 'utf8' })).toMatch(/OK/);
    expect(existsSync(join(pki, 'etcd/server.crt'))).toBe(true);
  });

  it('a second run skips every completed phase and changes nothing', async () => {
    const before = readFileSync(join(cp.root, 'etc/kubernetes/pki/apiserver.crt'), 'utf8');
    const again = await boot(['run']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('[certs] Skipping phase certs/apiserver: completed by an earlier run');
    expect(again.stdout).not.toContain('Generating');
    expect(readFileSync(join(cp.root, 'etc/kubernetes/pki/apiserver.crt'), 'utf8')).toBe(before);
  }, 300_000);
});
