// The state directory as the operator's day-2 commands see it: read only. It never creates or completes a
// state (that is `kgen render`'s job, src/secrets/state.ts); a missing or foreign state is a clear error.
// Only the CAs are read: they sign short-lived admin credentials and are the reference certificates are
// checked against.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../yaml-input.js';
import type { CertKeyPair } from '../pki/types.js';
import { StateError } from './state-error.js';
import { statePki } from './pki-port.js';

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
