// The init phases that only touch the node (preflight .. kubelet-start) run for real against a temp root,
// checked with openssl and kubectl (real peers); the whole workflow runs as a dry run. The phases that
// need an API server are covered by test/init.integration.test.ts against the test control plane.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../cli.js';
import type { NodeBootConfig } from '../../../contract/config.js';
import { captureIO, kubeletStub, realInitConfig, testNode } from '../../test-node.js';
import { generateKeyPair, KeyPool } from '../../../pki/keys.js';
import { createLogger } from '../../log.js';
import { createBootData } from '../../data.js';
import { phasesFor } from '../index.js';
import { certsPhase } from './certs.js';

// Other tests on this machine may hold these ports on 127.0.0.1; the checks still run and warn.
const PORTS = ['Port-6443', 'Port-10259', 'Port-10257', 'Port-2379', 'Port-2380', 'Port-10250'];

let config: NodeBootConfig;
beforeAll(async () => {
  config = await realInitConfig((c) => (c.cluster.ignorePreflightErrors = PORTS));
});

const mode = (root: string, path: string) => statSync(join(root, path)).mode & 0o777;
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' });

describe('init phases on a node root', () => {
  it('preflight .. kubelet-start write kubeadm-shaped files, and a second pass keeps them', async () => {
    const node = testNode(config);
    const run = async (phase: string) => {
      const c = captureIO();
      const code = await main(['phase', phase, '--root', node.root], c.io, node.deps);
      expect(code, c.err()).toBe(0);
      return c.out();
    };
    const out = [];
    for (const p of ['preflight', 'certs', 'kubeconfig', 'etcd', 'control-plane', 'kubelet-start']) out.push(await run(p));
    const text = out.join('');
    expect(text).toContain('[certs] Generating "apiserver" certificate and key');
    expect(text).toContain('[certs] apiserver serving cert is signed for DNS names [cp1 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local] and IPs [10.96.0.1 10.0.0.11 10.0.0.10]');
    expect(text).toContain('[kubeconfig] Writing "super-admin.conf" kubeconfig file');
    expect(text).toContain('[control-plane] Creating static Pod manifest for "kube-apiserver"');
    expect(text).toContain('[kubelet-start] Starting the kubelet');
    expect(node.services.actions).toEqual(['restart kubelet']);

    const pki = 'etc/kubernetes/pki';
    expect(readdirSync(join(node.root, pki)).sort()).toEqual(
      ['apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client', 'ca', 'front-proxy-ca', 'front-proxy-client']
        .flatMap((n) => [`${n}.crt`, `${n}.key`])
        .concat(['etcd', 'sa.key', 'sa.pub'])
        .sort(),
    );
    for (const key of ['ca.key', 'apiserver.key', 'sa.key', 'etcd/peer.key']) expect(mode(node.root, `${pki}/${key}`)).toBe(0o600);
    expect(mode(node.root, `${pki}/apiserver.crt`)).toBe(0o644);
    for (const [cert, ca] of [['apiserver', 'ca'], ['front-proxy-client', 'front-proxy-ca'], ['etcd/server', 'etcd/ca']]) {
      expect(openssl('verify', '-CAfile', join(node.root, pki, `${ca}.crt`), join(node.root, pki, `${cert}.crt`)).trim()).toMatch(/: OK$/);
    }
    for (const conf of ['admin', 'super-admin', 'kubelet', 'controller-manager', 'scheduler']) {
      const path = join(node.root, `etc/kubernetes/${conf}.conf`);
      expect(mode(node.root, `etc/kubernetes/${conf}.conf`)).toBe(0o600);
      const server = execFileSync('kubectl', ['--kubeconfig', path, 'config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}'], { encoding: 'utf8' });
      expect(server).toMatch(/^https:\/\/10\.0\.0\.1[01]:6443$/);
    }
    for (const m of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const pod = parse(readFileSync(join(node.root, `etc/kubernetes/manifests/${m}.yaml`), 'utf8'));
      expect(pod.kind).toBe('Pod');
      expect(pod.spec.containers[0].command[0]).toBe(m);
    }
    expect(readFileSync(join(node.root, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8')).toMatch(/^KUBELET_KUBEADM_ARGS=".*--container-runtime-endpoint=unix:\/\/\/run\/containerd\/containerd.sock/);
    expect(parse(readFileSync(join(node.root, 'var/lib/kubelet/config.yaml'), 'utf8')).kind).toBe('KubeletConfiguration');

    const before = readFileSync(join(node.root, pki, 'apiserver.crt'), 'utf8');
    const adminBefore = readFileSync(join(node.root, 'etc/kubernetes/admin.conf'), 'utf8');
    const again = (await run('certs')) + (await run('kubeconfig'));
    expect(again).toContain('[certs] Using existing apiserver certificate and key on disk');
    expect(again).toContain('[certs] Using existing ca certificate authority');
    expect(again).toContain('[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/admin.conf"');
    expect(readFileSync(join(node.root, pki, 'apiserver.crt'), 'utf8')).toBe(before);
    expect(readFileSync(join(node.root, 'etc/kubernetes/admin.conf'), 'utf8')).toBe(adminBefore);

    const log = readFileSync(join(node.root, 'var/log/kgen-boot.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[init\] Using Kubernetes version: v1\.33\.2$/m);
    expect(log).not.toContain('PRIVATE KEY');
  });

  it('refuses a CA on disk that is not the cluster CA from node.yaml', async () => {
    const node = testNode(config);
    const other = await realInitConfig();
    const c0 = captureIO();
    expect(await main(['phase', 'certs/ca', '--root', node.root], c0.io, node.deps)).toBe(0);
    const foreign = testNode(other);
    const c1 = captureIO();
    expect(await main(['phase', 'certs/ca', '--root', foreign.root], c1.io, foreign.deps)).toBe(0);
    // Put node A's CA under node B's root.
    execFileSync('cp', [join(node.root, 'etc/kubernetes/pki/ca.crt'), join(foreign.root, 'etc/kubernetes/pki/ca.crt')]);
    const c2 = captureIO();
    expect(await main(['phase', 'certs/ca', '--root', foreign.root], c2.io, foreign.deps)).toBe(3);
    expect(c2.err()).toContain('error execution phase certs/ca failed: /etc/kubernetes/pki/ca.crt exists but is not the cluster\'s ca from node.yaml');
  });
});

describe('kubelet-start on a node with or without systemd-resolved', () => {
  const RESOLVED = '/run/systemd/resolve/resolv.conf';
  const WARNING = `The recommended value for "resolvConf" in "KubeletConfiguration" is: ${RESOLVED}; the provided value is: /etc/resolv.conf`;
  it.each<[string, string[], string | undefined, string | undefined, string | undefined]>([
    ['not active: resolvConf stays unset', [], undefined, undefined, undefined],
    ['active: resolvConf is systemd-resolved\'s file', ['systemd-resolved'], undefined, RESOLVED, undefined],
    ['active, the node sets its own: kept, with kubeadm\'s warning', ['systemd-resolved'], '/etc/resolv.conf', '/etc/resolv.conf', WARNING],
    ['not active, the node sets its own: kept, no warning', [], '/etc/resolv.conf', '/etc/resolv.conf', undefined],
  ])('%s', async (_name, activeServices, nodeResolvConf, written, warning) => {
    const node = testNode({ ...config, node: { ...config.node, kubelet: { ...config.node.kubelet, resolvConf: nodeResolvConf } } }, { activeServices });
    const c = captureIO();
    expect(await main(['phase', 'kubelet-start', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    expect(parse(readFileSync(join(node.root, 'var/lib/kubelet/config.yaml'), 'utf8')).resolvConf).toBe(written);
    if (warning) expect(c.out() + c.err()).toContain(`[kubelet-start] WARNING: ${warning}`);
    else expect(c.out() + c.err()).not.toContain('WARNING');
  });

  it('a node that cannot say (no systemd) gets no resolvConf and kubeadm\'s warning', async () => {
    const node = testNode(config);
    node.services.isActive = async () => {
      throw new Error('cannot run systemctl: spawn systemctl ENOENT');
    };
    const c = captureIO();
    expect(await main(['phase', 'kubelet-start', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    expect(parse(readFileSync(join(node.root, 'var/lib/kubelet/config.yaml'), 'utf8')).resolvConf).toBeUndefined();
    expect(c.out() + c.err()).toContain('[kubelet-start] WARNING: cannot determine if systemd-resolved is active: cannot run systemctl: spawn systemctl ENOENT');
  });
});

describe('cluster variants', () => {
  it('encryption at rest: writes the EncryptionConfiguration (0600) the apiserver flag points at', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const node = testNode({ ...config, cluster: { ...config.cluster, encryptionAtRest: true }, secrets: { ...config.secrets!, encryptionKey: key } });
    const c = captureIO();
    expect(await main(['phase', 'certs', '--root', node.root], captureIO().io, node.deps)).toBe(0);
    expect(await main(['phase', 'control-plane/apiserver', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    const file = 'etc/kubernetes/pki/encryption-config.yaml';
    expect(mode(node.root, file)).toBe(0o600);
    expect(parse(readFileSync(join(node.root, file), 'utf8')).kind).toBe('EncryptionConfiguration');
    const pod = parse(readFileSync(join(node.root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'));
    expect(pod.spec.containers[0].command).toContain('--encryption-provider-config=/etc/kubernetes/pki/encryption-config.yaml');
    expect(c.out()).not.toContain(key);
  });

  it('external etcd: writes the client material, skips the etcd CA, its leaves and the etcd manifest', async () => {
    const ext = { ca: config.secrets!.etcdCA!.cert, cert: config.secrets!.etcdCA!.cert, key: config.secrets!.etcdCA!.key };
    const { etcdCA: _drop, ...secrets } = config.secrets!;
    const node = testNode({
      ...config,
      cluster: { ...config.cluster, etcd: { external: { endpoints: ['https://10.0.0.50:2379'] } } },
      secrets: { ...secrets, externalEtcd: ext },
    });
    for (const phase of ['certs', 'etcd']) {
      const c = captureIO();
      expect(await main(['phase', phase, '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    }
    const pki = join(node.root, 'etc/kubernetes/pki');
    expect(readdirSync(pki)).toEqual(expect.arrayContaining(['external-etcd-ca.crt', 'external-etcd.crt', 'external-etcd.key']));
    expect(readdirSync(pki)).not.toContain('etcd');
    expect(readdirSync(pki)).not.toContain('apiserver-etcd-client.crt');
    expect(mode(node.root, 'etc/kubernetes/pki/external-etcd.key')).toBe(0o600);
    expect(existsSync(join(node.root, 'etc/kubernetes/manifests/etcd.yaml'))).toBe(false);
    const status = JSON.parse(readFileSync(join(node.root, 'var/lib/kgen/status.json'), 'utf8'));
    expect(status.phases.find((p: { phase: string }) => p.phase === 'certs/etcd-server').outcome).toBe('skipped');
  });
});

describe('preflight', () => {
  it('fails clearly when the node has no kubelet, and names the check to ignore', async () => {
    const node = testNode(config, { withKubelet: false });
    const c = captureIO();
    expect(await main(['run', '--root', node.root], c.io, node.deps)).toBe(3);
    expect(c.err()).toContain('error execution phase preflight failed: some fatal errors occurred:');
    expect(c.err()).toContain('[ERROR FileExisting-kubelet]: kubelet not found in system path (nor at /usr/bin/kubelet); this node image has no kubelet.');
    expect(c.err()).toContain('cluster.ignorePreflightErrors');
    const status = JSON.parse(readFileSync(join(node.root, 'var/lib/kgen/status.json'), 'utf8'));
    expect(status).toMatchObject({ state: 'failed', phases: [{ phase: 'preflight', outcome: 'failed' }] });
    expect(existsSync(join(node.root, 'etc/kubernetes'))).toBe(false);
  });

  it.each([
    ['the check name', ['FileExisting-kubelet']],
    ['its lower-case name', ['fileexisting-kubelet']],
    ['all', ['all']],
  ])('turns an ignored failure into a warning when ignorePreflightErrors has %s', async (_n, ignore) => {
    const node = testNode({ ...config, cluster: { ...config.cluster, ignorePreflightErrors: [...PORTS, ...ignore] } }, { withKubelet: false });
    const c = captureIO();
    expect(await main(['phase', 'preflight', '--root', node.root], c.io, node.deps)).toBe(0);
    expect(c.out()).toContain('\t[WARNING FileExisting-kubelet]: kubelet not found in system path');
  });

  it.each([
    ['ip_forward off', 'proc/sys/net/ipv4/ip_forward', '0\n', '[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1'],
    ['swap on', 'proc/swaps', 'Filename Type Size Used Priority\n/swapfile file 1024 0 -2\n', '[ERROR Swap]: running with swap on is not supported (1 active swap device(s) in /proc/swaps)'],
  ])('fails with %s', async (_n, file, content, message) => {
    const node = testNode(config);
    execFileSync('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', content, join(node.root, file)]);
    const c = captureIO();
    expect(await main(['phase', 'preflight', '--root', node.root], c.io, node.deps)).toBe(3);
    expect(c.err()).toContain(message);
  });
});

describe('preflight KubeletVersion (kubeadm KubeletVersionCheck)', () => {
  it.each([
    ['a kubelet newer than the control plane', 'echo "Kubernetes v1.34.1"', '[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "v1.34.1" Control plane version: "v1.33.2"'],
    ['a kubelet four minors older', 'echo "Kubernetes v1.29.9"', '[ERROR KubeletVersion]: Kubelet version "v1.29.9" is lower than kgen can support with control plane v1.33.2'],
    ['a kubelet that prints no version', 'true', '[ERROR KubeletVersion]: couldn\'t get kubelet version'],
  ])('fails with %s', async (_n, body, message) => {
    const node = testNode(config);
    writeFileSync(join(node.root, 'usr/bin/kubelet'), `#!/bin/sh\n${body}\n`);
    const c = captureIO();
    expect(await main(['phase', 'preflight', '--root', node.root], c.io, node.deps)).toBe(3);
    expect(c.err()).toContain(message);
  });

  it('passes with the same minor or up to three older, and can be ignored by name', async () => {
    for (const version of ['v1.33.0', 'v1.30.0']) {
      const node = testNode(config);
      writeFileSync(join(node.root, 'usr/bin/kubelet'), kubeletStub(version));
      const c = captureIO();
      expect(await main(['phase', 'preflight', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    }
    const node = testNode({ ...config, cluster: { ...config.cluster, ignorePreflightErrors: ['KubeletVersion'] } });
    writeFileSync(join(node.root, 'usr/bin/kubelet'), kubeletStub('v1.35.0'));
    const c = captureIO();
    expect(await main(['phase', 'preflight', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    expect(c.out() + c.err()).toContain('[WARNING KubeletVersion]: the kubelet version is higher than the control plane version');
  });
});

describe('kgen-boot run --dry-run', () => {
  it('walks the whole init workflow, printing instead of writing or sending, and never prints a secret', async () => {
    const node = testNode(config);
    const c = captureIO();
    const code = await main(['run', '--dry-run', '--root', node.root], c.io, {
      ...node.deps,
      timeouts: { controlPlaneMs: 1000, apiObjectMs: 1000, pollMs: 10 },
    });
    expect(code, c.err()).toBe(0);
    const out = c.out();
    expect(out).toContain('[dryrun] Would write file "/etc/kubernetes/pki/apiserver.key" with content:\n<redacted>\n');
    expect(out).toContain('[dryrun] Would write file "/etc/kubernetes/manifests/kube-apiserver.yaml" with content:\napiVersion: v1\nkind: Pod\n');
    expect(out).toContain('[dryrun] Would restart the kubelet service');
    expect(out).toContain('[dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"\n[dryrun] Attached object:\napiVersion: v1\nkind: Secret\n');
    expect(out).toContain('[dryrun] Would perform action CREATE on resource "configmaps" in API group "core/v1"\n[dryrun] Attached object:\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\n  namespace: kube-public\ndata:\n  kubeconfig: |\n');
    expect(out).toContain('[addons] Applied essential addon: CoreDNS');
    expect(out).toContain('Your Kubernetes control-plane has initialized successfully!');
    for (const secret of [config.secrets!.bootstrapTokens[0]!.secret, config.certificateKey!, 'PRIVATE KEY']) expect(out).not.toContain(secret);
    expect(node.services.actions).toEqual([]);
    expect(existsSync(join(node.root, 'etc/kubernetes'))).toBe(false);
    expect(existsSync(join(node.root, 'var/lib/kgen/status.json'))).toBe(false);
    expect(existsSync(join(node.root, 'var/log/kgen-boot.log'))).toBe(false);
  });
});

describe('run --skip-phases (kubeadm init --skip-phases)', () => {
  const others = (keep: string[]) => phasesFor('init').map((p) => p.name).filter((n) => !keep.includes(n)).join(',');

  it('runs only the phases left, records only them, and says what it skipped', async () => {
    const node = testNode(config);
    const c = captureIO();
    expect(await main(['run', '--skip-phases', others(['certs', 'kubeconfig']), '--root', node.root], c.io, node.deps), c.err()).toBe(0);
    expect(c.out()).toContain('[preflight] Skipping phase preflight: named in --skip-phases');
    expect(c.out()).toContain('[kubeconfig] Writing "super-admin.conf" kubeconfig file');
    const record = JSON.parse(readFileSync(join(node.root, 'var/lib/kgen/status.json'), 'utf8'));
    expect(new Set(record.phases.map((p: { phase: string }) => p.phase.split('/')[0]))).toEqual(new Set(['certs', 'kubeconfig']));
    expect(record.state).toBe('succeeded');
    expect(existsSync(join(node.root, 'etc/kubernetes/manifests'))).toBe(false);
  });

  it('refuses an unknown name, a skipped dependency, and the flag on `phase`', async () => {
    const node = testNode(config);
    const unknown = captureIO();
    expect(await main(['run', '--skip-phases', 'certs,addon/coredsn', '--root', node.root], unknown.io, node.deps)).toBe(1);
    expect(unknown.err()).toContain('unknown phase "addon/coredsn"; expected one of:');
    const dependency = captureIO();
    expect(await main(['run', '--skip-phases', `certs,${others(['certs', 'kubeconfig'])}`, '--root', node.root], dependency.io, node.deps)).toBe(3);
    expect(dependency.err()).toContain('it depends on phase "certs/ca", which has not completed');
    const onPhase = captureIO();
    expect(await main(['phase', 'certs', '--skip-phases', 'certs/sa', '--root', node.root], onPhase.io, node.deps)).toBe(1);
    expect(onPhase.err()).toContain('--skip-phases is a flag of `kgen-boot run`');
  });

  it("warms the kubeconfig phase's keys with the certs phase's when both run: one batch", async () => {
    const started = async (plan: string[]) => {
      const node = testNode(config);
      const host = node.deps.host!({ root: node.root });
      const log = createLogger({ stdout: () => undefined, clock: host.clock });
      let count = 0;
      const keys = new KeyPool('ECDSA-P256', (algorithm) => (count++, generateKeyPair(algorithm)));
      const data = { ...createBootData({ config, host, log, transport: () => async () => ({ status: 500, body: '' }), plan }), keys };
      await certsPhase().run!(data);
      return count;
    };
    expect(await started(['certs', 'kubeconfig'])).toBe(7 + 5);
    expect(await started(['certs'])).toBe(7);
  });
});
