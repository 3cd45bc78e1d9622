import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { createHost } from './host.js';
import { fileStatusStore } from './status.js';
import { CERT_KEY, TOKEN_SECRET, configFor, initMaterial } from './test-fixtures.js';
import { captureIO, testNode } from './test-node.js';
import { snapshotTree } from '../../test/helpers.js';

describe('kgen-boot --version and --help', () => {
  it('prints the version, the Kubernetes range and the sha256 of the running program', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kgen-ver-')), 'kgen-boot.mjs');
    writeFileSync(file, 'bundle bytes');
    const c = captureIO();
    expect(await main(['--version'], c.io, { programUrl: pathToFileURL(file).href, nodeVersion: 'v20.20.2' })).toBe(0);
    expect(c.out()).toBe(
      [
        'kgen-boot 0.1.0',
        '  kubernetes: v1.30 to v1.35',
        `  bundle sha256: ${createHash('sha256').update('bundle bytes').digest('hex')}`,
        '  node: v20.20.2',
        '',
      ].join('\n'),
    );
  });

  it.each([[[]], [['--help']], [['help']], [['run', '--help']], [['phase', 'certs', '-h']]])('prints usage for %j', async (argv) => {
    const c = captureIO();
    expect(await main(argv, c.io)).toBe(0);
    for (const cmd of ['run', 'phase NAME', 'phases', 'status', 'check-config', '--version']) expect(c.out()).toContain(`kgen-boot ${cmd}`);
  });

  it('rejects an unknown command with the usage, exit 1', async () => {
    const c = captureIO();
    expect(await main(['bootstrap'], c.io)).toBe(1);
    expect(c.err()).toMatch(/^kgen-boot: unknown command "bootstrap"\n\nkgen-boot: bring this machine/);
  });

  it('rejects unknown flags as usage errors', async () => {
    const c = captureIO();
    expect(await main(['status', '--verbose'], c.io)).toBe(1);
    expect(c.err()).toContain("Unknown option '--verbose'");
  });
});

describe('kgen-boot --dry-run on a joining node', () => {
  it.each(['worker', 'control-plane-join'] as const)('%s: runs every phase against a simulated cluster, contacting none and changing nothing', async (role) => {
    const node = testNode(configFor(role));
    const before = snapshotTree(node.root);
    const c = captureIO();
    // Any request that left the dry run's own transport would reach this one.
    const transport = () => async () => {
      throw new Error('a dry run sent a request');
    };
    const code = await main(['run', '--dry-run', '--root', node.root], c.io, { ...node.deps, transport, timeouts: { controlPlaneMs: 1000, apiObjectMs: 1000, pollMs: 10 } });
    expect(code, c.err()).toBe(0);
    const out = c.out();
    expect(out).toContain('[dryrun] No cluster is contacted: ConfigMap kube-public/cluster-info, ConfigMap kube-system/kubelet-config');
    expect(out).toContain('[discovery] Cluster info is valid and TLS validates against the pinned CA; will use API server "https://10.0.0.10:6443"');
    expect(out).toContain('[dryrun] Would write file "/var/lib/kubelet/config.yaml" with content:');
    expect(out).toContain('[dryrun] Would restart the kubelet service');
    expect(out).toContain('[dryrun] Would wait for the kubelet to perform the TLS Bootstrap and write /etc/kubernetes/kubelet.conf');
    if (role === 'control-plane-join') {
      expect(out).toContain('Secret kube-system/kubeadm-certs are simulated');
      expect(out).toContain('[dryrun] Would write file "/etc/kubernetes/pki/apiserver.crt" with content:');
      expect(out).toContain('[dryrun] Would add etcd member https://10.0.0.11:2380 as a learner');
      expect(out).toMatch(/--initial-cluster=cp1=https:\/\/10\.0\.0\.11:2380\n/);
      expect(out).toContain('[control-plane-check] kube-scheduler is healthy');
    }
    expect(out).toContain(role === 'worker' ? 'This node has joined the cluster.' : 'This node has joined the cluster as a control-plane node.');
    expect(node.services.actions).toEqual([]);
    expect(snapshotTree(node.root)).toEqual(before);
  });

  it('preflight alone simulates nothing', async () => {
    const node = testNode(configFor('worker'));
    const c = captureIO();
    await main(['phase', 'preflight', '--dry-run', '--root', node.root], c.io, node.deps);
    expect(c.out()).toContain('[preflight] Running pre-flight checks');
    expect(c.out()).not.toContain('No cluster is contacted');
  });
});

