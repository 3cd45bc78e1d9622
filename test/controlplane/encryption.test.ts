// EncryptionConfiguration providers, checked by decrypting independently with node:crypto.
import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/yaml.js';
import { EncryptionConfigError, loadEncryptionConfig } from './encryption.js';

const dir = mkdtempSync(join(tmpdir(), 'kgen-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key1 = Buffer.alloc(32, 1);
const key2 = Buffer.alloc(32, 2);

function config(name: string, providers: unknown[], resources = ['secrets']): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, toYaml({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources, providers }] }));
  return path;
}

const plain = Buffer.from('{"kind":"Secret","data":{"k":"dg=="}}');
const etcdKey = '/registry/secrets/default/s';

describe('loadEncryptionConfig', () => {
  it('aescbc writes k8s:enc:aescbc:v1:<key>: + iv + AES-CBC(PKCS#7) with the first key', () => {
    const t = loadEncryptionConfig(config('cbc', [{ aescbc: { keys: [{ name: 'key1', secret: key1.toString('base64') }] } }, { identity: {} }]))('secrets', '');
    const stored = t.toStorage(plain, etcdKey);
    const prefix = Buffer.from('k8s:enc:aescbc:v1:key1:');
    expect(stored.subarray(0, prefix.length)).toEqual(prefix);
    const body = stored.subarray(prefix.length);
    const d = createDecipheriv('aes-256-cbc', key1, body.subarray(0, 16));
    expect(Buffer.concat([d.update(body.subarray(16)), d.final()])).toEqual(plain);
    expect(t.fromStorage(stored, etcdKey)).toEqual(plain);
    // identity is listed, so plaintext written before encryption was enabled still reads.
    expect(t.fromStorage(plain, etcdKey)).toEqual(plain);
  });

  it('aesgcm authenticates the etcd key as additional data', () => {
    const t = loadEncryptionConfig(config('gcm', [{ aesgcm: { keys: [{ name: 'g1', secret: key1.toString('base64') }] } }]))('secrets', '');
    const stored = t.toStorage(plain, etcdKey);
    const body = stored.subarray('k8s:enc:aesgcm:v1:g1:'.length);
    const d = createDecipheriv('aes-256-gcm', key1, body.subarray(0, 12));
    d.setAAD(Buffer.from(etcdKey));
    d.setAuthTag(body.subarray(body.length - 16));
    expect(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()])).toEqual(plain);
    expect(() => t.fromStorage(stored, '/registry/secrets/default/other')).toThrow();
  });

  it('reads values written with an older key after rotation (new key first)', () => {
    const old = loadEncryptionConfig(config('old', [{ aescbc: { keys: [{ name: 'key1', secret: key1.toString('base64') }] } }]))('secrets', '');
    const rotated = loadEncryptionConfig(
      config('rotated', [{ aescbc: { keys: [{ name: 'key2', secret: key2.toString('base64') }, { name: 'key1', secret: key1.toString('base64') }] } }]),
    )('secrets', '');
    expect(rotated.fromStorage(old.toStorage(plain, etcdKey), etcdKey)).toEqual(plain);
    expect(rotated.toStorage(plain, etcdKey).subarray(0, 23).toString()).toBe('k8s:enc:aescbc:v1:key2:');
  });

  it('leaves resources outside the configuration in plaintext', () => {
    const forResource = loadEncryptionConfig(config('scope', [{ aescbc: { keys: [{ name: 'key1', secret: key1.toString('base64') }] } }]));
    expect(forResource('configmaps', '').toStorage(plain, etcdKey)).toEqual(plain);
  });

  it('refuses to read a value encrypted with an unknown key instead of returning ciphertext', () => {
    const t = loadEncryptionConfig(config('cbc2', [{ aescbc: { keys: [{ name: 'key1', secret: key1.toString('base64') }] } }]))('secrets', '');
    expect(() => t.fromStorage(Buffer.from('k8s:enc:aescbc:v1:other:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), etcdKey)).toThrow(/no configured provider can read/);
  });

  it.each([
    { name: 'secretbox (unsupported here)', providers: [{ secretbox: { keys: [{ name: 'k', secret: key1.toString('base64') }] } }], error: /secretbox is not supported/ },
    { name: 'a 20-byte key', providers: [{ aescbc: { keys: [{ name: 'k', secret: Buffer.alloc(20).toString('base64') }] } }], error: /20-byte secret/ },
    { name: 'no keys', providers: [{ aescbc: {} }], error: /has no keys/ },
  ])('rejects $name', ({ providers, error }) => {
    expect(() => loadEncryptionConfig(config('bad', providers))).toThrow(EncryptionConfigError);
    expect(() => loadEncryptionConfig(config('bad', providers))).toThrow(error);
  });
});
