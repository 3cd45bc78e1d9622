// Reading a kubeconfig the way client-go's clientcmd does for one non-interactive client (upstream:
// staging/src/k8s.io/client-go/tools/clientcmd/loader.go, client_config.go): current-context picks the
// cluster and user; *-data fields are base64, file fields are paths (relative ones resolve against the
// kubeconfig's directory). Paths are node paths and are read under the node's root. Written
// independently of src/ so the test kubelet cross-checks what kgen-boot writes.
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { parse } from 'yaml';

export interface ClientCredentials {
  server: string;
  /** PEM CA bundle; undefined means the system roots. */
  ca?: string;
  /** PEM client certificate (chain) and key. */
  cert?: string;
  key?: string;
  token?: string;
}

interface Named<T> {
  name: string;
  [field: string]: T | string;
}

function pick<T>(list: unknown, name: string, kind: string, file: string): T {
  const entry = (Array.isArray(list) ? (list as Named<T>[]) : []).find((e) => e?.name === name);
  const value = entry?.[kind] as T | undefined;
  if (!entry || !value) throw new Error(`${file}: no ${kind} named "${name}"`);
  return value;
}

/** Loads `path` (a node path) under `root`. Throws with the file named when anything is missing. */
export function loadKubeconfig(root: string, path: string): ClientCredentials {
  const doc = parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
  if (doc?.kind !== 'Config') throw new Error(`${path}: not a kubeconfig (kind ${String(doc?.kind)})`);
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || !contextName) throw new Error(`${path}: current-context is not set`);
  const context = pick<{ cluster: string; user: string }>(doc.contexts, contextName, 'context', path);
  const cluster = pick<Record<string, string>>(doc.clusters, context.cluster, 'cluster', path);
  const user = pick<Record<string, string>>(doc.users, context.user, 'user', path);
  const readRef = (field: string, from: Record<string, string>): string | undefined => {
    if (from[`${field}-data`]) return Buffer.from(from[`${field}-data`]!, 'base64').toString('utf8');
    const ref = from[field];
    if (!ref) return undefined;
    const nodePath = posix.isAbsolute(ref) ? ref : posix.join(dirname(path), ref);
    return readFileSync(join(root, nodePath), 'utf8');
  };
  if (!cluster.server) throw new Error(`${path}: cluster "${context.cluster}" has no server`);
  const creds: ClientCredentials = { server: cluster.server };
  const ca = readRef('certificate-authority', cluster);
  if (ca) creds.ca = ca;
  const cert = readRef('client-certificate', user);
  const key = readRef('client-key', user);
  if (cert) creds.cert = cert;
  if (key) creds.key = key;
  if (user.token) creds.token = user.token;
  return creds;
}

/**
 * The kubeconfig the kubelet writes after TLS bootstrap (upstream: pkg/kubelet/certificate/bootstrap
 * writeKubeconfigFromBootstrapping): the bootstrap kubeconfig's server and CA, client cert and key both
 * pointing at the cert store's current PEM.
 */
export function bootstrappedKubeconfig(server: string, ca: string, pemPath: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { 'certificate-authority-data': Buffer.from(ca).toString('base64'), server } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
    'current-context': 'default-context',
    preferences: {},
    users: [{ name: 'default-auth', user: { 'client-certificate': pemPath, 'client-key': pemPath } }],
  };
}
