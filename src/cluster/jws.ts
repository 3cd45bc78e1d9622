// Detached JWS over the cluster-info kubeconfig (upstream staging/src/k8s.io/cluster-bootstrap/token/jws/jws.go
// ComputeDetachedSignature / DetachedTokenIsValid; RFC 7515 appendix F): protected header exactly
// {"alg":"HS256","kid":"<token id>"}, HMAC-SHA256 keyed with the token secret over
// b64url(header) + "." + b64url(content), written as b64url(header) + ".." + b64url(mac), base64url unpadded.
// Upstream zero-pads secrets shorter than 32 bytes for go-jose; HMAC zero-pads every key shorter than its
// 64-byte block anyway, so the raw secret gives the same MAC. Verification recomputes the signature and
// compares in constant time (upstream compares with ==).
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function computeDetachedJWS(content: string, tokenId: string, tokenSecret: string): string {
  // JSON.stringify keeps insertion order: alg then kid, as go-jose writes the protected header.
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const mac = createHmac('sha256', tokenSecret).update(`${header}.${b64url(content)}`).digest();
  return `${header}..${b64url(mac)}`;
}

/** True when `jws` is the detached signature of `content` under the token; constant-time comparison. */
export function verifyDetachedJWS(content: string, jws: string, tokenId: string, tokenSecret: string): boolean {
  const expected = Buffer.from(computeDetachedJWS(content, tokenId, tokenSecret), 'utf8');
  const given = Buffer.from(jws, 'utf8');
  // Lengths are not secret (the header is public and the MAC has a fixed size); compare equal-length buffers only.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
