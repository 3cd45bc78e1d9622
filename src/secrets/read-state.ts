// The state directory as the operator's day-2 commands see it: read only. It never creates or completes a
// state (that is `kgen render`'s job, src/secrets/state.ts); a missing or foreign state is a clear error.
// readOperatorState reads only the CAs: they sign short-lived admin credentials and are the reference
// certificates are checked against. `kgen replace` also reads the keys it uploads again (readSharedKeys), the
// token a node joins with (readJoinToken) and the versions the last render recorded (readVersions).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../yaml-input.js';
import type { CertKeyPair } from '../pki/types.js';
import { diskFs } from '../operator-host.js';
import { GENERATIONS_FILE, parseGenerations, type Generations } from './generations.js';
import { StateError } from './state-error.js';
import { StateReader } from './state-check.js';
import type { BootstrapToken, SecretsBundle } from './types.js';
import { statePki } from './pki-port.js';
import { parseVersions, VERSIONS_FILE, type RecordedVersions } from './versions.js';

export interface OperatorState {
  dir: string;
  clusterName: string;
  ca: CertKeyPair;
  frontProxyCA: CertKeyPair;
  /** Present with stacked (local) etcd only. */
  etcdCA?: CertKeyPair;
}

/** Reads the CAs of the state in `dir`, which must belong to cluster `clusterName`. */
export function readOperatorState(dir: string, clusterName: string): OperatorState {
  const stateFile = join(dir, 'state.yaml');
  if (!existsSync(stateFile)) {
    throw new StateError(`${dir} holds no kgen state (no state.yaml); run \`kgen render\` first, or point --state at the cluster's state directory`);
  }
  let owner: unknown;
  try {
    owner = (parse(readFileSync(stateFile, 'utf8')) as { clusterName?: unknown } | null)?.clusterName;
  } catch (err) {
    throw new StateError(`${stateFile} is not valid YAML (${(err as Error).message.split('\n')[0]}); restore the state from your backup`);
  }
  if (owner !== clusterName) {
    throw new StateError(`${dir} holds the secrets of cluster "${String(owner)}", but the inventory describes cluster "${clusterName}"; use --state to point at that cluster's own state directory`);
  }
  const pair = (base: string): CertKeyPair => {
    const [cert, key] = [`${base}.crt`, `${base}.key`];
    for (const rel of [cert, key]) if (!existsSync(join(dir, rel))) throw new StateError(`${join(dir, rel)} is missing; restore the state from your backup`);
    const found = { cert: readFileSync(join(dir, cert), 'utf8'), key: readFileSync(join(dir, key), 'utf8') };
    const { file, problem } = statePki.inspectCA(found);
    if (problem) throw new StateError(`${join(dir, file === 'key' ? key : cert)} ${problem}; restore the state from your backup`);
    return found;
  };
  return {
    dir,
    clusterName,
    ca: pair('pki/ca'),
    frontProxyCA: pair('pki/front-proxy-ca'),
    etcdCA: existsSync(join(dir, 'pki/etcd/ca.crt')) ? pair('pki/etcd/ca') : undefined,
  };
}

/** The keys every control-plane node shares besides the CAs, as kubeadm-certs carries them. */
export type SharedKeys = Pick<SecretsBundle, 'sa' | 'certificateKey' | 'encryptionKey'>;

export function readSharedKeys(dir: string): SharedKeys {
  const read = (rel: string) => {
    if (!existsSync(join(dir, rel))) throw new StateError(`${join(dir, rel)} is missing; restore the state from your backup`);
    return readFileSync(join(dir, rel), 'utf8');
  };
  return {
    sa: { key: read('pki/sa.key'), pub: read('pki/sa.pub') },
    certificateKey: read('certificate-key').trim(),
    encryptionKey: existsSync(join(dir, 'encryption-key')) ? read('encryption-key').trim() : undefined,
  };
}

/** generations.yaml of the state in `dir` ({} before the first reimage); a damaged file is a StateError. */
export function readGenerations(dir: string): Generations {
  return readOptional(dir, GENERATIONS_FILE, parseGenerations) ?? {};
}

/** A state file that may be absent (undefined), parsed; a damaged one is a StateError naming the file. */
function readOptional<T>(dir: string, file: string, parseFile: (text: string, problems: string[]) => T): T | undefined {
  const reader = new StateReader(dir, diskFs);
  const text = reader.read(file, { optional: true });
  const value = text === undefined ? undefined : parseFile(text, reader.problems);
  if (reader.problems.length > 0) throw new StateError(`the state in ${dir} is damaged, so nothing was changed: ${reader.problems.join('; ')}`);
  return value;
}

/** The token `node` joins with, as render picks it: its own (generations.yaml) or the cluster's first token. */
export function readJoinToken(dir: string, node: string): BootstrapToken {
  const reader = new StateReader(dir, diskFs);
  const tokens = reader.tokens();
  const problems = reader.problems;
  const id = readGenerations(dir)[node]?.tokenId;
  const token = id === undefined ? tokens[0] : tokens.find((t) => t.id === id);
  if (!token) {
    const why = problems.length > 0 ? problems.join('; ') : id === undefined ? 'tokens/ holds no token' : `tokens/${id}.yaml is missing`;
    throw new StateError(`no join token for ${node} in ${dir}: ${why}; restore the state from your backup`);
  }
  return token;
}

/** versions.yaml of the state in `dir`; undefined in a state written before it existed. A damaged file is a StateError. */
export function readVersions(dir: string): RecordedVersions | undefined {
  return readOptional(dir, VERSIONS_FILE, parseVersions);
}
