// The test kubelet's pure parts, table-driven: how systemd expands kubeadm's drop-in, which kubelet flags
// are accepted, how a static pod becomes a process (path rewriting, volume checks, etcd 3.4 table), and
// the CSR the TLS bootstrap sends, checked by openssl.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestedName, makeCertificateRequest } from './csr.js';
import { etcd34Args } from './etcd-compat.js';
import { parseKubeletFlags } from './kubelet-flags.js';
import { defaultPrograms, podProcess } from './pod-command.js';
import { KUBEADM_DROPIN, parseEnvironmentFile, resolveExecStart } from './systemd-unit.js';

const tmp = mkdtempSync(join(tmpdir(), 'kgen-kubelet-parts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('systemd EnvironmentFile and ExecStart', () => {
  it.each([
    ['kubeadm-flags.env as kubeadm writes it (Go %q)', 'KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.1 --node-labels=a=b"\n', { KUBELET_KUBEADM_ARGS: '--node-ip=10.0.0.1 --node-labels=a=b' }],
    ['escaped quotes in double quotes', 'A="x \\"y\\" z"', { A: 'x "y" z' }],
    ['single quotes are literal', "A='x \\n y'", { A: 'x \\n y' }],
    ['unquoted, trailing blanks trimmed; comments skipped', '# c\n; c\nA=--v=2   \n\n', { A: '--v=2' }],
    ['backslash-newline continues a line', 'A="--a=1 \\\n--b=2"', { A: '--a=1 --b=2' }],
  ])('parses %s', (_, text, expected) => {
    expect(parseEnvironmentFile(text, 'f')).toEqual(expected);
  });

  it.each([
    ['a line without =', 'KUBELET_KUBEADM_ARGS'],
    ['an unterminated quote', 'A="--x'],
    ['text after the closing quote', 'A="--x" --y'],
  ])('rejects %s', (_, text) => {
    expect(() => parseEnvironmentFile(text, 'f')).toThrow(/^f:1: /);
  });

  it("expands kubeadm's drop-in: $VAR splits into words, missing files are optional", async () => {
    const files: Record<string, string> = { '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--node-ip=10.99.0.11 --hostname-override=n1"\n' };
    const cmd = await resolveExecStart(KUBEADM_DROPIN, async (p) => files[p]);
    expect(cmd).toEqual({
      program: '/usr/bin/kubelet',
      args: ['--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--config=/var/lib/kubelet/config.yaml', '--node-ip=10.99.0.11', '--hostname-override=n1'],
    });
  });

  it('fails when a required EnvironmentFile is missing', async () => {
    await expect(resolveExecStart('[Service]\nEnvironmentFile=/etc/x\nExecStart=/usr/bin/kubelet', async () => undefined)).rejects.toThrow('EnvironmentFile /etc/x does not exist');
  });
});

describe('kubelet flags', () => {
  it('accepts what kubeadm passes, in both pflag forms', () => {
    const f = parseKubeletFlags(['--root', '/r', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--node-ip', '10.0.0.1',
      '--node-labels=node-role.kubernetes.io/worker=,zone=a', '--register-with-taints=node-role.kubernetes.io/control-plane:NoSchedule,k=v:NoExecute', '--v=2']);
    expect(f).toMatchObject({
      root: '/r',
      kubeconfig: '/etc/kubernetes/kubelet.conf',
      nodeIP: '10.0.0.1',
      nodeLabels: { 'node-role.kubernetes.io/worker': '', zone: 'a' },
      registerWithTaints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }, { key: 'k', value: 'v', effect: 'NoExecute' }],
    });
  });

  it.each([
    ['an unknown flag', ['--root=/r', '--max-pod=3'], 'unknown flag: --max-pod'],
    ['a flag removed from the kubelet', ['--root=/r', '--container-runtime=remote'], 'unknown flag: --container-runtime'],
    ['a taint with a bad effect', ['--root=/r', '--register-with-taints=a:Sometimes'], 'is not key[=value]:effect'],
    ['a label without =', ['--root=/r', '--node-labels=a'], '"a" is not key=value'],
    ['a missing --root', ['--kubeconfig=/x'], '--root is required'],
    ['a positional argument', ['--root=/r', 'extra'], 'unexpected argument "extra"'],
  ])('rejects %s', (_, argv, message) => {
    expect(() => parseKubeletFlags(argv)).toThrow(message);
  });
});

