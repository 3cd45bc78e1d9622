// kgen-boot's bad-input table: node.yaml values that check-config used to accept and run rejected (or
// crashed on), unusable --config files and a damaged status.json. `check-config`, `run` and `run --dry-run`
// share one reader and one checker, so each case must exit 1 from all three, naming the field, never a
// secret value.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { main } from './cli.js';
import { STATUS_FILE } from './constants.js';
import { CERT_KEY, TOKEN_SECRET, configFor, initMaterial } from './test-fixtures.js';
import { captureIO, testNode, type TestNode } from './test-node.js';

type Doc = Record<string, any>;
type Role = Parameters<typeof configFor>[0];

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function nodeWith(role: Role, mutate: (d: Doc) => void = () => undefined): TestNode {
  const doc = structuredClone(configFor(role)) as unknown as Doc;
  mutate(doc);
  const node = testNode();
  roots.push(node.root);
  mkdirSync(join(node.root, 'etc/kgen'), { recursive: true });
  writeFileSync(join(node.root, 'etc/kgen/node.yaml'), toYaml(doc), { mode: 0o600 });
  return node;
}

const COMMANDS: Array<[string, string[]]> = [
  ['check-config', ['check-config']],
  ['run', ['run']],
  ['run --dry-run', ['run', '--dry-run']],
];

async function expectRefused(node: TestNode, extra: string[], says: string, commands = COMMANDS): Promise<void> {
  const secrets = [TOKEN_SECRET, CERT_KEY, initMaterial().ca.key.split('\n')[1]!];
  for (const [name, argv] of commands) {
    const c = captureIO();
    const code = await main([...argv, '--root', node.root, ...extra], c.io, node.deps);
    expect(code, `${name}: ${c.err()}`).toBe(1);
    expect(c.err(), name).toContain(says);
    for (const s of secrets) expect(c.err() + c.out(), `${name} printed a secret`).not.toContain(s);
  }
}

const otherKey = () => initMaterial().frontProxyCA.key;

