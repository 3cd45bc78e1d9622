// pflag-compatible parsing of the control-plane programs' command lines.
import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags, type FlagSpecs } from './flags.js';

const SPECS: FlagSpecs = {
  'secure-port': { kind: 'int', default: '6443' },
  'bind-address': { kind: 'string', default: '0.0.0.0' },
  'enable-bootstrap-token-auth': { kind: 'bool' },
  'service-account-issuer': { kind: 'list' },
  'authorization-mode': { kind: 'list', default: 'AlwaysAllow' },
};

describe('parseFlags', () => {
  it.each([
    { name: 'defaults when absent', argv: [], check: (f: ReturnType<typeof parseFlags>) => expect([f.int('secure-port'), f.string('bind-address'), f.list('authorization-mode')]).toEqual([6443, '0.0.0.0', ['AlwaysAllow']]) },
    { name: '--name=value', argv: ['--bind-address=127.0.0.1'], check: (f: ReturnType<typeof parseFlags>) => expect(f.string('bind-address')).toBe('127.0.0.1') },
    { name: '--name value', argv: ['--secure-port', '7443'], check: (f: ReturnType<typeof parseFlags>) => expect(f.int('secure-port')).toBe(7443) },
    { name: 'bare boolean', argv: ['--enable-bootstrap-token-auth'], check: (f: ReturnType<typeof parseFlags>) => expect(f.bool('enable-bootstrap-token-auth')).toBe(true) },
    { name: 'explicit false', argv: ['--enable-bootstrap-token-auth=false'], check: (f: ReturnType<typeof parseFlags>) => expect(f.bool('enable-bootstrap-token-auth')).toBe(false) },
    { name: 'comma list', argv: ['--authorization-mode=Node,RBAC'], check: (f: ReturnType<typeof parseFlags>) => expect(f.list('authorization-mode')).toEqual(['Node', 'RBAC']) },
    {
      name: 'repeated slice flag appends',
      argv: ['--service-account-issuer=https://a', '--service-account-issuer=https://b'],
      check: (f: ReturnType<typeof parseFlags>) => expect(f.list('service-account-issuer')).toEqual(['https://a', 'https://b']),
    },
    { name: 'value containing =', argv: ['--bind-address=a=b'], check: (f: ReturnType<typeof parseFlags>) => expect(f.string('bind-address')).toBe('a=b') },
  ])('accepts $name', ({ argv, check }) => check(parseFlags('kube-apiserver', argv, SPECS)));

  it.each([
    { name: 'an unknown flag', argv: ['--insecure-port=0'], error: 'kube-apiserver: unknown flag: --insecure-port' },
    { name: 'a positional argument', argv: ['kube-apiserver'], error: 'unexpected argument "kube-apiserver"' },
    { name: 'a non-integer int', argv: ['--secure-port=https'], error: 'invalid argument "https" for --secure-port' },
    { name: 'a non-boolean bool', argv: ['--enable-bootstrap-token-auth=yes'], error: 'invalid argument "yes" for --enable-bootstrap-token-auth' },
    { name: 'a missing value', argv: ['--bind-address'], error: 'flag needs an argument: --bind-address' },
  ])('rejects $name', ({ argv, error }) => {
    expect(() => parseFlags('kube-apiserver', argv, SPECS)).toThrow(FlagError);
    expect(() => parseFlags('kube-apiserver', argv, SPECS)).toThrow(error);
  });

  it('require() names the missing flag', () => {
    expect(() => parseFlags('kube-controller-manager', [], { kubeconfig: { kind: 'string' } }).require('kubeconfig')).toThrow('kube-controller-manager: --kubeconfig is required');
  });
});