describe('static pod to process', () => {
  const programs = defaultPrograms('/build/test');
  const pod = (command: string[], volumes: unknown[], mounts: unknown[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kube-apiserver', namespace: 'kube-system' },
    spec: { hostNetwork: true, containers: [{ name: 'kube-apiserver', command, volumeMounts: mounts }], volumes },
  });
  const k8s = { name: 'k8s-certs', hostPath: { path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate' } };
  const k8sMount = { name: 'k8s-certs', mountPath: '/etc/kubernetes/pki', readOnly: true };

  it('maps the command to the test program and rewrites paths under the mounts to root + hostPath', () => {
    const root = join(tmp, 'a');
    const p = podProcess(root, pod(['kube-apiserver', '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt', '--etcd-servers=https://127.0.0.1:2379', '--secure-port=6443'], [k8s], [k8sMount]), programs);
    expect(p.command).toBe(process.execPath);
    expect(p.args).toEqual(['/build/test/kube-apiserver.mjs', `--tls-cert-file=${root}/etc/kubernetes/pki/apiserver.crt`, '--etcd-servers=https://127.0.0.1:2379', '--secure-port=6443']);
  });

  it('follows the mount, not the path: a mount of another host directory redirects the flag', () => {
    const root = join(tmp, 'b');
    const vol = { name: 'k8s-certs', hostPath: { path: '/srv/pki', type: 'DirectoryOrCreate' } };
    const p = podProcess(root, pod(['kube-apiserver', '--client-ca-file=/etc/kubernetes/pki/ca.crt'], [vol], [k8sMount]), programs);
    expect(p.args[1]).toBe(`--client-ca-file=${root}/srv/pki/ca.crt`);
  });

  it('uses the longest matching mount', () => {
    const root = join(tmp, 'c');
    const etcdVol = { name: 'etcd', hostPath: { path: '/other/etcd', type: 'DirectoryOrCreate' } };
    const p = podProcess(root, pod(['kube-apiserver', '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt'], [k8s, etcdVol], [k8sMount, { name: 'etcd', mountPath: '/etc/kubernetes/pki/etcd' }]), programs);
    expect(p.args[1]).toBe(`--etcd-cafile=${root}/other/etcd/ca.crt`);
  });

  it('translates etcd 3.6 flags with the explicit 3.4 table and keeps everything else', () => {
    expect(etcd34Args(['--feature-gates=InitialCorruptCheck=true', '--watch-progress-notify-interval=5s', '--name=n1'])).toEqual([
      '--experimental-initial-corrupt-check=true',
      '--experimental-watch-progress-notify-interval=5s',
      '--name=n1',
    ]);
    expect(() => etcd34Args(['--feature-gates=SomethingNew=true'])).toThrow('SomethingNew has no etcd 3.4 equivalent');
  });

  it.each([
    ['a path outside every mount', pod(['kube-apiserver', '--service-account-key-file=/etc/sa.pub'], [k8s], [k8sMount]), '--service-account-key-file names /etc/sa.pub, which no volumeMount'],
    ['an unknown program', pod(['kube-proxy'], [], []), 'no test program for command "kube-proxy"'],
    ['a mount naming no volume', pod(['kube-apiserver'], [], [k8sMount]), 'names volume "k8s-certs", which the pod does not define'],
    ['a non-hostPath volume', pod(['kube-apiserver'], [{ name: 'x', emptyDir: {} }], []), 'volume "x" is not a hostPath volume'],
    ['a missing Directory volume', pod(['kube-apiserver'], [{ name: 'x', hostPath: { path: '/nope', type: 'Directory' } }], []), 'directory /nope does not exist'],
    ['a pod without hostNetwork', { ...pod(['kube-apiserver'], [], []), spec: { containers: [{ name: 'c', command: ['kube-apiserver'] }] } }, 'must set hostNetwork: true'],
  ])('rejects %s', (_, manifest, message) => {
    expect(() => podProcess(join(tmp, 'd'), manifest, programs)).toThrow(message);
  });

  it('creates DirectoryOrCreate and FileOrCreate host paths under the root', () => {
    const root = join(tmp, 'e');
    mkdirSync(root);
    podProcess(root, pod(['kube-scheduler'], [{ name: 'k', hostPath: { path: '/etc/kubernetes/scheduler.conf', type: 'FileOrCreate' } }, k8s], []), programs);
    expect(() => writeFileSync(join(root, 'etc/kubernetes/pki/probe'), '')).not.toThrow();
    expect(execFileSync('stat', ['-c', '%F', join(root, 'etc/kubernetes/scheduler.conf')]).toString().trim()).toMatch(/regular/);
  });
});

describe('kubelet client CSR', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subject = { commonName: 'system:node:n1', organizations: ['system:nodes'] };

  it('is a valid PKCS#10 request for O=system:nodes, CN=system:node:<name> with a P-256 key (openssl)', () => {
    const path = join(tmp, 'req.pem');
    writeFileSync(path, makeCertificateRequest(privateKey, subject));
    const text = execFileSync('openssl', ['req', '-in', path, '-noout', '-verify', '-text'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    expect(text).toMatch(/Subject: O\s?=\s?system:nodes, CN\s?=\s?system:node:n1/);
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/Attributes:\s+\(none\)/);
  });

  it('names the request after key, subject and usages, like upstream digestedName', () => {
    const usages = ['digital signature', 'client auth'];
    const name = digestedName(privateKey, subject, usages);
    expect(name).toMatch(/^node-csr-[A-Za-z0-9_-]{43}$/);
    expect(digestedName(privateKey, subject, usages)).toBe(name);
    expect(digestedName(privateKey, { ...subject, commonName: 'system:node:n2' }, usages)).not.toBe(name);
    expect(digestedName(privateKey, subject, ['client auth', 'digital signature'])).not.toBe(name);
  });
});
