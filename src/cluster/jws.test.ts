import { describe, expect, it } from 'vitest';
import { computeDetachedJWS, verifyDetachedJWS } from './jws.js';

// Upstream's test vector (staging/src/k8s.io/cluster-bootstrap/token/jws/jws_test.go).
const CONTENT = 'Hello from the other side. I must have called a thousand times.';
const ID = 'joshua';
const SECRET = 'my voice is my passcode';
const VECTOR = 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8';

describe('detached JWS', () => {
  it('matches the upstream cluster-bootstrap test vector', () => {
    expect(computeDetachedJWS(CONTENT, ID, SECRET)).toBe(VECTOR);
  });

  it('writes the protected header exactly as kubeadm does', () => {
    const [header, payload] = computeDetachedJWS('x', 'abcdef', '0123456789abcdef').split('.');
    expect(Buffer.from(header!, 'base64url').toString()).toBe('{"alg":"HS256","kid":"abcdef"}');
    expect(payload).toBe('');
  });

  it('verifies the upstream vector', () => {
    expect(verifyDetachedJWS(CONTENT, VECTOR, ID, SECRET)).toBe(true);
  });

  it.each([
    ['tampered content', CONTENT + ' ', VECTOR, ID, SECRET],
    ['wrong secret', CONTENT, VECTOR, ID, 'my voice is my passcodE'],
    ['wrong token id', CONTENT, VECTOR, 'joshub', SECRET],
    ['tampered mac', CONTENT, VECTOR.slice(0, -1) + '9', ID, SECRET],
    ['attached payload', CONTENT, VECTOR.replace('..', `.${Buffer.from(CONTENT).toString('base64url')}.`), ID, SECRET],
    ['truncated signature', CONTENT, VECTOR.slice(0, -4), ID, SECRET],
    ['empty signature', CONTENT, '', ID, SECRET],
  ])('rejects %s', (_name, content, jws, id, secret) => {
    expect(verifyDetachedJWS(content, jws, id, secret)).toBe(false);
  });
});
