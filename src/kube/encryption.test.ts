import { describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { encryptionConfiguration } from './encryption.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('encryptionConfiguration', () => {
  it('matches the snapshot', async () => {
    await expect(toYaml(encryptionConfiguration(KEY))).toMatchFileSnapshot('__snapshots__/encryption-config.yaml');
  });

  it('encrypts secrets with aescbc key1 and falls back to identity', () => {
    const c = encryptionConfiguration(KEY);
    expect(c.resources).toEqual([{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'key1', secret: KEY }] } }, { identity: {} }] }]);
  });

  it.each([Buffer.alloc(16).toString('base64'), ''])('rejects a key that is not 32 bytes (%j)', (key) => {
    expect(() => encryptionConfiguration(key)).toThrow(/32 bytes/);
  });
});
