// Every file of an existing state is checked before it is used, and every problem is reported at once
// with the file it concerns: each file must be a regular file of sane size (not a FIFO, a directory or a
// truncated empty file), private material readable by its owner only (0600), each CA certificate a CA
// whose key belongs to it and which has not expired, the service-account key pair a matching pair (sa.pub from another state is caught),
// certificate-key and encryption-key of the right form, every token well-formed. A damaged state is never
// repaired or reused: the operator restores it from a backup (kgen does not recreate a cluster's secrets).
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../yaml-input.js';
import type { Inventory } from '../inventory/types.js';
import type { OperatorFs } from '../operator-host.js';
import type { CertKeyPair } from '../pki/types.js';
import type { BootstrapToken } from './types.js';
import { isCertificateKey } from './certificate-key.js';
import { TOKEN_ID_RE, TOKEN_SECRET_RE } from './tokens.js';
import { GENERATIONS_FILE, parseGenerations, type Generations } from './generations.js';
import { parseVersions, VERSIONS_FILE, type RecordedVersions } from './versions.js';
import { StateError } from './state-error.js';

export const STATE_API_VERSION = 'kgen.dev/v1alpha1';

export interface StateFile {
  apiVersion: string;
  kind: 'ClusterState';
  clusterName: string;
  createdAt: string;
}

/** The CAs of a state, kubeadm's file names (upstream: cmd/kubeadm/app/constants/constants.go). */
export const CA_FILES = {
  ca: { base: 'pki/ca', cn: 'kubernetes' },
  frontProxyCA: { base: 'pki/front-proxy-ca', cn: 'front-proxy-ca' },
  etcdCA: { base: 'pki/etcd/ca', cn: 'etcd-ca' },
} as const;

/** A state file is a few KB; anything larger is not one (and is not read into memory). */
export const STATE_FILE_MAX_BYTES = 1024 * 1024;

/** What checking needs from the PKI library; src/secrets/pki-port.ts wires the real one. */
export interface PkiInspector {
  /** The CA's validity, or what is wrong with it and in which file (unreadable, not a CA, key mismatch). */
  inspectCA(pair: CertKeyPair): { file?: 'crt' | 'key'; problem?: string; notBefore?: Date; notAfter?: Date };
  /** What is wrong with a key pair and in which part, or undefined when they match. */
  checkKeyPair(key: string, pub: string): { file: 'key' | 'pub' | 'both'; problem: string } | undefined;
}

export interface CheckDeps {
  fs: OperatorFs;
  pki: PkiInspector;
  now: Date;
}

export interface CheckedState {
  warnings: string[];
  generations: Generations;
  /** Undefined in a state written before versions.yaml existed. */
  versions?: RecordedVersions;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Reads state files, recording each problem with the file's state-relative name. */
export class StateReader {
  readonly problems: string[] = [];

  constructor(
    readonly dir: string,
    private readonly fs: OperatorFs,
  ) {}

  exists(rel: string): boolean {
    return this.fs.lstat(join(this.dir, rel)) !== undefined;
  }

  /** The file's text, or undefined (and a problem) when it is missing, not a regular file, empty or too large. */
  read(rel: string, opts: { private?: boolean; optional?: boolean } = {}): string | undefined {
    const path = join(this.dir, rel);
    const st = this.fs.lstat(path);
    if (!st) {
      if (!opts.optional) this.problems.push(`${rel} is missing`);
      return undefined;
    }
    if (!st.isFile()) return this.problem(`${rel} is ${kindOf(st)}, not a regular file`);
    if (opts.private && (st.mode & 0o077) !== 0) {
      this.problems.push(`${rel} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`);
    }
    if (st.size === 0) return this.problem(`${rel} is empty (truncated)`);
    if (st.size > STATE_FILE_MAX_BYTES) return this.problem(`${rel} is ${st.size} bytes; a state file is at most ${STATE_FILE_MAX_BYTES} bytes`);
    return this.fs.readFile(path).toString('utf8');
  }

  /** A YAML mapping, or undefined (and a problem). */
  readYaml<T>(rel: string, opts: { private?: boolean } = {}): T | undefined {
    const text = this.read(rel, opts);
    if (text === undefined) return undefined;
    try {
      const value = parse(text) as T;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a mapping');
      return value;
    } catch {
      return this.problem(`${rel} is not a YAML mapping (truncated or damaged)`);
    }
  }

