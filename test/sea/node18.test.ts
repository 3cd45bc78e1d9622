// build/kgen-boot.mjs (delivery embed) under the oldest Node.js it supports: Debian 12's nodejs, 18.19.0
// (scripts/node-dist.mjs OLDEST_NODE, the official build from the npm registry, integrity-pinned). Syntax is
// esbuild's business (target node18, scripts/esbuild-options.json); this checks that nothing the program
// calls at run time needs a newer Node: --version, --help, check-config for every role, and an init node's
// and a control-plane joiner's whole `run --dry-run` (keys, certificates, kubeconfigs, manifests; the joiner's
// against its simulated cluster), each giving the output Node 20 gives. test/join.integration.test.ts runs real
// joins under it.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OLDEST_NODE } from '../../scripts/node-dist.mjs';
import { KGEN_BOOT, REPO, kgen, oldestNode, tempDir, type Run } from '../helpers.js';
import { dryRunShape } from './dry-run-shape.js';

function runWith(node: string, args: string[]): Run {
  const r = spawnSync(node, [KGEN_BOOT, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe(`kgen-boot.mjs under Node ${OLDEST_NODE.version}`, () => {
  let node18: string;
  let dist: string;

  beforeAll(async () => {
    node18 = await oldestNode();
    const work = tempDir('kgen-node18-render-');
    cpSync(join(REPO, 'examples'), join(work, 'examples'), { recursive: true });
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    dist = join(work, 'dist');
  });

  /** A root holding `node`'s node.yaml, with every preflight error ignored so a dry run goes past this machine. */
  function nodeRoot(name: string): string {
    const root = tempDir('kgen-node18-root-');
    mkdirSync(join(root, 'etc/kgen'), { recursive: true });
    const config = readFileSync(join(dist, 'nodes', name, 'node.yaml'), 'utf8').replace(/^ {2}ignorePreflightErrors: \[\]$/m, '  ignorePreflightErrors: [all]');
    expect(config).toContain('ignorePreflightErrors: [all]');
    writeFileSync(join(root, 'etc/kgen/node.yaml'), config);
    return root;
  }

  it('runs the pinned Node 18', () => {
    expect(spawnSync(node18, ['--version'], { encoding: 'utf8' }).stdout).toBe(`v${OLDEST_NODE.version}\n`);
  });

  it('--version and --help', () => {
    for (const args of [['--version'], ['--help']]) {
      const old = runWith(node18, args);
      const now = runWith(process.execPath, args);
      expect(old.code, old.stderr).toBe(0);
      expect(old.stdout.replace(/(node: )\S+/, '$1')).toBe(now.stdout.replace(/(node: )\S+/, '$1'));
    }
  });

  it.each(['cp-1', 'cp-2', 'worker-1'])('check-config on %s', (name) => {
    const root = nodeRoot(name);
    const old = runWith(node18, ['check-config', '--root', root]);
    expect(old.code, old.stderr).toBe(0);
    expect(old).toEqual(runWith(process.execPath, ['check-config', '--root', root]));
  });

  it("an init node's whole run --dry-run", () => {
    const old = runWith(node18, ['run', '--dry-run', '--root', nodeRoot('cp-1')]);
    const now = runWith(process.execPath, ['run', '--dry-run', '--root', nodeRoot('cp-1')]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toContain('Your Kubernetes control-plane has initialized successfully');
    expect(dryRunShape(old.stdout)).toEqual(dryRunShape(now.stdout));
  });

  it("a control-plane joiner's whole run --dry-run against the simulated cluster", () => {
    const old = runWith(node18, ['run', '--dry-run', '--root', nodeRoot('cp-2')]);
    const now = runWith(process.execPath, ['run', '--dry-run', '--root', nodeRoot('cp-2')]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toContain('This node has joined the cluster as a control-plane node.');
    expect(dryRunShape(old.stdout)).toEqual(dryRunShape(now.stdout));
  });
});
