// The cluster secrets state directory (default `.kgen` beside nodes.yaml). Model: Talos secrets bundle
// (pkg/machinery/config/generate/secrets): `loadBundle` reads what exists and fills only what is missing
// and optional; nothing that exists is ever rewritten. The PKI part uses kubeadm's own layout so an operator
// who knows kubeadm recognises it (upstream: cmd/kubeadm/app/constants/constants.go file names):
//
//   state.yaml                 which cluster this state belongs to
//   pki/ca.{crt,key}           cluster CA            pki/front-proxy-ca.{crt,key}
//   pki/etcd/ca.{crt,key}      etcd CA (stacked)     pki/sa.{key,pub}  service-account key pair
//   certificate-key            64 hex chars, decrypts kubeadm-certs
//   encryption-key             EncryptionConfiguration aescbc key (encryptionAtRest only)
//   tokens/<id>.yaml           bootstrap tokens, one file each (new ones are added, none is rewritten)
//
// Directory 0700, private material 0600, every file created exclusively and fsynced.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from '../yaml-input.js';
import type { Inventory } from '../inventory/types.js';
import type { CertKeyPair, KeyAlgorithm } from '../pki/types.js';
import type { BootstrapToken, SecretsBundle } from './types.js';
import { isCertificateKey } from './certificate-key.js';
import { newBootstrapToken, TOKEN_ID_RE, TOKEN_SECRET_RE } from './tokens.js';
import { writeFileExclusive } from '../fsutil.js';
import { toYaml } from '../yaml.js';
import { InvalidInputError } from '../errors.js';

const STATE_API_VERSION = 'kgen.dev/v1alpha1';

/** What the state needs from the PKI library; src/secrets/pki-port.ts wires the real one. */
export interface StatePki {
  newCA(commonName: string, algorithm: KeyAlgorithm, validityHours: number, now: Date): Promise<CertKeyPair>;
  newKeyPair(algorithm: KeyAlgorithm): Promise<{ key: string; pub: string }>;
  /** A problem with a stored CA (unparsable, not a CA, key mismatch), or undefined when it is sound. */
  checkCA(pair: CertKeyPair): string | undefined;
}

export interface StateDeps {
  pki: StatePki;
  now: () => Date;
  random?: (n: number) => Buffer;
}

/** The state is unusable as it is: nothing was changed, the message says what to do. */
export class StateError extends InvalidInputError {}

interface StateFile {
  apiVersion: string;
  kind: 'ClusterState';
  clusterName: string;
  createdAt: string;
}

const CA_FILES = {
  ca: { base: 'pki/ca', cn: 'kubernetes' },
  frontProxyCA: { base: 'pki/front-proxy-ca', cn: 'front-proxy-ca' },
  etcdCA: { base: 'pki/etcd/ca', cn: 'etcd-ca' },
} as const;

export interface LoadedState {
  bundle: SecretsBundle;
  /** State-relative paths created by this call (empty when everything was reused). */
  created: string[];
}

/**
 * Loads the state in `dir`, creating it on first use. An existing state must belong to
 * inventory.cluster.name and be complete and sound; otherwise StateError and nothing is written.
 */
export async function loadOrCreateState(dir: string, inventory: Inventory, deps: StateDeps): Promise<LoadedState> {
  const fresh = !existsSync(join(dir, 'state.yaml'));
  if (fresh && existsSync(dir) && readdirSync(dir).length > 0) {
    throw new StateError(`${dir} is not empty but has no state.yaml: it is not a kgen state (or a damaged one); point --state at an empty or new directory`);
  }
  if (!fresh) checkExisting(dir, inventory, deps.pki);

  const created: string[] = [];
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const put = (rel: string, data: string, mode: number) => {
    writeFileExclusive(join(dir, rel), data, mode);
    created.push(rel);
  };
  const { cluster } = inventory;
  const now = deps.now();
  const random = deps.random ?? randomBytes;

  // Generate everything missing first (in parallel: RSA key generation dominates), then write.
  const wantEtcdCA = cluster.etcd.local !== undefined;
  const missingCA = (Object.keys(CA_FILES) as Array<keyof typeof CA_FILES>).filter(
    (k) => (k !== 'etcdCA' || wantEtcdCA) && !existsSync(join(dir, `${CA_FILES[k].base}.crt`)),
  );
  const [newCAs, newSA] = await Promise.all([
    Promise.all(missingCA.map((k) => deps.pki.newCA(CA_FILES[k].cn, cluster.certificates.keyAlgorithm, cluster.certificates.caValidityHours, now))),
    existsSync(join(dir, 'pki/sa.key')) ? undefined : deps.pki.newKeyPair(cluster.certificates.keyAlgorithm),
  ]);

  if (fresh) {
    const state: StateFile = { apiVersion: STATE_API_VERSION, kind: 'ClusterState', clusterName: cluster.name, createdAt: now.toISOString() };
    put('state.yaml', toYaml(state), 0o600);
  }
  missingCA.forEach((k, i) => {
    put(`${CA_FILES[k].base}.crt`, newCAs[i]!.cert, 0o644);
    put(`${CA_FILES[k].base}.key`, newCAs[i]!.key, 0o600);
  });
  if (newSA) {
    put('pki/sa.key', newSA.key, 0o600);
    put('pki/sa.pub', newSA.pub, 0o644);
  }
  if (!existsSync(join(dir, 'certificate-key'))) put('certificate-key', `${random(32).toString('hex')}\n`, 0o600);
  if (cluster.encryptionAtRest && !existsSync(join(dir, 'encryption-key'))) {
    put('encryption-key', `${random(32).toString('base64')}\n`, 0o600);
  }
  if (readTokens(dir).length === 0) {
    const token = newBootstrapToken({
      now,
      ttlSeconds: cluster.bootstrapToken.ttlSeconds,
      groups: cluster.bootstrapToken.groups,
      description: cluster.bootstrapToken.description,
      random,
    });
    put(`tokens/${token.id}.yaml`, toYaml(token), 0o600);
  }
  return { bundle: readBundle(dir, cluster.name), created };
}

