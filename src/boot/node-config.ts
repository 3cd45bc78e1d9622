// Reads and checks /etc/kgen/node.yaml against the NodeBootConfig contract (src/contract/config.ts).
// Checking collects every problem with its field path, then fails once (model: cdk8s validate()).
// Least privilege is enforced here as well as at render time: the init node needs secrets and the
// certificate key; a joining control-plane node needs the certificate key and must not carry secrets;
// a worker carries neither. Messages name fields, never their secret values.
import { isAbsolute } from 'node:path';
import { parse } from '../yaml-input.js';
import { versionInfo, SUPPORTED_RANGE } from '../versions.js';
import { nodeAddress, type Parse } from '../inventory/formats.js';
import { InputFileError, NOT_FOUND, readRegularFile } from '../inventory/read.js';
import { KEY_ALGORITHMS } from '../pki/types.js';
import { certMatchesKey, parseCertificate } from '../pki/parse.js';
import { spkiOf } from '../pki/keys.js';
import { hasPrivateKeyPem } from '../pki/pem.js';
import { NODE_BOOT_CONFIG_API_VERSION, NODE_BOOT_CONFIG_KIND, type NodeBootConfig } from '../contract/config.js';
import type { Host } from './host.js';
import { DEFAULT_NODE_CONFIG } from './constants.js';

export { DEFAULT_NODE_CONFIG };

/** What kind of node a config describes; decides the phase tree. */
export type NodeRole = 'init' | 'control-plane-join' | 'worker';

export interface ConfigProblem {
  /** Field path, e.g. "discovery.token". */
  path: string;
  message: string;
}

export class NodeConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file} is not a valid ${NODE_BOOT_CONFIG_KIND}:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n') +
        `\nRe-render this node's user-data with \`kgen render\`, or fix the file and run \`kgen-boot check-config\`.`,
    );
    this.name = 'NodeConfigError';
  }
}

export function nodeRole(config: NodeBootConfig): NodeRole {
  if (config.node.role === 'worker') return 'worker';
  return config.node.init ? 'init' : 'control-plane-join';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : v === undefined ? 'nothing' : `a ${typeof v}`);

const isStrMap = (v: unknown): v is Record<string, string> => isObj(v) && Object.values(v).every((x) => typeof x === 'string');
/** A value the inventory's parser for the same field accepts (one rule for render and boot). */
const parses = (parse: Parse) => (v: unknown) => typeof v === 'string' && 'value' in parse(v);

/** node.yaml carries the init node's secrets and its CNI manifest (the inventory allows 8 MiB of it). */
export const NODE_CONFIG_MAX_BYTES = 16 * 1024 * 1024;

const TOKEN_RE = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CERT_KEY_RE = /^[0-9a-f]{64}$/;
const PIN_RE = /^sha256:[0-9a-f]{64}$/;

