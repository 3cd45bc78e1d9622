import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { createHost } from './host.js';
import { NodeConfigError, checkNodeConfig, nodeRole, parseNodeConfig, readNodeConfig } from './node-config.js';
import { CERT_KEY, TOKEN_SECRET, configFor } from './test-fixtures.js';

type Mutation = (doc: Record<string, any>) => void;

function problemsOf(doc: unknown): string[] {
  try {
    checkNodeConfig(doc, '/etc/kgen/node.yaml');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(NodeConfigError);
    return (err as NodeConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}

const mutated = (role: Parameters<typeof configFor>[0], mutate: Mutation) => {
  const doc = structuredClone(configFor(role)) as unknown as Record<string, any>;
  mutate(doc);
  return doc;
};

describe('checkNodeConfig', () => {
  it.each(['init', 'control-plane-join', 'worker'] as const)('accepts a valid %s config and derives its role', (role) => {
    expect(problemsOf(configFor(role))).toEqual([]);
    expect(nodeRole(checkNodeConfig(configFor(role), 'x'))).toBe(role);
  });

  it('accepts init keys in the forms kubeadm writes (SEC1, PKCS#1) as well as PKCS#8 (states from older kgen versions)', () => {
    const sec1 = (pem: string) => createPrivateKey(pem).export({ type: 'sec1', format: 'pem' }) as string;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
    const doc = mutated('init', (d) => {
      d.secrets.ca.key = sec1(d.secrets.ca.key);
      d.secrets.sa = { key: rsa.privateKey, pub: rsa.publicKey };
    });
    expect(doc.secrets.ca.key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(doc.secrets.sa.key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(doc.secrets.frontProxyCA.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(problemsOf(doc)).toEqual([]);
    expect(problemsOf(mutated('init', (d) => (d.secrets.sa.key = rsa.privateKey)))).toEqual([
      'secrets.sa: the service-account public key does not belong to the private key, or one of them does not parse (values not shown)',
    ]);
  });

  it.each<[string, Parameters<typeof configFor>[0], Mutation, string]>([
    ['wrong apiVersion', 'worker', (d) => (d.apiVersion = 'v1'), 'apiVersion: found "v1", expected "kgen.dev/v1alpha1"'],
    ['wrong kind', 'worker', (d) => (d.kind = 'Pod'), 'kind: found "Pod", expected "NodeBootConfig"'],
    ['missing node name', 'worker', (d) => delete d.node.name, 'node.name: found nothing, expected the node name'],
    ['unsupported version', 'worker', (d) => (d.cluster.kubernetesVersion = 'v1.20.0'), 'cluster.kubernetesVersion: found a string, expected a supported version (v1.30 to v1.35), e.g. v1.33.2'],
    ['unknown kube-proxy mode', 'worker', (d) => (d.cluster.addons.kubeProxy.mode = 'userspace'), 'cluster.addons.kubeProxy.mode: found a string, expected "iptables", "ipvs" or "nftables"'],
    ['malformed CA pin', 'worker', (d) => (d.discovery.caCertHashes = ['md5:00']), 'discovery.caCertHashes: found a list, expected a list of "sha256:<64 hex>" CA pins'],
    ['init without secrets', 'init', (d) => delete d.secrets, 'secrets: found nothing, expected the cluster secrets (required on the init node)'],
    ['init without certificate key', 'init', (d) => delete d.certificateKey, 'certificateKey: missing; expected 64 lowercase hex characters (required on control-plane nodes)'],
    ['init with local etcd but no etcd CA', 'init', (d) => delete d.secrets.etcdCA, 'secrets.etcdCA: missing; expected a {cert, key} pair of PEM CERTIFICATE and PEM RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY (the cluster uses local etcd)'],
    ['init with encryption at rest but no key', 'init', (d) => (d.cluster.encryptionAtRest = true), 'secrets.encryptionKey: missing; expected base64 of 32 bytes (cluster.encryptionAtRest is true)'],
    ['init without tokens', 'init', (d) => (d.secrets.bootstrapTokens = []), 'secrets.bootstrapTokens: found a list, expected a non-empty list of bootstrap tokens'],
    ['joiner without certificate key', 'control-plane-join', (d) => delete d.certificateKey, 'certificateKey: missing; expected 64 lowercase hex characters (required on control-plane nodes)'],
    ['joiner carrying secrets', 'control-plane-join', (d) => (d.secrets = configFor('init').secrets), 'secrets: present on a joining control-plane node; it must fetch certificates from kubeadm-certs instead (least privilege); re-render with kgen'],
    ['worker carrying secrets', 'worker', (d) => (d.secrets = configFor('init').secrets), 'secrets: present on a worker; a worker must carry no key material (least privilege); re-render with kgen'],
    ['worker carrying the certificate key', 'worker', (d) => (d.certificateKey = CERT_KEY), 'certificateKey: present on a worker; only control-plane nodes receive it; re-render with kgen'],
    ['worker marked init', 'worker', (d) => (d.node.init = true), 'node.init: found true on a worker; expected only a control-plane node to initialize the cluster'],
  ])('rejects %s', (_name, role, mutate, problem) => {
    expect(problemsOf(mutated(role, mutate))).toContain(problem);
  });

  it('collects every problem before failing', () => {
    const problems = problemsOf(mutated('worker', (d) => {
      d.kind = 'Pod';
      delete d.node.address;
      d.certificateKey = CERT_KEY;
    }));
    expect(problems).toHaveLength(3);
  });

  it.each<[string, Parameters<typeof configFor>[0], Mutation]>([
    ['a malformed token', 'worker', (d) => (d.discovery.token = `ABCDEF.${TOKEN_SECRET}X`)],
    ['a malformed certificate key', 'init', (d) => (d.certificateKey = `${CERT_KEY}zz`)],
    ['a malformed token secret in secrets', 'init', (d) => (d.secrets.bootstrapTokens[0].secret = `${TOKEN_SECRET}XYZ`)],
  ])('never shows secret values in messages: %s', (_name, role, mutate) => {
    const doc = mutated(role, mutate);
    let message = '';
    try {
      checkNodeConfig(doc, 'node.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('value not shown');
    expect(message).not.toContain(TOKEN_SECRET);
    expect(message).not.toContain(CERT_KEY);
  });
});

describe('parseNodeConfig / readNodeConfig', () => {
  it('reports YAML syntax errors as a problem of the document', () => {
    expect(() => parseNodeConfig('a: [1,\n', 'node.yaml')).toThrow(/\(document\): not valid YAML/);
  });

  it('reads node.yaml under the host root, and names the file and root when it is missing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kgen-nc-'));
    const host = createHost({ root });
    await expect(readNodeConfig(host)).rejects.toThrow(`/etc/kgen/node.yaml is not a valid NodeBootConfig:\n  (file): not found under root ${root}`);
    await host.writeFile('/etc/kgen/node.yaml', toYaml(configFor('worker')));
    expect((await readNodeConfig(host)).node.name).toBe('w1');
  });
});
