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
//   generations.yaml           per-node generations (src/secrets/generations.ts)
//   versions.yaml              the Kubernetes version each node was rendered with (src/secrets/versions.ts)
//
// Directory 0700, private material 0600, every file created exclusively and fsynced, through the operator's
// door (src/operator-host.ts). Opening a state is a transaction under a lock (src/secrets/state-lock.ts):
//   - a new state is created completely in a temporary directory beside it (`.<name>.new-<random>`) and
//     renamed into place by commit(); a failure or a kill before that leaves no state (the next render
//     removes the temporary directory it finds beside the state it holds the lock of);
//   - an existing state is checked whole first (src/secrets/state-check.ts); what a render adds to it (a
//     missing optional key, tokens and generations of --reimage, the nodes' versions) is staged and written by commit(), each
//     file atomically, tokens before the generations that name them.
// The caller commits only after its output is staged; discard() drops what was staged; close() releases the lock.
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Inventory } from '../inventory/types.js';
import type { CertKeyPair, KeyAlgorithm } from '../pki/types.js';
import type { OperatorHost } from '../operator-host.js';
import type { BootstrapToken, SecretsBundle } from './types.js';
import { newBootstrapToken } from './tokens.js';
import { toYaml } from '../yaml.js';
import { acquireStateLock } from './state-lock.js';
import { CA_FILES, checkState, STATE_API_VERSION, StateReader, type CheckedState, type PkiInspector, type StateFile } from './state-check.js';
import { GENERATIONS_FILE, generationsYaml, type Generations } from './generations.js';
import { VERSIONS_FILE, versionsYaml, type RecordedVersions } from './versions.js';
import { StateError } from './state-error.js';

export { StateError };

/** What the state needs from the PKI library; src/secrets/pki-port.ts wires the real one. */
export interface StatePki extends PkiInspector {
  newCA(commonName: string, algorithm: KeyAlgorithm, validityHours: number, now: Date): Promise<CertKeyPair>;
  newKeyPair(algorithm: KeyAlgorithm): Promise<{ key: string; pub: string }>;
}

export interface StateDeps {
  pki: StatePki;
  host: OperatorHost;
}

export interface StateTransaction {
  bundle: SecretsBundle;
  generations: Generations;
  /** What the last render recorded; undefined in a new state or one written before versions.yaml existed. */
  versions?: RecordedVersions;
  /** State-relative paths this transaction creates (a first render: the whole state). */
  created: string[];
  /** Problems that do not stop a render (a CA near its end). */
  warnings: string[];
  /** Stages a new bootstrap token (also added to bundle.bootstrapTokens). */
  addToken(token: BootstrapToken): void;
  /** Stages generations.yaml. */
  setGenerations(generations: Generations): void;
  /** Stages versions.yaml when it differs from what the state holds. */
  setVersions(versions: RecordedVersions): void;
  /** Writes what was staged (a new state: renames it into place); on failure, a new state is removed. */
  commit(): void;
  /** Drops what was staged (a new state: removes it). Never throws. */
  discard(): void;
  /** Releases the lock, after commit() or discard(). Never throws. */
  close(): void;
}

interface Staged {
  rel: string;
  data: string;
  mode: number;
}

/**
 * Opens the state in `dir` for `inventory`'s cluster, creating it on first use. An existing state must belong
 * to that cluster and pass every check; otherwise StateError and nothing is written.
 */
export async function openState(dir: string, inventory: Inventory, deps: StateDeps): Promise<StateTransaction> {
  const { fs } = deps.host;
  const lock = acquireStateLock(dir, deps.host);
  let work: string | undefined;
  try {
    removeLeftovers(dir, deps.host);
    const fresh = !fs.lstat(join(dir, 'state.yaml'));
    const existing = fs.lstat(dir);
    if (fresh && existing && (!existing.isDirectory() || fs.readdir(dir).length > 0)) {
      throw new StateError(`${dir} is not empty but has no state.yaml: it is not a kgen state (or a damaged one); point --state at an empty or new directory`);
    }
    const now = deps.host.clock.now();
    const checked: CheckedState = fresh ? { warnings: [], generations: {} } : checkState(dir, inventory, { fs, pki: deps.pki, now });
    const staged = await missingFiles(dir, fresh, inventory, deps, now);
    if (fresh) {
      // The whole new state goes to a temporary directory now; commit() renames it into place.
      work = join(dirname(dir), `.${basename(dir)}.new-${randomBytes(6).toString('hex')}`);
      fs.mkdir(work, 0o700);
      writeStaged(work, staged.splice(0), deps.host);
    }
    return transaction({ dir, work, staged, clusterName: inventory.cluster.name, checked, host: deps.host, release: lock.release });
  } catch (err) {
    cleanUp(() => work !== undefined && fs.remove(work));
    cleanUp(lock.release);
    throw err;
  }
}

interface TransactionParts {
  dir: string;
  /** The temporary directory of a new state. */
  work: string | undefined;
  staged: Staged[];
  clusterName: string;
  checked: CheckedState;
  host: OperatorHost;
  release: () => void;
}

