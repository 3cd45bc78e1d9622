import { describe, expect, it } from 'vitest';
import type { Clock } from './host.js';
import { REDACTED, Redactor, createLogger, secretValues } from './log.js';
import { CERT_KEY, TOKEN_SECRET, configFor } from './test-fixtures.js';

const clock: Clock = { now: () => new Date('2026-01-01T00:00:00Z'), sleep: async () => undefined };

describe('Redactor', () => {
  const redactor = new Redactor();
  redactor.add(secretValues(configFor('init')));

  it.each([
    ['a full token', `token abcdef.${TOKEN_SECRET} used`, `token ${REDACTED} used`],
    ['a bare token secret', `secret=${TOKEN_SECRET}`, `secret=${REDACTED}`],
    ['the certificate key', `--certificate-key ${CERT_KEY}`, `--certificate-key ${REDACTED}`],
    ['a PEM private key block', 'k: -----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n', `k: ${REDACTED}\n`],
    ['an RSA PEM private key block', '-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----', REDACTED],
    ['text without secrets is untouched', '[certs] Generating "apiserver" certificate and key', '[certs] Generating "apiserver" certificate and key'],
    ['a certificate is not a secret', '-----BEGIN CERTIFICATE-----\nCACERT\n-----END CERTIFICATE-----', '-----BEGIN CERTIFICATE-----\nCACERT\n-----END CERTIFICATE-----'],
  ])('hides %s', (_name, input, expected) => {
    expect(redactor.redact(input)).toBe(expected);
  });

  it('hides the private keys of the init secrets even outside PEM framing', () => {
    const s = configFor('init').secrets!;
    expect(redactor.redact(`dump ${s.ca.key}`)).toBe(`dump ${REDACTED}\n`);
  });

  it('leaves the worker config with only the discovery token as a secret', () => {
    expect(secretValues(configFor('worker')).filter(Boolean).sort()).toEqual([TOKEN_SECRET, `abcdef.${TOKEN_SECRET}`].sort());
  });
});

describe('createLogger', () => {
  it('prints kubeadm-style lines, timestamps file lines, keeps order, and redacts both', async () => {
    const out: string[] = [];
    const file: string[] = [];
    const log = createLogger({ stdout: (t) => out.push(t), file: async (t) => void file.push(t), clock });
    log.addSecrets([TOKEN_SECRET]);
    log.phase('certs', 'Generating "apiserver" certificate and key');
    log.warn(`leaked ${TOKEN_SECRET}`, 'preflight');
    log.info('done');
    await log.flush();
    expect(out).toEqual(['[certs] Generating "apiserver" certificate and key\n', `[preflight] WARNING: leaked ${REDACTED}\n`, 'done\n']);
    expect(file).toEqual([
      '2026-01-01T00:00:00.000Z [certs] Generating "apiserver" certificate and key\n',
      `2026-01-01T00:00:00.000Z [preflight] WARNING: leaked ${REDACTED}\n`,
      '2026-01-01T00:00:00.000Z done\n',
    ]);
  });

  it('falls back to stdout only, once, when the log file cannot be written', async () => {
    const out: string[] = [];
    const log = createLogger({ stdout: (t) => out.push(t), file: async () => Promise.reject(new Error('read-only file system')), clock });
    log.info('one');
    log.info('two');
    await log.flush();
    expect(out.filter((l) => l.startsWith('WARNING: cannot write /var/log/kgen-boot.log: read-only file system'))).toHaveLength(1);
    expect(out).toContain('two\n');
  });
});