  /** Tokens sorted by expiration then id, so the cluster token (the oldest) comes first. */
  tokens(): BootstrapToken[] {
    const tokensDir = join(this.dir, 'tokens');
    if (!this.fs.lstat(tokensDir)?.isDirectory()) return [];
    const tokens: BootstrapToken[] = [];
    const names = this.fs.readdir(tokensDir).map((e) => e.name).filter((n) => n.endsWith('.yaml')).sort();
    for (const name of names) {
      const rel = `tokens/${name}`;
      const t = this.readYaml<BootstrapToken>(rel, { private: true });
      if (!t) continue;
      // Never echo the secret in a message: name the file and the field only.
      if (!TOKEN_ID_RE.test(String(t.id)) || `${t.id}.yaml` !== name) this.problems.push(`${rel}: id does not match [a-z0-9]{6} or the file name`);
      else if (!TOKEN_SECRET_RE.test(String(t.secret))) this.problems.push(`${rel}: secret is not [a-z0-9]{16}`);
      else if (Number.isNaN(Date.parse(String(t.expiration)))) this.problems.push(`${rel}: expiration is not an RFC 3339 time`);
      else if (!Array.isArray(t.groups) || !Array.isArray(t.usages)) this.problems.push(`${rel}: groups and usages must be lists`);
      else tokens.push(t);
    }
    return tokens.sort((a, b) => a.expiration.localeCompare(b.expiration) || a.id.localeCompare(b.id));
  }

  private problem(text: string): undefined {
    this.problems.push(text);
    return undefined;
  }
}

/**
 * Checks the state in `dir` for `inventory`'s cluster. Throws StateError listing every problem; returns the
 * warnings (a CA not yet valid: the clock), the generations and the recorded versions. A CA close to its end is warned about by
 * render (src/pki/expiration.ts expiryWarnings, as kgen certs check-expiration reports it).
 */
export function checkState(dir: string, inventory: Inventory, deps: CheckDeps): CheckedState {
  const r = new StateReader(dir, deps.fs);
  const warnings: string[] = [];
  const state = r.readYaml<StateFile>('state.yaml', { private: true });
  if (state && state.clusterName !== inventory.cluster.name) {
    throw new StateError(
      `${dir} holds the secrets of cluster "${String(state.clusterName)}", but ${inventory.file} describes cluster "${inventory.cluster.name}"; ` +
        "use --state to point at that cluster's own state directory (kgen never reuses one cluster's secrets for another)",
    );
  }
  if (state && (state.apiVersion !== STATE_API_VERSION || state.kind !== 'ClusterState')) {
    r.problems.push(`state.yaml: expected apiVersion ${STATE_API_VERSION} and kind ClusterState`);
  }

  const withEtcd = r.exists(`${CA_FILES.etcdCA.base}.crt`) || r.exists(`${CA_FILES.etcdCA.base}.key`);
  for (const [name, { base }] of Object.entries(CA_FILES)) {
    if (name === 'etcdCA' && !withEtcd) continue;
    const cert = r.read(`${base}.crt`);
    const key = r.read(`${base}.key`, { private: true });
    if (cert === undefined || key === undefined) continue;
    const { file, problem, notBefore, notAfter } = deps.pki.inspectCA({ cert, key });
    if (problem) r.problems.push(`${base}.${file}${file === 'key' && problem.startsWith('does not') ? ` (of ${base}.crt)` : ''} ${problem}`);
    else if (notAfter && notAfter.getTime() <= deps.now.getTime()) {
      r.problems.push(`${base}.crt expired at ${notAfter.toISOString()}; the cluster needs a new CA (kgen does not rotate CAs in place)`);
    } else if (notBefore && notBefore.getTime() > deps.now.getTime()) {
      warnings.push(`${dir}/${base}.crt is not valid before ${notBefore.toISOString()}; check this machine's clock`);
    }
  }

  const saKey = r.read('pki/sa.key', { private: true });
  const saPub = r.read('pki/sa.pub');
  if (saKey !== undefined && saPub !== undefined) {
    const mismatch = deps.pki.checkKeyPair(saKey, saPub);
    if (mismatch) r.problems.push(`${mismatch.file === 'both' ? 'pki/sa.key and pki/sa.pub' : `pki/sa.${mismatch.file}`} ${mismatch.problem}`);
  }

  const certificateKey = r.read('certificate-key', { private: true });
  if (certificateKey !== undefined && !isCertificateKey(certificateKey.trim())) r.problems.push('certificate-key is not 64 lower-case hex characters');
  const encryptionKey = r.read('encryption-key', { private: true, optional: true });
  if (encryptionKey !== undefined && !isEncryptionKey(encryptionKey.trim())) r.problems.push('encryption-key is not the base64 of 32 bytes');

  if (r.tokens().length === 0) r.problems.push('tokens/ holds no bootstrap token');
  const generationsText = r.read(GENERATIONS_FILE, { optional: true });
  const generations = generationsText === undefined ? {} : parseGenerations(generationsText, r.problems);
  const versionsText = r.read(VERSIONS_FILE, { optional: true });
  const versions = versionsText === undefined ? undefined : parseVersions(versionsText, r.problems);

  if (r.problems.length > 0) {
    throw new StateError(
      `the state in ${dir} is damaged or incomplete, so nothing was changed:\n  - ${r.problems.join('\n  - ')}\n` +
        'restore it from your backup; kgen does not recreate secrets of an existing cluster',
    );
  }
  return { warnings, generations, versions };
}

function isEncryptionKey(text: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(text) && Buffer.from(text, 'base64').length === 32;
}
