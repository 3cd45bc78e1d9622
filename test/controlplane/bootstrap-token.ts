// Bootstrap token Secrets as upstream reads them (staging/src/k8s.io/cluster-bootstrap/token/api/types.go,
// .../token/util/helpers.go, .../secret/util.go): Secret kube-system/bootstrap-token-<id> of type
// bootstrap.kubernetes.io/token with base64 data keys token-id, token-secret, expiration (RFC 3339),
// usage-bootstrap-authentication / usage-bootstrap-signing ("true"), auth-extra-groups.
// Shared by the API server's token authenticator and the controller-manager's bootstrapsigner/tokencleaner.
import type { KubeObject } from './store.js';

export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const TOKEN_NAMESPACE = 'kube-system';
export const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface TokenSecret {
  id: string;
  secret: string;
  /** undefined: never expires. */
  expiration?: Date;
  /** true when the expiration is present but unparseable (upstream treats it as expired). */
  badExpiration: boolean;
  usages: Set<string>;
  extraGroups: string;
}

/** Decoded data of a bootstrap token Secret, or undefined when the object is not one. */
export function readTokenSecret(secret: KubeObject): TokenSecret | undefined {
  const data = (secret.data ?? {}) as Record<string, string>;
  if (secret.type !== TOKEN_SECRET_TYPE || secret.metadata.deletionTimestamp) return undefined;
  const get = (k: string): string => (data[k] === undefined ? '' : Buffer.from(data[k]!, 'base64').toString('utf8'));
  const id = get('token-id');
  const expirationText = get('expiration');
  const expiration = expirationText ? new Date(expirationText) : undefined;
  const usages = new Set(
    Object.keys(data)
      .filter((k) => k.startsWith('usage-bootstrap-') && get(k) === 'true')
      .map((k) => k.slice('usage-bootstrap-'.length)),
  );
  return {
    id,
    secret: get('token-secret'),
    expiration,
    badExpiration: expiration !== undefined && Number.isNaN(expiration.getTime()),
    usages,
    extraGroups: get('auth-extra-groups'),
  };
}

/** HasExpired (cluster-bootstrap/secret/util.go): past expiration, or an expiration that does not parse. */
export function hasExpired(t: TokenSecret, now: Date): boolean {
  if (t.badExpiration) return true;
  return t.expiration !== undefined && t.expiration.getTime() < now.getTime();
}

/** GetGroups: system:bootstrappers plus valid, de-duplicated auth-extra-groups; undefined if any is invalid. */
export function tokenGroups(t: TokenSecret): string[] | undefined {
  const groups = new Set(['system:bootstrappers']);
  for (const g of t.extraGroups.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!EXTRA_GROUP_PATTERN.test(g)) return undefined;
    groups.add(g);
  }
  return [...groups];
}
