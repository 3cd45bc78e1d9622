// Bootstrap tokens: "[a-z0-9]{6}.[a-z0-9]{16}" (upstream: k8s.io/cluster-bootstrap/token/util/helpers.go,
// cmd/kubeadm/app/apis/bootstraptoken/v1/utils.go). Generated from an injected random source so tests
// and seeded renders are deterministic.
import { randomBytes } from 'node:crypto';
import type { BootstrapToken } from './types.js';

export const TOKEN_ID_RE = /^[a-z0-9]{6}$/;
export const TOKEN_SECRET_RE = /^[a-z0-9]{16}$/;
export const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform characters from `random` by rejection sampling (256 % 36 != 0). */
function randomString(length: number, random: (n: number) => Buffer): string {
  let out = '';
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < limit && out.length < length) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

export interface NewTokenOptions {
  now: Date;
  ttlSeconds: number;
  groups: string[];
  description: string;
  random?: (n: number) => Buffer;
}

export function newBootstrapToken(opts: NewTokenOptions): BootstrapToken {
  const random = opts.random ?? randomBytes;
  return {
    id: randomString(6, random),
    secret: randomString(16, random),
    expiration: rfc3339(new Date(opts.now.getTime() + opts.ttlSeconds * 1000)),
    usages: ['signing', 'authentication'],
    groups: [...opts.groups],
    description: opts.description,
  };
}

/** "<id>.<secret>", the form kubeadm join --token takes. */
export function tokenString(token: Pick<BootstrapToken, 'id' | 'secret'>): string {
  return `${token.id}.${token.secret}`;
}

/** RFC 3339 in UTC without fractional seconds, as kubeadm writes `expiration`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** True when the token is still valid `marginSeconds` from `now`. */
export function tokenValidAt(token: BootstrapToken, now: Date, marginSeconds = 0): boolean {
  return Date.parse(token.expiration) > now.getTime() + marginSeconds * 1000;
}
