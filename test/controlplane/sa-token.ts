// Service-account tokens: the JWTs kube-apiserver issues through the TokenRequest API
// (POST .../serviceaccounts/<name>/token) and authenticates as system:serviceaccount:<ns>:<name>
// (pkg/serviceaccount/jwt.go, pkg/serviceaccount/claims.go). Signed with
// --service-account-signing-key-file (RS256 for RSA, ES256 for P-256), verified with every key in
// --service-account-key-file; `kid` is base64url(SHA-256(SPKI DER)) as keyIDFromPublicKey computes.
// The controller-manager with --use-service-account-credentials gets one token per controller this way.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function algorithmOf(key: KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`service-account key of type ${key.asymmetricKeyType} is not supported; expected RSA or ECDSA P-256`);
}

function keyId(pub: KeyObject): string {
  return b64url(createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest());
}

/** Parses every public key in a PEM file (certificates, PUBLIC KEY, or private keys whose public half is used). */
export function publicKeysFromPem(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN [^-]+-----[\s\S]+?-----END [^-]+-----/g) ?? [];
  return blocks.map((block) => createPublicKey(block));
}

export class TokenIssuer {
  private readonly key: KeyObject;
  private readonly alg: 'RS256' | 'ES256';
  private readonly kid: string;

  constructor(
    signingKeyPem: string,
    private readonly issuer: string,
  ) {
    this.key = createPrivateKey(signingKeyPem);
    this.alg = algorithmOf(this.key);
    this.kid = keyId(createPublicKey(this.key));
  }

  issue(sa: ServiceAccountRef, audiences: string[], expirationSeconds: number, now: Date): { token: string; expiration: Date } {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: TokenClaims = {
      iss: this.issuer,
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      aud: audiences,
      exp: iat + expirationSeconds,
      iat,
      nbf: iat,
      'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
    };
    const signingInput = `${b64url(JSON.stringify({ alg: this.alg, kid: this.kid }))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.alg === 'ES256' ? { key: this.key, dsaEncoding: 'ieee-p1363' } : this.key);
    return { token: `${signingInput}.${b64url(signature)}`, expiration: new Date((iat + expirationSeconds) * 1000) };
  }
}

/** Verifies signature, issuer, audience and time; returns the claims, or undefined if the token is not ours. */
export function verifyToken(token: string, keys: KeyObject[], issuers: string[], audiences: string[], now: Date): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: { alg?: string };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
  } catch {
    return undefined;
  }
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, 'base64url');
  const ok = keys.some((key) => {
    try {
      const alg = algorithmOf(key);
      if (alg !== header.alg) return false;
      return verify('sha256', input, alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
    } catch {
      return false;
    }
  });
  if (!ok || !issuers.includes(claims.iss)) return undefined;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => audiences.includes(a))) return undefined;
  const t = now.getTime() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp < t || (claims.nbf ?? 0) > t + 60) return undefined;
  if (!claims['kubernetes.io']?.serviceaccount) return undefined;
  return claims;
}