describe('kgen-boot check-config', () => {
  it('prints a summary of a valid config without any secret value', async () => {
    const node = testNode(configFor('init'));
    const c = captureIO();
    expect(await main(['check-config', '--root', node.root], c.io, node.deps)).toBe(0);
    expect(c.out()).toContain('node:            cp1 (init), address 10.0.0.11, generation 1');
    expect(c.out()).toContain('secrets:         cluster CA, front-proxy CA, etcd CA, service-account key pair, 1 bootstrap token(s)');
    expect(c.out()).toContain('token id abcdef');
    for (const secret of [TOKEN_SECRET, CERT_KEY, 'SECRETKEYBODY']) expect(c.out()).not.toContain(secret);
    // The fixtures' keys are real now: no PEM block and no line of a key's base64 body may appear either.
    expect(c.out()).not.toContain('PRIVATE KEY');
    expect(c.out()).not.toContain(initMaterial().ca.key.split('\n')[1]);
  });

  it('exits 1 naming the field of an invalid config', async () => {
    const bad = { ...configFor('worker'), certificateKey: CERT_KEY };
    const node = testNode(bad);
    const c = captureIO();
    expect(await main(['check-config', '--root', node.root], c.io, node.deps)).toBe(1);
    expect(c.err()).toContain('certificateKey: present on a worker');
    expect(c.err()).not.toContain(CERT_KEY);
  });
});

describe('kgen-boot phases', () => {
  it('prints the init phase tree (snapshot)', async () => {
    const c = captureIO();
    expect(await main(['phases', '--role', 'init'], c.io)).toBe(0);
    expect(c.out()).toMatchSnapshot();
  });

  it('takes the role from node.yaml when --role is not given', async () => {
    const node = testNode(configFor('init'));
    const c = captureIO();
    expect(await main(['phases', '--root', node.root], c.io, node.deps)).toBe(0);
    expect(c.out()).toMatch(/^The "init" workflow executes the following phases:\npreflight /);
  });

  it('rejects an unknown role', async () => {
    const c = captureIO();
    expect(await main(['phases', '--role', 'master'], c.io)).toBe(1);
    expect(c.err()).toContain('--role "master" is not a role; expected one of init, control-plane-join, worker');
  });
});

describe('kgen-boot phase', () => {
  it('rejects an unknown phase name as a usage error listing the valid names', async () => {
    const node = testNode(configFor('init'));
    const c = captureIO();
    expect(await main(['phase', 'certs/apiservr', '--root', node.root], c.io, node.deps)).toBe(1);
    expect(c.err()).toContain('unknown phase "certs/apiservr"; expected one of:');
    expect(c.err()).toContain('  certs/apiserver-kubelet-client');
  });

  it('needs a name', async () => {
    const c = captureIO();
    expect(await main(['phase', '--dry-run'], c.io)).toBe(1);
    expect(c.err()).toContain('phase needs a NAME');
  });
});

describe('kgen-boot status', () => {
  const record = (state: 'succeeded' | 'failed') => ({
    generation: 1,
    role: 'init',
    state,
    phases: [
      { phase: 'preflight', outcome: 'done' as const, start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:00:01.000Z' },
      ...(state === 'failed'
        ? [{ phase: 'certs/ca', outcome: 'failed' as const, start: '2026-01-01T00:00:01.000Z', end: '2026-01-01T00:00:02.000Z', error: 'phase certs/ca failed: boom' }]
        : []),
    ],
  });

  it('says nothing ran yet, exit 0', async () => {
    const node = testNode();
    const c = captureIO();
    expect(await main(['status', '--root', node.root], c.io, node.deps)).toBe(0);
    expect(c.out()).toContain('no kgen-boot run recorded yet');
  });

  it.each([
    ['succeeded', 0],
    ['failed', 3],
  ] as const)('reports a %s run with exit %i', async (state, code) => {
    const node = testNode();
    await fileStatusStore(createHost({ root: node.root })).save(record(state));
    const c = captureIO();
    expect(await main(['status', '--root', node.root], c.io, node.deps)).toBe(code);
    expect(c.out()).toContain(`state: ${state} (role init, generation 1)`);
    if (state === 'failed') expect(c.out()).toContain('error: phase certs/ca failed: boom');
    const j = captureIO();
    expect(await main(['status', '--json', '--root', node.root], j.io, node.deps)).toBe(code);
    expect(JSON.parse(j.out())).toEqual(record(state));
  });
});
