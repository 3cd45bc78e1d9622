// A dry run prints every file and API object it would write: this test greps its whole output for every
// secret of node.yaml, in every form a file or an object could carry it (as is, base64, each line of a PEM
// key's body, the PEM base64-encoded as kubeconfigs embed it), and for any private key or client key the run
// generated itself.
import { describe, expect, it } from 'vitest';
import type { NodeBootConfig } from '../contract/config.js';
import { main } from './cli.js';
import { secretValues } from './log.js';
import { configFor } from './test-fixtures.js';
import { captureIO, realInitConfig, testNode } from './test-node.js';

// Other tests on this machine may hold these ports on 127.0.0.1; the checks still run and warn.
const PORTS = ['Port-6443', 'Port-10259', 'Port-10257', 'Port-2379', 'Port-2380', 'Port-10250'];

/**
 * Every form of every secret value that must not appear. An EC private key's PEM ends with its public point,
 * so a body line shared with the public key or a certificate (sa.pub prints whole) is not a secret.
 */
function forbiddenStrings(config: NodeBootConfig): string[] {
  const s = config.secrets;
  const publicText = [s?.ca.cert, s?.frontProxyCA.cert, s?.etcdCA?.cert, s?.sa.pub].join('\n');
  const out = new Set<string>();
  for (const value of secretValues(config).filter((v) => v.length >= 6)) {
    out.add(value);
    out.add(Buffer.from(value).toString('base64'));
    // A PEM key's body lines: any one of them printed is a leak.
    for (const line of value.split('\n')) if (/^[A-Za-z0-9+/=]{16,}$/.test(line) && !publicText.includes(line)) out.add(line);
  }
  return [...out];
}

async function dryRun(config: NodeBootConfig, argv: string[]): Promise<string> {
  const node = testNode(config);
  const c = captureIO();
  const code = await main([...argv, '--dry-run', '--root', node.root], c.io, { ...node.deps, timeouts: { controlPlaneMs: 1000, apiObjectMs: 1000, pollMs: 10 } });
  expect(code, c.err()).toBe(0);
  return c.out() + c.err();
}

function expectNoSecrets(output: string, config: NodeBootConfig): void {
  const leaked = forbiddenStrings(config).filter((s) => output.includes(s));
  expect(leaked).toEqual([]);
  // Keys and credentials the run generated itself: no PEM private key body, no client key, no token.
  expect(output).not.toMatch(/PRIVATE KEY-----\n(?!<redacted>)/);
  expect(output).not.toMatch(/client-key-data: (?!<redacted>)/);
  expect(output).not.toMatch(/^\s*token: (?!<redacted>)/m);
}

describe('a dry run prints no secret', () => {
  it('init node with encryption at rest: the whole workflow', async () => {
    const config = await realInitConfig((c) => {
      c.cluster.ignorePreflightErrors = PORTS;
      c.cluster.encryptionAtRest = true;
      c.secrets!.encryptionKey = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    });
    const out = await dryRun(config, ['run']);
    // The run printed the files and objects that hold the secrets, so the grep had something to search.
    for (const printed of [
      '[dryrun] Would write file "/etc/kubernetes/pki/ca.key" with content:',
      '[dryrun] Would write file "/etc/kubernetes/pki/encryption-config.yaml" with content:',
      '[dryrun] Would write file "/etc/kubernetes/admin.conf" with content:',
      '  name: kubeadm-certs',
      'type: bootstrap.kubernetes.io/token',
    ]) {
      expect(out).toContain(printed);
    }
    expectNoSecrets(out, config);
  });

  it.each(['worker', 'control-plane-join'] as const)('%s: the whole workflow against the simulated cluster', async (role) => {
    const config = configFor(role);
    config.cluster.ignorePreflightErrors = PORTS;
    const out = await dryRun(config, ['run']);
    expect(out).toContain('[dryrun] Would write file "/etc/kubernetes/bootstrap-kubelet.conf" with content:');
    if (role === 'control-plane-join') expect(out).toContain('[dryrun] Would write file "/etc/kubernetes/pki/ca.key" with content:');
    expectNoSecrets(out, config);
  });
});
