// Request authentication, in upstream's order (staging/src/k8s.io/apiserver/pkg/authentication and
// pkg/kubeapiserver/authenticator/config.go): client certificate verified against --client-ca-file
// (CN = user, O = groups); bearer token: bootstrap token `<id>.<secret>`
// (plugin/pkg/auth/authenticator/token/bootstrap/bootstrap.go) or service-account JWT; otherwise
// anonymous. A bearer token that no authenticator accepts is a 401 (bearertoken.go's invalid token),
// never a fallback to anonymous. Every authenticated user gets system:authenticated.
import { timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { hasExpired, readTokenSecret, TOKEN_NAMESPACE, TOKEN_PATTERN, TOKEN_SECRET_PREFIX, tokenGroups } from './bootstrap-token.js';
import { findResource } from './resources.js';
import { verifyToken } from './sa-token.js';
import type { Store } from './store.js';
import { unauthorized } from './status.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AuthnConfig {
  bootstrapTokenAuth: boolean;
  serviceAccountKeys: KeyObject[];
  serviceAccountIssuers: string[];
  apiAudiences: string[];
  anonymous: boolean;
}

const secrets = findResource('', 'v1', 'secrets')!;
const serviceAccounts = findResource('', 'v1', 'serviceaccounts')!;

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}

const constantTimeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly config: AuthnConfig,
    private readonly now: () => Date,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo> {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.();
    const presentedCert = !!peer && Object.keys(peer).length > 0;
    if (presentedCert && socket.authorized) {
      const subject = peer.subject as unknown as Record<string, string | string[] | undefined>;
      const cn = [subject.CN ?? []].flat()[0];
      if (cn) return withAuthenticated({ name: cn, groups: [subject.O ?? []].flat() });
    }
    const header = req.headers.authorization;
    // A certificate that does not verify is an authentication error unless a token authenticates
    // (the union authenticator reports errors only when no authenticator succeeds).
    if (presentedCert && header === undefined) throw unauthorized();
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) throw unauthorized();
      const user = await this.authenticateToken(m[1]!);
      if (!user) throw unauthorized();
      return user;
    }
    if (!this.config.anonymous) throw unauthorized();
    return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  }

  /** A bearer token's user, or undefined when no token authenticator accepts it (TokenReview). */
  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const user = (await this.bootstrapToken(token)) ?? (await this.serviceAccountToken(token));
    return user && withAuthenticated(user);
  }

  private async bootstrapToken(token: string): Promise<UserInfo | undefined> {
    const m = TOKEN_PATTERN.exec(token);
    if (!m || !this.config.bootstrapTokenAuth) return undefined;
    const [, id, secret] = m as unknown as [string, string, string];
    const obj = await this.store.tryGet(secrets, TOKEN_NAMESPACE, TOKEN_SECRET_PREFIX + id);
    const t = obj && readTokenSecret(obj);
    if (!t || !constantTimeEqual(t.secret, secret) || t.id !== id) return undefined;
    if (hasExpired(t, this.now()) || !t.usages.has('authentication')) return undefined;
    const groups = tokenGroups(t);
    return groups ? { name: `system:bootstrap:${id}`, groups } : undefined;
  }

  private async serviceAccountToken(token: string): Promise<UserInfo | undefined> {
    if (this.config.serviceAccountKeys.length === 0) return undefined;
    const claims = verifyToken(token, this.config.serviceAccountKeys, this.config.serviceAccountIssuers, this.config.apiAudiences, this.now());
    if (!claims) return undefined;
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    // The ServiceAccount must still exist with the same uid (serviceaccount.Validator).
    const sa = await this.store.tryGet(serviceAccounts, namespace, serviceaccount.name);
    if (!sa || sa.metadata.uid !== serviceaccount.uid) return undefined;
    return {
      name: `system:serviceaccount:${namespace}:${serviceaccount.name}`,
      uid: serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    };
  }
}
