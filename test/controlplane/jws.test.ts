// Detached JWS for cluster-info: upstream's test vector, and an independent check with node:crypto
// HMAC that the signature covers exactly b64url(header) "." b64url(content).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resign, signingTokens } from './bootstrapsigner.js';
import { computeDetachedSignature } from './jws.js';
import type { KubeObject } from './store.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function tokenSecret(name: string, data: Record<string, string>, type = 'bootstrap.kubernetes.io/token'): KubeObject {
  return { metadata: { name, namespace: 'kube-system' }, type, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}

describe('computeDetachedSignature', () => {
  it('matches the cluster-bootstrap token/jws test vector', () => {
    expect(computeDetachedSignature('Hello from the other side. I must have called a thousand times.', 'joshua', 'my voice is my passcode')).toBe(
      'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8',
    );
  });

  it.each([
    { content: 'apiVersion: v1\nkind: Config\n', id: 'abcdef', secret: '0123456789abcdef' },
    { content: '', id: 'zzzzzz', secret: 'aaaaaaaaaaaaaaaa' },
    { content: 'ünïcödé ✓', id: '123456', secret: 'abcdefabcdefabcd' },
  ])('verifies independently for token $id', ({ content, id, secret }) => {
    const [header, empty, mac] = computeDetachedSignature(content, id, secret).split('.');
    expect(empty).toBe('');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', kid: id });
    expect(Buffer.from(header!, 'base64url').toString()).toBe(`{"alg":"HS256","kid":"${id}"}`);
    const expected = createHmac('sha256', secret).update(`${header}.${Buffer.from(content).toString('base64url')}`).digest('base64url');
    expect(mac).toBe(expected);
    expect(mac).not.toContain('=');
  });
});

describe('bootstrapsigner token selection', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it.each([
    { name: 'valid signing token', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true' }), signs: true },
    { name: 'future expiration', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true', expiration: '2026-11-24T00:00:00Z' }), signs: true },
    { name: 'expired', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true', expiration: '2026-11-23T11:00:00Z' }), signs: false },
    { name: 'unparseable expiration', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true', expiration: 'tomorrow' }), signs: false },
    { name: 'signing usage missing', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' }), signs: false },
    { name: 'name does not match token-id', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'fedcba', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true' }), signs: false },
    { name: 'wrong Secret type', secret: tokenSecret('bootstrap-token-abcdef', { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true' }, 'Opaque'), signs: false },
  ])('$name -> signs=$signs', ({ secret, signs }) => {
    expect(signingTokens([secret], now).size).toBe(signs ? 1 : 0);
  });

  it('adds, keeps and removes signatures, and reports no change when nothing changed', () => {
    const kubeconfig = 'apiVersion: v1\nkind: Config\n';
    const tokens = new Map([['abcdef', '0123456789abcdef']]);
    const first = resign({ kubeconfig, 'jws-kubeconfig-gone00': 'x' }, tokens)!;
    expect(first).toEqual({ kubeconfig, 'jws-kubeconfig-abcdef': computeDetachedSignature(kubeconfig, 'abcdef', '0123456789abcdef') });
    expect(resign(first, tokens)).toBeUndefined();
    expect(resign(first, new Map())).toEqual({ kubeconfig });
    expect(resign({ other: 'x' }, tokens)).toBeUndefined();
  });
});
