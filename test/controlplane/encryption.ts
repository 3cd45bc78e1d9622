// Encryption at rest for stored objects, as kube-apiserver's --encryption-provider-config
// (staging/src/k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go and
// staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/aes/aes.go):
// - the first provider of the matching resources entry encrypts new writes; every provider is tried
//   on read, selected by the value's prefix;
// - aescbc: `k8s:enc:aescbc:v1:<keyname>:` + iv(16) + AES-CBC(PKCS#7-padded plaintext);
// - aesgcm: `k8s:enc:aesgcm:v1:<keyname>:` + nonce(12) + AES-GCM(plaintext) + tag(16), with the etcd
//   key as additional authenticated data;
// - identity: the plaintext, no prefix.
// secretbox and kms need primitives node:crypto lacks (XSalsa20-Poly1305) or a plugin; they are a
// startup error here rather than a silent fallback.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** Turns a stored object's bytes into what goes into etcd and back. `key` is the etcd key. */
export interface Transformer {
  toStorage(plain: Buffer, key: string): Buffer;
  fromStorage(stored: Buffer, key: string): Buffer;
}

interface NamedKey {
  name: string;
  secret: Buffer;
}

interface Provider {
  prefix: string;
  encrypt(plain: Buffer, key: string): Buffer;
  decrypt(body: Buffer, key: string): Buffer;
}

export const identity: Transformer = { toStorage: (b) => b, fromStorage: (b) => b };

export class EncryptionConfigError extends Error {}

function cbcProvider(k: NamedKey): Provider {
  return {
    prefix: `k8s:enc:aescbc:v1:${k.name}:`,
    encrypt(plain) {
      const iv = randomBytes(16);
      const cipher = createCipheriv(`aes-${k.secret.length * 8}-cbc`, k.secret, iv);
      return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
    },
    decrypt(body) {
      const decipher = createDecipheriv(`aes-${k.secret.length * 8}-cbc`, k.secret, body.subarray(0, 16));
      return Buffer.concat([decipher.update(body.subarray(16)), decipher.final()]);
    },
  };
}

const gcmName = (k: NamedKey): CipherGCMTypes => `aes-${k.secret.length * 8}-gcm` as CipherGCMTypes;

function gcmProvider(k: NamedKey): Provider {
  return {
    prefix: `k8s:enc:aesgcm:v1:${k.name}:`,
    encrypt(plain, key) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv(gcmName(k), k.secret, nonce);
      cipher.setAAD(Buffer.from(key));
      return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    },
    decrypt(body, key) {
      const decipher = createDecipheriv(gcmName(k), k.secret, body.subarray(0, 12));
      decipher.setAAD(Buffer.from(key));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]);
    },
  };
}

function readKeys(path: string, kind: string, raw: unknown): NamedKey[] {
  const keys = (raw as { keys?: Array<{ name?: string; secret?: string }> } | undefined)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new EncryptionConfigError(`${path}: provider ${kind} has no keys; expected keys: [{name, secret: <base64 of 16, 24 or 32 bytes>}]`);
  }
  return keys.map((k, i) => {
    const secret = Buffer.from(k.secret ?? '', 'base64');
    if (!k.name || ![16, 24, 32].includes(secret.length)) {
      throw new EncryptionConfigError(
        `${path}: ${kind} key #${i + 1} (${k.name ?? 'unnamed'}) has a ${secret.length}-byte secret; expected a name and base64 of 16, 24 or 32 bytes`,
      );
    }
    return { name: k.name, secret };
  });
}

function buildTransformer(path: string, providers: Array<Record<string, unknown>>): Transformer {
  const readers: Provider[] = [];
  let writer: Provider | 'identity' | undefined;
  for (const p of providers) {
    const [kind] = Object.keys(p);
    let built: Provider[];
    if (kind === 'identity') built = [];
    else if (kind === 'aescbc') built = readKeys(path, kind, p[kind]).map(cbcProvider);
    else if (kind === 'aesgcm') built = readKeys(path, kind, p[kind]).map(gcmProvider);
    else {
      throw new EncryptionConfigError(`${path}: provider ${kind} is not supported by the test API server; use aescbc, aesgcm or identity`);
    }
    writer ??= kind === 'identity' ? 'identity' : built[0];
    readers.push(...built);
  }
  return {
    toStorage: (plain, key) => (writer === 'identity' || !writer ? plain : Buffer.concat([Buffer.from(writer.prefix), writer.encrypt(plain, key)])),
    fromStorage(stored, key) {
      const text = stored.subarray(0, 64).toString('latin1');
      const provider = readers.find((r) => text.startsWith(r.prefix));
      if (provider) return provider.decrypt(stored.subarray(provider.prefix.length), key);
      if (text.startsWith('k8s:enc:')) {
        throw new Error(`stored value at ${key} is encrypted with ${text.split(':').slice(0, 5).join(':')} which no configured provider can read`);
      }
      return stored;
    },
  };
}

/** Reads an EncryptionConfiguration and returns the transformer for each resource ("secrets", "leases.coordination.k8s.io"). */
export function loadEncryptionConfig(path: string): (resource: string, group: string) => Transformer {
  let doc: { kind?: string; resources?: Array<{ resources?: string[]; providers?: Array<Record<string, unknown>> }> };
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EncryptionConfigError(`--encryption-provider-config ${path}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  if (doc?.kind !== 'EncryptionConfiguration' || !Array.isArray(doc.resources)) {
    throw new EncryptionConfigError(`${path}: expected kind EncryptionConfiguration (apiserver.config.k8s.io/v1) with a resources list, found kind ${doc?.kind}`);
  }
  const entries = doc.resources.map((r) => ({ names: r.resources ?? [], transformer: buildTransformer(path, r.providers ?? []) }));
  return (resource, group) => {
    const full = group ? `${resource}.${group}` : resource;
    const match = entries.find((e) =>
      e.names.some((n) => n === full || n === '*.*' || (n === '*.' && !group) || (n.startsWith('*.') && n.slice(2) === group)),
    );
    return match?.transformer ?? identity;
  };
}