describe('kgen-boot: values check-config accepted but run rejected are bad input (exit 1, field named)', () => {
  it.each<[string, Role, (d: Doc) => void, string]>([
    ['keyAlgorithm DSA-1', 'worker', (d) => (d.cluster.certificates.keyAlgorithm = 'DSA-1'), 'cluster.certificates.keyAlgorithm: found a string, expected one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256'],
    ['apiServer extraArgs null', 'init', (d) => (d.cluster.apiServer.extraArgs = null), 'cluster.apiServer.extraArgs: found null, expected a mapping'],
    ['controllerManager extraArgs a list', 'init', (d) => (d.cluster.controllerManager.extraArgs = ['v=2']), 'cluster.controllerManager.extraArgs: found a list'],
    ['scheduler extraArgs with a number', 'init', (d) => (d.cluster.scheduler.extraArgs = { v: 2 }), 'cluster.scheduler.extraArgs: found a object'],
    ['etcd extraArgs null', 'init', (d) => (d.cluster.etcd.local.extraArgs = null), 'cluster.etcd.local.extraArgs: found null'],
    ['kubelet extraArgs null', 'worker', (d) => (d.node.kubelet.extraArgs = null), 'node.kubelet.extraArgs: found null'],
    ['labels with a number', 'worker', (d) => (d.node.labels = { 'example.com/rack': 1 }), 'node.labels: found a object, expected a mapping of labels to string values'],
    ['address not-an-ip', 'worker', (d) => (d.node.address = 'not-an-ip'), 'node.address: found a string, expected the node\'s IP address'],
    ['address loopback', 'worker', (d) => (d.node.address = '127.0.0.1'), 'node.address: found a string'],
    ['address 0.0.0.0', 'init', (d) => (d.node.address = '0.0.0.0'), 'node.address: found a string'],
    ['address multicast', 'worker', (d) => (d.node.address = '224.0.0.1'), 'node.address: found a string'],
    ['kubelet nodeIP not an IP', 'worker', (d) => (d.node.kubelet.nodeIP = '10.0.0'), 'node.kubelet.nodeIP: found a string'],
    ['endpoint port 0', 'worker', (d) => (d.cluster.controlPlaneEndpoint.port = 0), 'cluster.controlPlaneEndpoint.port: found a number, expected the control-plane endpoint port (1 to 65535)'],
    ['endpoint port 70000', 'worker', (d) => (d.cluster.controlPlaneEndpoint.port = 70000), 'cluster.controlPlaneEndpoint.port'],
    ['validityHours a string', 'init', (d) => (d.cluster.certificates.validityHours = 'NaN'), 'cluster.certificates.validityHours: found a string, expected a positive number of hours'],
    ['caValidityHours negative', 'init', (d) => (d.cluster.certificates.caValidityHours = -1), 'cluster.certificates.caValidityHours'],
    ['token ttl a fraction', 'init', (d) => (d.cluster.bootstrapToken.ttlSeconds = 1.5), 'cluster.bootstrapToken.ttlSeconds'],
    ['a CA key not matching its certificate', 'init', (d) => (d.secrets.ca.key = otherKey()), 'secrets.ca: the key does not belong to the certificate'],
    ['an etcd CA key not matching its certificate', 'init', (d) => (d.secrets.etcdCA.key = otherKey()), 'secrets.etcdCA: the key does not belong to the certificate'],
    ['a front-proxy CA certificate that does not parse', 'init', (d) => (d.secrets.frontProxyCA.cert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'secrets.frontProxyCA: the key does not belong'],
    ['a CA key that does not parse', 'init', (d) => (d.secrets.ca.key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), 'secrets.ca: the key does not belong'],
    ['a service-account public key from another pair', 'init', (d) => (d.secrets.sa.pub = initMaterial().ca.cert.replace(/CERTIFICATE/g, 'PUBLIC KEY')), 'secrets.sa: the service-account public key does not belong'],
  ])('%s', async (_name, role, mutate, says) => {
    await expectRefused(nodeWith(role, mutate), [], says);
  });
});

describe('kgen-boot: unusable --config files are bad input (exit 1), the same in a dry run', () => {
  it('a relative --config', async () => {
    await expectRefused(nodeWith('worker'), ['--config', 'etc/kgen/node.yaml'], '(file): --config must be an absolute path on the node');
  });

  it('a --config with ".."', async () => {
    await expectRefused(nodeWith('worker'), ['--config', '/etc/../etc/kgen/node.yaml'], 'without ".."');
  });

  it('a directory as --config', async () => {
    await expectRefused(nodeWith('worker'), ['--config', '/etc/kgen'], '(file): it is a directory; expected a regular file');
  });

  it('a FIFO as --config (must not hang)', async () => {
    const node = nodeWith('worker');
    execFileSync('mkfifo', [join(node.root, 'etc/kgen/fifo')]);
    await expectRefused(node, ['--config', '/etc/kgen/fifo'], 'FIFO');
  });

  it('a --config over the size limit', async () => {
    const node = nodeWith('worker');
    writeFileSync(join(node.root, 'etc/kgen/big.yaml'), '');
    truncateSync(join(node.root, 'etc/kgen/big.yaml'), 16 * 1024 * 1024 + 1);
    await expectRefused(node, ['--config', '/etc/kgen/big.yaml'], 'the limit is 16777216 bytes');
  });

  it('a missing --config', async () => {
    await expectRefused(nodeWith('worker'), ['--config', '/etc/kgen/other.yaml'], '(file): not found under root');
  });
});

describe('kgen-boot: a damaged status.json is bad input (exit 1) for run, run --dry-run and status', () => {
  const statusCommands: Array<[string, string[]]> = [
    ['run', ['run']],
    ['run --dry-run', ['run', '--dry-run']],
    ['status', ['status']],
  ];
  it.each<[string, (path: string) => void, string]>([
    ['not JSON', (p) => writeFileSync(p, '{"generation": 1, "sta'), 'it is not valid JSON'],
    ['a JSON list', (p) => writeFileSync(p, '[]'), 'it is not a JSON object'],
    ['phases not a list', (p) => writeFileSync(p, '{"generation":1,"role":"init","state":"running","phases":5}'), '"phases" is not a list'],
    ['a phase without a name', (p) => writeFileSync(p, '{"generation":1,"role":"init","state":"running","phases":[{"outcome":"done"}]}'), '"phases[0]" is not a phase record'],
    ['an unknown state', (p) => writeFileSync(p, '{"generation":1,"role":"init","state":"half","phases":[]}'), '"state" is not running, succeeded or failed'],
    ['a directory', (p) => mkdirSync(p), 'cannot read it (EISDIR)'],
  ])('%s', async (_name, damage, says) => {
    const node = nodeWith('init');
    mkdirSync(join(node.root, STATUS_FILE, '..'), { recursive: true });
    damage(join(node.root, STATUS_FILE));
    await expectRefused(node, [], says, statusCommands);
  });
});
