// boot.delivery url end to end on one machine: `kgen render` publishes the boot program in DIR/boot/,
// `kgen serve` answers it to any client, and the fetcher the node's user-data installs (run with python3, as
// its systemd unit runs it) downloads the executable for the node's arch and checks the pinned sha256.
// Stand-in executables (small files in a scratch build directory) keep the test fast; test/sea/ covers the
// real ones.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render, type RenderReport } from '../../src/render.js';
import { startSeedServer, type SeedServer } from '../../src/serve/server.js';
import { InvalidInputError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';

const inventory = (url: string) => `cluster:
  name: fetch
  kubernetesVersion: v1.33.2
  certificates:
    keyAlgorithm: ECDSA-P256
  boot:
    delivery: url
    url: ${url}
nodes:
  - { name: cp-1, role: control-plane, address: 10.0.0.11 }
  - { name: w-1, role: worker, address: 10.0.0.21, arch: arm64 }
`;

interface WriteFileEntry { path: string; content: string }

/** The fetcher and its arguments as the node's user-data gives them to systemd (`%%` is systemd's `%`). */
function fetchCommand(out: string, node: string): { fetcher: string; args: string[] } {
  const doc = parse(readFileSync(join(out, 'nodes', node, 'user-data'), 'utf8')) as { write_files: WriteFileEntry[] };
  const unit = doc.write_files.find((f) => f.path === '/etc/systemd/system/kgen-boot.service')!.content;
  const line = unit.split('\n').find((l) => l.startsWith('ExecStartPre='))!;
  const [python, script, ...args] = line.slice('ExecStartPre='.length).split(' ');
  expect([python, script]).toEqual(['/usr/bin/python3', '/usr/local/lib/kgen/fetch-boot.py']);
  return { fetcher: doc.write_files.find((f) => f.path === script)!.content, args: args.map((a) => a.replaceAll('%%', '%')) };
}

/** Runs python3 asynchronously: the server answering it runs on this event loop. */
function python(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('python3', args);
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('delivery url: render publishes, kgen serve serves, the node fetches its arch', () => {
  let work: string;
  let out: string;
  let build: string;
  let server: SeedServer;
  let report: RenderReport;
  const programs = { amd64: '#!/bin/sh\necho amd64\n', arm64: '#!/bin/sh\necho arm64\n' };

  beforeAll(async () => {
    work = tempDir('kgen-delivery-url-');
    out = join(work, 'out');
    build = join(work, 'build');
    mkdirSync(build);
    for (const [arch, text] of Object.entries(programs)) writeFileSync(join(build, `kgen-boot-linux-${arch}`), text, { mode: 0o755 });
    const renderWith = (url: string) => {
      writeFileSync(join(work, 'nodes.yaml'), inventory(url));
      return render({ nodesFile: 'nodes.yaml', cwd: work, outDir: out, stateDir: join(work, 'state'), reimage: [], bootExecutablesDir: build });
    };
    // The server needs a rendered tree and the render needs the server's address: render twice.
    await renderWith('http://127.0.0.1:1/boot');
    server = await startSeedServer({ dir: out, host: '127.0.0.1', port: 0, log: () => undefined });
    report = await renderWith(`${server.url}/boot/`);
  });
  afterAll(() => server?.close());

  it('writes the module, the executables the nodes use and their sha256 lines to DIR/boot/', () => {
    expect(report.bootFiles.map((f) => f.name)).toEqual(['kgen-boot.mjs', 'kgen-boot-linux-amd64', 'kgen-boot-linux-arm64']);
    expect(execFileSync('sha256sum', ['--check', 'kgen-boot.sha256'], { cwd: join(out, 'boot'), encoding: 'utf8' })).toBe(
      'kgen-boot.mjs: OK\nkgen-boot-linux-amd64: OK\nkgen-boot-linux-arm64: OK\n',
    );
  });

  it.each([
    { node: 'cp-1', arch: 'amd64' as const },
    { node: 'w-1', arch: 'arm64' as const },
  ])('$node ($arch) downloads its executable through kgen serve and installs it', async ({ node, arch }) => {
    const { fetcher, args } = fetchCommand(out, node);
    expect(args[0]).toBe(`${server.url}/boot/kgen-boot-linux-${arch}`);
    const script = join(work, `fetch-${node}.py`);
    writeFileSync(script, fetcher);
    const target = join(work, 'root', node, 'usr/local/bin/kgen-boot');
    const run = await python([script, args[0]!, args[1]!, target]);
    expect(run.status, run.stderr).toBe(0);
    expect(execFileSync(target, { encoding: 'utf8' })).toBe(`${arch}\n`);
  });

  it('a node whose pinned sha256 does not match what is served refuses it', async () => {
    const { fetcher, args } = fetchCommand(out, 'w-1');
    const script = join(work, 'fetch-stale.py');
    writeFileSync(script, fetcher);
    const stale = await python([script, args[0]!, '0'.repeat(64), join(work, 'stale/kgen-boot')]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('refusing to run it');
  });

  it('refuses to render when the executable for a node\'s arch is not built, naming the command', async () => {
    const empty = join(work, 'empty-build');
    mkdirSync(empty);
    const failed = render({ nodesFile: 'nodes.yaml', cwd: work, outDir: out, stateDir: join(work, 'state'), reimage: [], bootExecutablesDir: empty });
    await expect(failed).rejects.toThrow(InvalidInputError);
    await expect(failed).rejects.toThrow(/kgen-boot-linux-amd64 is missing .*npm run build:sea/);
  });
});