function transaction({ dir, work, staged, clusterName, checked, host, release }: TransactionParts): StateTransaction {
  const { fs } = host;
  const created = [...staged.map((s) => s.rel), ...(work ? listFiles(work, fs) : [])].sort();
  const base = work ?? dir;
  const tx: StateTransaction = {
    bundle: readBundle(base, staged, clusterName, fs),
    generations: checked.generations,
    versions: checked.versions,
    created,
    warnings: checked.warnings,
    addToken(token) {
      const rel = `tokens/${token.id}.yaml`;
      staged.push({ rel, data: toYaml(token), mode: 0o600 });
      created.push(rel);
      tx.bundle.bootstrapTokens.push(token);
    },
    setGenerations(generations) {
      staged.push({ rel: GENERATIONS_FILE, data: generationsYaml(generations), mode: 0o644 });
    },
    setVersions(versions) {
      const data = versionsYaml(versions);
      if (checked.versions && versionsYaml(checked.versions) === data) return;
      if (!checked.versions) created.push(VERSIONS_FILE);
      staged.push({ rel: VERSIONS_FILE, data, mode: 0o644 });
    },
    commit() {
      try {
        writeStaged(base, staged.splice(0), host);
        if (work) fs.rename(work, dir);
      } catch (err) {
        tx.discard();
        throw err;
      }
    },
    discard() {
      cleanUp(() => work !== undefined && fs.remove(work));
    },
    close() {
      cleanUp(release);
    },
  };
  return tx;
}

/** The files a usable state still lacks, generated (key generation runs in parallel: RSA dominates). */
async function missingFiles(dir: string, fresh: boolean, inventory: Inventory, deps: StateDeps, now: Date): Promise<Staged[]> {
  const { cluster } = inventory;
  const has = (rel: string) => !fresh && deps.host.fs.lstat(join(dir, rel)) !== undefined;
  const random = (n: number) => deps.host.random.bytes(n);
  const wantEtcdCA = cluster.etcd.local !== undefined;
  const missingCA = (Object.keys(CA_FILES) as Array<keyof typeof CA_FILES>).filter((k) => (k !== 'etcdCA' || wantEtcdCA) && !has(`${CA_FILES[k].base}.crt`));
  const [newCAs, newSA] = await Promise.all([
    Promise.all(missingCA.map((k) => deps.pki.newCA(CA_FILES[k].cn, cluster.certificates.keyAlgorithm, cluster.certificates.caValidityHours, now))),
    has('pki/sa.key') ? undefined : deps.pki.newKeyPair(cluster.certificates.keyAlgorithm),
  ]);

  const staged: Staged[] = [];
  const put = (rel: string, data: string, mode: number) => staged.push({ rel, data, mode });
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
  if (!has('certificate-key')) put('certificate-key', `${random(32).toString('hex')}\n`, 0o600);
  if (cluster.encryptionAtRest && !has('encryption-key')) put('encryption-key', `${random(32).toString('base64')}\n`, 0o600);
  if (fresh) {
    const token = newBootstrapToken({
      now,
      ttlSeconds: cluster.bootstrapToken.ttlSeconds,
      groups: cluster.bootstrapToken.groups,
      description: cluster.bootstrapToken.description,
      random,
    });
    put(`tokens/${token.id}.yaml`, toYaml(token), 0o600);
  }
  return staged;
}

/** Writes staged files below `base`: new files exclusively (a secret is never replaced), generations and versions atomically. */
function writeStaged(base: string, staged: Staged[], host: OperatorHost): void {
  for (const { rel, data, mode } of staged) {
    const path = join(base, rel);
    host.fs.mkdir(dirname(path), 0o700);
    if (rel === GENERATIONS_FILE || rel === VERSIONS_FILE) host.fs.writeAtomic(path, data, { mode, durable: true });
    else host.fs.writeExclusive(path, data, mode);
  }
}

function readBundle(dir: string, staged: Staged[], clusterName: string, fs: OperatorHost['fs']): SecretsBundle {
  const pending = new Map(staged.map((s) => [s.rel, s.data]));
  const reader = new StateReader(dir, fs);
  const has = (rel: string) => pending.has(rel) || reader.exists(rel);
  const read = (rel: string) => pending.get(rel) ?? reader.read(rel) ?? '';
  const pair = (base: string): CertKeyPair => ({ cert: read(`${base}.crt`), key: read(`${base}.key`) });
  return {
    clusterName,
    ca: pair(CA_FILES.ca.base),
    frontProxyCA: pair(CA_FILES.frontProxyCA.base),
    etcdCA: has(`${CA_FILES.etcdCA.base}.crt`) ? pair(CA_FILES.etcdCA.base) : undefined,
    sa: { key: read('pki/sa.key'), pub: read('pki/sa.pub') },
    bootstrapTokens: reader.tokens(),
    certificateKey: read('certificate-key').trim(),
    encryptionKey: has('encryption-key') ? read('encryption-key').trim() : undefined,
  };
}

/** Temporary directories of creations that were killed: we hold the lock, so none of them is in use. */
function removeLeftovers(dir: string, host: OperatorHost): void {
  const parent = dirname(dir);
  if (!host.fs.lstat(parent)) return;
  const prefix = `.${basename(dir)}.new-`;
  for (const entry of host.fs.readdir(parent)) if (entry.name.startsWith(prefix)) host.fs.remove(join(parent, entry.name));
}

function listFiles(dir: string, fs: OperatorHost['fs'], rel = ''): string[] {
  return fs.readdir(join(dir, rel)).flatMap((e) => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, fs, child) : [child];
  });
}

/** Runs a clean-up step that must not hide the error being handled. */
function cleanUp(step: () => unknown): void {
  try {
    step();
  } catch {
    // the original error matters more; a leftover is removed by the next render
  }
}