/** Adds a bootstrap token to an existing state (never touches the others). */
export function addToken(dir: string, token: BootstrapToken): void {
  writeFileExclusive(join(dir, `tokens/${token.id}.yaml`), toYaml(token), 0o600);
}

function checkExisting(dir: string, inventory: Inventory, pki: StatePki): void {
  const problems: string[] = [];
  const state = readYaml<StateFile>(dir, 'state.yaml', problems);
  if (state && state.clusterName !== inventory.cluster.name) {
    throw new StateError(
      `${dir} holds the secrets of cluster "${state.clusterName}", but ${inventory.file} describes cluster "${inventory.cluster.name}"; ` +
        'use --state to point at that cluster\'s own state directory (kgen never reuses one cluster\'s secrets for another)',
    );
  }
  const required = ['pki/ca.crt', 'pki/ca.key', 'pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key', 'pki/sa.key', 'pki/sa.pub', 'certificate-key'];
  if (existsSync(join(dir, 'pki/etcd/ca.crt')) || existsSync(join(dir, 'pki/etcd/ca.key'))) required.push('pki/etcd/ca.crt', 'pki/etcd/ca.key');
  for (const rel of required) if (!existsSync(join(dir, rel))) problems.push(`${rel} is missing`);
  for (const rel of ['pki/ca.key', 'pki/front-proxy-ca.key', 'pki/etcd/ca.key', 'pki/sa.key', 'certificate-key', 'encryption-key']) {
    const p = join(dir, rel);
    if (existsSync(p) && (statSync(p).mode & 0o077) !== 0) problems.push(`${rel} is readable by group or others (mode ${(statSync(p).mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  if (existsSync(join(dir, 'certificate-key')) && !isCertificateKey(readFileSync(join(dir, 'certificate-key'), 'utf8').trim())) {
    problems.push('certificate-key is not 64 lower-case hex characters');
  }
  if (readTokens(dir, problems).length === 0) problems.push('tokens/ holds no bootstrap token');
  for (const { base } of Object.values(CA_FILES)) {
    const [cert, key] = [join(dir, `${base}.crt`), join(dir, `${base}.key`)];
    if (!existsSync(cert) || !existsSync(key)) continue;
    const problem = pki.checkCA({ cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') });
    if (problem) problems.push(`${base}: ${problem}`);
  }
  if (problems.length > 0) {
    throw new StateError(`the state in ${dir} is damaged or incomplete, so nothing was changed:\n  - ${problems.join('\n  - ')}\nrestore it from your backup; kgen does not recreate secrets of an existing cluster`);
  }
}

function readBundle(dir: string, clusterName: string): SecretsBundle {
  const read = (rel: string) => readFileSync(join(dir, rel), 'utf8');
  const pair = (base: string): CertKeyPair => ({ cert: read(`${base}.crt`), key: read(`${base}.key`) });
  const tokens = readTokens(dir);
  return {
    clusterName,
    ca: pair('pki/ca'),
    frontProxyCA: pair('pki/front-proxy-ca'),
    etcdCA: existsSync(join(dir, 'pki/etcd/ca.crt')) ? pair('pki/etcd/ca') : undefined,
    sa: { key: read('pki/sa.key'), pub: read('pki/sa.pub') },
    bootstrapTokens: tokens,
    certificateKey: read('certificate-key').trim(),
    encryptionKey: existsSync(join(dir, 'encryption-key')) ? read('encryption-key').trim() : undefined,
  };
}

/** Tokens sorted by expiration then id, so the cluster token (the oldest) comes first. */
function readTokens(dir: string, problems: string[] = []): BootstrapToken[] {
  const tokensDir = join(dir, 'tokens');
  if (!existsSync(tokensDir)) return [];
  const tokens: BootstrapToken[] = [];
  for (const name of readdirSync(tokensDir).filter((n) => n.endsWith('.yaml')).sort()) {
    const t = readYaml<BootstrapToken>(dir, `tokens/${name}`, problems);
    if (!t) continue;
    // Never echo the secret in a message: name the file and the field only.
    if (!TOKEN_ID_RE.test(String(t.id)) || `${t.id}.yaml` !== name) problems.push(`tokens/${name}: id does not match [a-z0-9]{6} or the file name`);
    else if (!TOKEN_SECRET_RE.test(String(t.secret))) problems.push(`tokens/${name}: secret is not [a-z0-9]{16}`);
    else if (Number.isNaN(Date.parse(String(t.expiration)))) problems.push(`tokens/${name}: expiration is not an RFC 3339 time`);
    else tokens.push(t);
  }
  return tokens.sort((a, b) => a.expiration.localeCompare(b.expiration) || a.id.localeCompare(b.id));
}

function readYaml<T>(dir: string, rel: string, problems: string[]): T | undefined {
  const p = join(dir, rel);
  if (!existsSync(p)) {
    problems.push(`${rel} is missing`);
    return undefined;
  }
  try {
    const value = parse(readFileSync(p, 'utf8')) as T;
    if (value === null || typeof value !== 'object') throw new Error('not a mapping');
    return value;
  } catch {
    problems.push(`${rel} is not valid YAML`);
    return undefined;
  }
}
