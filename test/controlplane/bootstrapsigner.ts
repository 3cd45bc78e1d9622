// The bootstrapsigner controller (pkg/controller/bootstrap/bootstrapsigner.go): keeps one
// `jws-kubeconfig-<token id>` key in kube-public/cluster-info for every bootstrap token Secret in
// kube-system that is valid for signing (validateSecretForSigning: name bootstrap-token-<id> with
// matching token-id, a token-secret, not expired, usage-bootstrap-signing=true), and removes the
// keys of tokens that are gone. The ConfigMap is written only when a signature changed.
import { hasExpired, readTokenSecret, TOKEN_NAMESPACE, TOKEN_SECRET_PREFIX } from './bootstrap-token.js';
import { computeDetachedSignature } from './jws.js';
import type { ControllerContext } from './controller-client.js';
import type { KubeObject } from './store.js';

const SIG_PREFIX = 'jws-kubeconfig-';
const NAME_PATTERN = /^bootstrap-token-([a-z0-9]{6})$/;

/** token id -> secret for every token the signer signs with. */
export function signingTokens(secrets: KubeObject[], now: Date): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of secrets) {
    const nameId = NAME_PATTERN.exec(s.metadata.name ?? '')?.[1];
    const t = readTokenSecret(s);
    if (!nameId || !t || !t.id || t.id !== nameId || !t.secret || hasExpired(t, now) || !t.usages.has('signing')) continue;
    if (!out.has(t.id)) out.set(t.id, t.secret);
  }
  return out;
}

/** The cluster-info data with signatures recomputed, or undefined when nothing changes. */
export function resign(data: Record<string, string>, tokens: Map<string, string>): Record<string, string> | undefined {
  const content = data.kubeconfig;
  if (content === undefined) return undefined;
  const next: Record<string, string> = {};
  const old = new Map<string, string>();
  for (const [k, v] of Object.entries(data)) {
    if (k.startsWith(SIG_PREFIX)) old.set(k.slice(SIG_PREFIX.length), v);
    else next[k] = v;
  }
  let changed = false;
  for (const [id, secret] of tokens) {
    const sig = computeDetachedSignature(content, id, secret);
    if (old.get(id) !== sig) changed = true;
    old.delete(id);
    next[SIG_PREFIX + id] = sig;
  }
  return changed || old.size > 0 ? next : undefined;
}

export async function syncBootstrapSigner({ informer, client }: ControllerContext, now: Date): Promise<void> {
  const cm = ((await informer.call('GET', '/api/v1/namespaces/kube-public/configmaps?fieldSelector=metadata.name%3Dcluster-info')).items as KubeObject[])[0];
  if (!cm) return;
  const secrets = (await informer.call('GET', `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets`)).items as KubeObject[];
  const tokens = signingTokens(secrets.filter((s) => s.metadata.name?.startsWith(TOKEN_SECRET_PREFIX)), now);
  const data = resign((cm.data ?? {}) as Record<string, string>, tokens);
  if (data) await client.call('PUT', '/api/v1/namespaces/kube-public/configmaps/cluster-info', { apiVersion: 'v1', kind: 'ConfigMap', ...cm, data });
}
