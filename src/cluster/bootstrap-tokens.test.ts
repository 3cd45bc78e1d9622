import { describe, expect, it } from 'vitest';
import { bootstrapTokenSecret } from './bootstrap-token.js';
import type { Secret } from '../kube/types.js';
import { tokenFromSecret, tokenIdOf } from './bootstrap-tokens.js';

const token = {
  id: 'abcdef',
  secret: '0123456789abcdef',
  expiration: '2026-12-06T06:00:00Z',
  usages: ['signing', 'authentication'] as Array<'signing' | 'authentication'>,
  groups: ['system:bootstrappers:kubeadm:default-node-token'],
  description: 'rack 4',
};

describe('tokenFromSecret (BootstrapTokenFromSecret)', () => {
  it('reads back what the bootstrap-token Secret builder writes', () => {
    expect(tokenFromSecret(bootstrapTokenSecret(token))).toEqual({ ...token, usages: ['signing', 'authentication'] });
  });
  it('a token without expiration never expires', () => {
    expect(tokenFromSecret(bootstrapTokenSecret({ ...token, expiration: '' }))).toMatchObject({ expiration: undefined });
  });
  const broken = (change: (s: Secret) => void) => {
    const s = bootstrapTokenSecret(token);
    change(s);
    return tokenFromSecret(s);
  };
  it.each([
    ['a name that does not match the id', (s: Secret) => (s.metadata.name = 'bootstrap-token-zzzzzz'), /does not match token-id "abcdef"/],
    ['a malformed secret', (s: Secret) => (s.data['token-secret'] = Buffer.from('short').toString('base64')), /token-secret is missing or not/],
    ['an unreadable expiration', (s: Secret) => (s.data.expiration = Buffer.from('tomorrow').toString('base64')), /expiration "tomorrow" is not an RFC 3339 time/],
  ])('rejects %s, naming the Secret and never the token secret', (_, change, message) => {
    const reason = broken(change);
    expect(reason).toMatch(message);
    expect(reason).not.toContain('0123456789abcdef');
  });
});

describe('tokenIdOf', () => {
  it.each([
    ['abcdef', 'abcdef'],
    ['abcdef.0123456789abcdef', 'abcdef'],
  ])('%s -> %s', (arg, id) => expect(tokenIdOf(arg)).toBe(id));
  it('rejects anything else', () => expect(() => tokenIdOf('ABCDEF')).toThrow(/neither a token id/));
});
