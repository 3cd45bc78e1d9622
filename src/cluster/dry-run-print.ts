// What a dry run prints for a request it does not send, as kubeadm's dry-run client logs an action
// (upstream: cmd/kubeadm/app/util/apiclient/dryrun.go LogAction and LogObject, v1.31+):
//   [dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"
//   [dryrun] Resource name "bootstrap-token-abcdef", namespace "kube-system"   (requests that name an object)
//   [dryrun] Attached object:
//   <the object as YAML>
// A PATCH shows its patch as kubeadm <= 1.30 did ("[dryrun] Attached patch:"). Secret values are redacted:
// a bootstrap token Secret's `token-secret` (its id, usages and expiry stay readable), every value of any
// other Secret (kubeadm-certs' encrypted keys, ...).
import { toYaml } from '../yaml.js';

/** What replaces a secret value in anything printed. */
export const REDACTED = '<redacted>';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const VERBS: Record<Method, string> = { GET: 'GET', POST: 'CREATE', PUT: 'UPDATE', PATCH: 'PATCH', DELETE: 'DELETE' };

/** The parts of a REST path: /api/v1/namespaces/kube-system/secrets/x, /apis/rbac.authorization.k8s.io/v1/clusterroles. */
export interface RestTarget {
  group: string;
  version: string;
  /** Plural resource, with "/subresource" when the path has one ("pods/eviction"). */
  resource: string;
  namespace: string;
  name?: string;
}

export function restTarget(path: string): RestTarget {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const [group, version, rest] = parts[0] === 'api' ? ['', parts[1] ?? '', parts.slice(2)] : [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [resource, name, sub] = namespaced ? rest.slice(2) : rest;
  return { group, version, resource: sub ? `${resource}/${sub}` : (resource ?? ''), namespace: namespaced ? rest[1]! : '', name };
}

const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';

/** A copy of `obj` with its Secret values replaced by REDACTED. */
export function redactObject(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null || (obj as { kind?: string }).kind !== 'Secret') return obj;
  const secret = { ...(obj as Record<string, unknown>) };
  const isSecret = (key: string) => secret.type !== BOOTSTRAP_TOKEN_TYPE || key === 'token-secret';
  for (const field of ['data', 'stringData']) {
    const values = secret[field];
    if (typeof values === 'object' && values !== null) {
      secret[field] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, isSecret(k) ? REDACTED : v]));
    }
  }
  return secret;
}

/** The lines kubeadm's dry-run client prints for one request. */
export function describeRequest(req: { method: Method; path: string; body?: string }): string[] {
  const t = restTarget(req.path);
  const lines = [`[dryrun] Would perform action ${VERBS[req.method]} on resource "${t.resource}" in API group "${t.group || 'core'}/${t.version}"`];
  if (t.name !== undefined) lines.push(`[dryrun] Resource name "${t.name}", namespace "${t.namespace}"`);
  if (!req.body) return lines;
  if (req.method === 'PATCH') return [...lines, '[dryrun] Attached patch:', `\t${t.resource.startsWith('secrets') ? REDACTED : req.body}`];
  return [...lines, '[dryrun] Attached object:', toYaml(redactObject(JSON.parse(req.body))).trimEnd()];
}
