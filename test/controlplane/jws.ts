// Detached JWS for cluster-info, as staging/src/k8s.io/cluster-bootstrap/token/jws/jws.go
// ComputeDetachedSignature writes it: protected header exactly {"alg":"HS256","kid":"<token id>"},
// HMAC-SHA256 keyed with the token secret over b64url(header) + "." + b64url(content), serialized
// as b64url(header) + ".." + b64url(mac) (the payload is left out), base64url without padding.
import { createHmac } from 'node:crypto';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function computeDetachedSignature(content: string, tokenId: string, tokenSecret: string): string {
  // JSON.stringify keeps insertion order: alg then kid, as go-jose serializes the header.
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const mac = createHmac('sha256', tokenSecret).update(`${header}.${b64url(content)}`).digest();
  return `${header}..${b64url(mac)}`;
}