class Checker {
  readonly problems: ConfigProblem[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** Walks `path` (dot-separated) from `root`; undefined when any step is missing. */
  get(root: unknown, path: string): unknown {
    return path.split('.').reduce<unknown>((v, key) => (isObj(v) ? v[key] : undefined), root);
  }

  expect(root: unknown, path: string, ok: (v: unknown) => boolean, expected: string): void {
    const v = this.get(root, path);
    if (!ok(v)) this.problem(path, `found ${kindOf(v)}, expected ${expected}`);
  }

  /** Like expect, but the message never shows the value (secrets). */
  secret(root: unknown, path: string, ok: (v: unknown) => boolean, expected: string): void {
    const v = this.get(root, path);
    if (v === undefined) this.problem(path, `missing; expected ${expected}`);
    else if (!ok(v)) this.problem(path, `malformed (value not shown); expected ${expected}`);
  }
}

const isPem = (label: string) => (v: unknown) => typeof v === 'string' && v.includes(`-----BEGIN ${label}-----`);
const isPrivateKey = (v: unknown) => typeof v === 'string' && hasPrivateKeyPem(v);
const isKeyPair = (v: unknown) => isObj(v) && isPem('CERTIFICATE')(v.cert) && isPrivateKey(v.key);
/** What a private key field holds: kubeadm's forms, or PKCS#8 as older states hold. */
const PRIVATE_KEY = 'PEM RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY';

/** Whether `f` runs without throwing and returns true (parsers of malformed PEM throw). */
function holds(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/** A CA pair the certs phase can sign with: a parsable CA certificate and the private key of its public key. */
const isCAPair = (v: unknown) =>
  isKeyPair(v) && holds(() => parseCertificate((v as Obj).cert as string).isCA && certMatchesKey((v as Obj).cert as string, (v as Obj).key as string));

function checkSecrets(c: Checker, doc: Obj): void {
  const pair = `a {cert, key} pair of PEM CERTIFICATE and ${PRIVATE_KEY}`;
  const caPair = (path: string, expected: string) => {
    c.secret(doc, path, isKeyPair, expected);
    if (isKeyPair(c.get(doc, path)) && !isCAPair(c.get(doc, path))) {
      c.problem(path, 'the key does not belong to the certificate, or the certificate is not a parsable CA certificate (values not shown); re-render with kgen');
    }
  };
  caPair('secrets.ca', pair);
  caPair('secrets.frontProxyCA', pair);
  c.secret(doc, 'secrets.sa.key', isPrivateKey, `a ${PRIVATE_KEY}`);
  c.secret(doc, 'secrets.sa.pub', isPem('PUBLIC KEY'), 'a PEM PUBLIC KEY');
  const sa = c.get(doc, 'secrets.sa');
  if (isObj(sa) && isPrivateKey(sa.key) && isPem('PUBLIC KEY')(sa.pub) && !holds(() => spkiOf(sa.key as string).equals(spkiOf(sa.pub as string)))) {
    c.problem('secrets.sa', 'the service-account public key does not belong to the private key, or one of them does not parse (values not shown)');
  }
  if (isObj(c.get(doc, 'cluster.etcd.local'))) {
    caPair('secrets.etcdCA', `${pair} (the cluster uses local etcd)`);
  }
  if (c.get(doc, 'cluster.encryptionAtRest') === true) {
    c.secret(doc, 'secrets.encryptionKey', (v) => typeof v === 'string' && Buffer.from(v, 'base64').length === 32, 'base64 of 32 bytes (cluster.encryptionAtRest is true)');
  }
  const tokens = c.get(doc, 'secrets.bootstrapTokens');
  if (!Array.isArray(tokens) || tokens.length === 0) {
    c.problem('secrets.bootstrapTokens', `found ${kindOf(tokens)}, expected a non-empty list of bootstrap tokens`);
    return;
  }
  tokens.forEach((t, i) => {
    const path = `secrets.bootstrapTokens[${i}]`;
    if (!isObj(t)) return c.problem(path, `found ${kindOf(t)}, expected a bootstrap token object`);
    if (typeof t.id !== 'string' || !/^[a-z0-9]{6}$/.test(t.id)) c.problem(`${path}.id`, 'expected [a-z0-9]{6}');
    if (typeof t.secret !== 'string' || !/^[a-z0-9]{16}$/.test(t.secret)) c.problem(`${path}.secret`, 'malformed (value not shown); expected [a-z0-9]{16}');
    if (typeof t.expiration !== 'string' || Number.isNaN(Date.parse(t.expiration))) c.problem(`${path}.expiration`, 'expected an RFC 3339 time');
    if (!isStrArray(t.usages) || !isStrArray(t.groups)) c.problem(path, 'expected usages and groups as lists of strings');
  });
}

/** Checks a parsed document; returns the typed config or throws NodeConfigError listing every problem. */
export function checkNodeConfig(doc: unknown, file: string): NodeBootConfig {
  const c = new Checker();
  if (!isObj(doc)) throw new NodeConfigError(file, [{ path: '(document)', message: `found ${kindOf(doc)}, expected a mapping` }]);
  if (doc.apiVersion !== NODE_BOOT_CONFIG_API_VERSION) c.problem('apiVersion', `found ${JSON.stringify(doc.apiVersion)}, expected "${NODE_BOOT_CONFIG_API_VERSION}"`);
  if (doc.kind !== NODE_BOOT_CONFIG_KIND) c.problem('kind', `found ${JSON.stringify(doc.kind)}, expected "${NODE_BOOT_CONFIG_KIND}"`);

  c.expect(doc, 'node.name', isStr, 'the node name');
  c.expect(doc, 'node.role', (v) => v === 'control-plane' || v === 'worker', '"control-plane" or "worker"');
  c.expect(doc, 'node.init', (v) => typeof v === 'boolean', 'true or false');
  c.expect(doc, 'node.address', parses(nodeAddress), "the node's IP address (not loopback, unspecified, multicast or broadcast)");
  if (c.get(doc, 'node.kubelet.nodeIP') !== undefined) c.expect(doc, 'node.kubelet.nodeIP', parses(nodeAddress), "the kubelet's node IP address");
  c.expect(doc, 'node.generation', (v) => Number.isInteger(v), 'an integer');
  c.expect(doc, 'node.kubelet.criSocket', isStr, 'the container runtime socket, e.g. unix:///run/containerd/containerd.sock');
  c.expect(doc, 'node.kubelet.extraArgs', isStrMap, 'a mapping of kubelet flag names to string values');
  c.expect(doc, 'node.labels', isStrMap, 'a mapping of labels to string values');
  c.expect(doc, 'node.taints', Array.isArray, 'a list of taints');

  c.expect(doc, 'cluster.name', isStr, 'the cluster name');
  c.expect(doc, 'cluster.kubernetesVersion', (v) => typeof v === 'string' && versionInfo(v) !== undefined, `a supported version (${SUPPORTED_RANGE}), e.g. v1.33.2`);
  c.expect(doc, 'cluster.controlPlaneEndpoint.host', isStr, 'the control-plane endpoint host');
  c.expect(doc, 'cluster.controlPlaneEndpoint.port', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535, 'the control-plane endpoint port (1 to 65535)');
  for (const component of ['apiServer', 'controllerManager', 'scheduler']) {
    c.expect(doc, `cluster.${component}.extraArgs`, isStrMap, 'a mapping of flag names to string values');
  }
  if (isObj(c.get(doc, 'cluster.etcd.local'))) c.expect(doc, 'cluster.etcd.local.extraArgs', isStrMap, 'a mapping of etcd flag names to string values');
  for (const f of ['podSubnet', 'serviceSubnet', 'dnsDomain']) c.expect(doc, `cluster.networking.${f}`, isStr, 'a string');
  c.expect(doc, 'cluster.etcd', (v) => isObj(v) && (isObj(v.local) || isObj(v.external)), 'either local or external etcd');
  c.expect(doc, 'cluster.imageRepository', isStr, 'an image repository, e.g. registry.k8s.io');
  c.expect(doc, 'cluster.certificates.keyAlgorithm', (v) => (KEY_ALGORITHMS as readonly unknown[]).includes(v), `one of ${KEY_ALGORITHMS.join(', ')}`);
  for (const f of ['validityHours', 'caValidityHours']) c.expect(doc, `cluster.certificates.${f}`, (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), 'a positive number of hours');
  c.expect(doc, 'cluster.bootstrapToken.ttlSeconds', (v) => Number.isInteger(v) && (v as number) > 0, 'a positive whole number of seconds');
  c.expect(doc, 'cluster.ignorePreflightErrors', isStrArray, 'a list of preflight check names');
  c.expect(doc, 'cluster.addons.coreDNS.enabled', (v) => typeof v === 'boolean', 'true or false');
  c.expect(doc, 'cluster.addons.kubeProxy.enabled', (v) => typeof v === 'boolean', 'true or false');
  c.expect(doc, 'cluster.addons.kubeProxy.mode', (v) => v === 'iptables' || v === 'ipvs' || v === 'nftables', '"iptables", "ipvs" or "nftables"');

  c.expect(doc, 'discovery.apiServerEndpoint', isStr, 'host:port of the control-plane endpoint');
  c.secret(doc, 'discovery.token', (v) => typeof v === 'string' && TOKEN_RE.test(v), 'a bootstrap token "<6 chars>.<16 chars>" of [a-z0-9]');
  c.expect(doc, 'discovery.caCertHashes', (v) => isStrArray(v) && v.every((p) => PIN_RE.test(p)), 'a list of "sha256:<64 hex>" CA pins');
  c.expect(doc, 'discovery.timeoutSeconds', (v) => Number.isInteger(v) && (v as number) > 0, 'a positive number of seconds');

  const node = isObj(doc.node) ? doc.node : {};
  const hasSecrets = doc.secrets !== undefined;
  const hasCertKey = doc.certificateKey !== undefined;
  if (node.role === 'worker') {
    if (node.init === true) c.problem('node.init', 'found true on a worker; expected only a control-plane node to initialize the cluster');
    if (hasSecrets) c.problem('secrets', 'present on a worker; a worker must carry no key material (least privilege); re-render with kgen');
    if (hasCertKey) c.problem('certificateKey', 'present on a worker; only control-plane nodes receive it; re-render with kgen');
  } else if (node.role === 'control-plane') {
    c.secret(doc, 'certificateKey', (v) => typeof v === 'string' && CERT_KEY_RE.test(v), '64 lowercase hex characters (required on control-plane nodes)');
    if (node.init === true) {
      if (!isObj(doc.secrets)) c.problem('secrets', `found ${kindOf(doc.secrets)}, expected the cluster secrets (required on the init node)`);
      else checkSecrets(c, doc);
    } else if (hasSecrets) {
      c.problem('secrets', 'present on a joining control-plane node; it must fetch certificates from kubeadm-certs instead (least privilege); re-render with kgen');
    }
  }
  if (c.problems.length > 0) throw new NodeConfigError(file, c.problems);
  return doc as unknown as NodeBootConfig;
}

/** Parses YAML text and checks it. */
export function parseNodeConfig(text: string, file: string): NodeBootConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    // The YAML error names a line and column, not the content.
    throw new NodeConfigError(file, [{ path: '(document)', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }]);
  }
  return checkNodeConfig(doc, file);
}

/** Reads node.yaml under the host's root: an absolute node path naming a regular file of bounded size. */
export async function readNodeConfig(host: Host, path = DEFAULT_NODE_CONFIG): Promise<NodeBootConfig> {
  const fileProblem = (message: string) => new NodeConfigError(path, [{ path: '(file)', message }]);
  // A relative --config would resolve differently in a real run and a dry run (and under --root): refuse it.
  if (!isAbsolute(path) || path.split('/').includes('..')) {
    throw fileProblem('--config must be an absolute path on the node without ".." (it is read under --root), e.g. /etc/kgen/node.yaml');
  }
  let text: string;
  try {
    text = readRegularFile(host.resolve(path), NODE_CONFIG_MAX_BYTES);
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    if (err.reason === NOT_FOUND) throw fileProblem(`not found under root ${host.root}; expected cloud-init to have written it from the node's user-data`);
    throw fileProblem(err.reason);
  }
  return parseNodeConfig(text, path);
}
