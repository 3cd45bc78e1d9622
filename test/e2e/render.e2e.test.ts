// `kgen render` end to end, run as a user runs it (the built CLI on the bundled example), checked with the
// real peers: cloud-init's own schema validator and network renderer, isoinfo for the seed ISO, and the
// built kgen-boot reading the node config it was given.
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { gunzipSync } from 'node:zlib';
import { KGEN_BOOT, REPO, changedPaths, kgen, modeOf, runNode, sh, snapshotTree, tempDir } from '../helpers.js';

const NODES = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'];

interface WriteFileEntry { path: string; content: string; encoding?: string; permissions: string }

function userData(out: string, node: string): { text: string; doc: { write_files: WriteFileEntry[]; runcmd: string[][] } } {
  const text = readFileSync(join(out, 'nodes', node, 'user-data'), 'utf8');
  return { text, doc: parse(text) };
}

function nodeConfigFromUserData(out: string, node: string): Record<string, any> {
  const file = userData(out, node).doc.write_files.find((f) => f.path === '/etc/kgen/node.yaml')!;
  return parse(file.content);
}

describe('kgen render on examples/nodes.yaml', () => {
  let work: string;
  let out: string;
  let state: string;
  let first: ReturnType<typeof kgen>;

  beforeAll(() => {
    work = tempDir();
    cpSync(join(REPO, 'examples'), join(work, 'examples'), { recursive: true });
    out = join(work, 'dist');
    state = join(work, 'examples', '.kgen');
    first = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist'], { cwd: work });
  });

  it('succeeds and prints a size summary for every node', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const node of NODES) expect(first.stdout).toMatch(new RegExp(`^${node}\\s`, 'm'));
    expect(first.stdout).toMatch(/^NODE\s+ROLE\s+GEN\s+VERSION\s+USER-DATA\s+GZIP\s+BASE64$/m);
  });

  it('writes every node artifact', () => {
    for (const node of NODES) {
      for (const f of ['user-data', 'meta-data', 'node.yaml', 'seed.iso', 'network-config']) {
        expect(existsSync(join(out, 'nodes', node, f)), `${node}/${f}`).toBe(true);
      }
    }
    expect(JSON.parse(readFileSync(join(out, 'nodes.json'), 'utf8')).nodes.map((n: { name: string }) => n.name)).toEqual(NODES);
  });

  it('serves each node\'s seed under its MAC and UUID too, as hard links to the same files', () => {
    const { nodes } = JSON.parse(readFileSync(join(out, 'nodes.json'), 'utf8')) as { nodes: Array<{ name: string; mac: string; uuid: string }> };
    for (const n of nodes) {
      for (const alias of [`by-mac/${n.mac.replaceAll(':', '-')}`, `by-uuid/${n.uuid}`]) {
        for (const f of ['user-data', 'meta-data', 'network-config', 'vendor-data']) {
          expect(statSync(join(out, 'nodes', alias, f)).ino, `${alias}/${f}`).toBe(statSync(join(out, 'nodes', n.name, f)).ino);
        }
      }
    }
  });

  it('creates the state with kubeadm\'s layout, 0700 directory and 0600 private material', () => {
    expect(modeOf(state)).toBe(0o700);
    for (const f of ['pki/ca.key', 'pki/front-proxy-ca.key', 'pki/etcd/ca.key', 'pki/sa.key', 'certificate-key']) {
      expect(modeOf(join(state, f)), f).toBe(0o600);
    }
    sh('openssl', ['x509', '-in', join(state, 'pki/ca.crt'), '-noout']);
    // examples/nodes.yaml uses RSA-2048: PKCS#1 as kubeadm writes it (client-go keyutil.MarshalPrivateKeyToPEM).
    for (const f of ['pki/ca.key', 'pki/front-proxy-ca.key', 'pki/etcd/ca.key', 'pki/sa.key']) {
      expect(readFileSync(join(state, f), 'utf8'), f).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      expect(sh('openssl', ['rsa', '-in', join(state, f), '-check', '-noout']), f).toBe('RSA key ok\n');
    }
    for (const node of NODES) {
      expect(modeOf(join(out, 'nodes', node, 'user-data'))).toBe(0o600);
      expect(modeOf(join(out, 'nodes', node, 'node.yaml'))).toBe(0o600);
    }
  });

  it('every user-data passes the real `cloud-init schema`', () => {
    for (const node of NODES) {
      const file = join(out, 'nodes', node, 'user-data');
      expect(sh('cloud-init', ['schema', '-c', file])).toContain('Valid cloud-config');
    }
  });

  it('cloud-init schema does reject a broken user-data (the check can fail)', () => {
    const broken = join(work, 'broken-user-data');
    writeFileSync(broken, readFileSync(join(out, 'nodes/worker-1/user-data'), 'utf8').replace('encoding: gz+b64', 'encoding: rot13'));
    expect(() => sh('cloud-init', ['schema', '-c', broken])).toThrow();
  });

  it('gives each role exactly what it may receive', () => {
    const init = nodeConfigFromUserData(out, 'cp-1');
    const joiner = nodeConfigFromUserData(out, 'cp-2');
    const worker = nodeConfigFromUserData(out, 'worker-1');
    expect(init.secrets.ca.key).toContain('PRIVATE KEY');
    expect(init.certificateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(joiner.secrets).toBeUndefined();
    expect(joiner.certificateKey).toBe(init.certificateKey);
    expect(worker.secrets).toBeUndefined();
    expect(worker.certificateKey).toBeUndefined();
    for (const node of ['cp-2', 'cp-3', 'worker-1', 'worker-2']) {
      expect(userData(out, node).text, node).not.toContain('PRIVATE KEY');
    }
    for (const node of ['worker-1', 'worker-2']) {
      expect(userData(out, node).text, node).not.toContain(init.certificateKey);
    }
    for (const cfg of [init, joiner, worker]) {
      expect(cfg.discovery.caCertHashes[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(cfg.discovery.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    }
  });

  it('the pin in node configs is openssl\'s SubjectPublicKeyInfo digest of the CA', () => {
    const spki = sh('sh', ['-c', `openssl x509 -in ${join(state, 'pki/ca.crt')} -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`]);
    expect(nodeConfigFromUserData(out, 'worker-1').discovery.caCertHashes).toEqual([`sha256:${spki.split(' ')[0]}`]);
  });

  it('embeds the boot program byte-for-byte and starts it through a systemd unit', () => {
    const { doc } = userData(out, 'worker-1');
    const boot = doc.write_files.find((f) => f.encoding === 'gz+b64')!;
    expect(gunzipSync(Buffer.from(boot.content, 'base64'))).toEqual(readFileSync(KGEN_BOOT));
    const unit = doc.write_files.find((f) => f.path === '/etc/systemd/system/kgen-boot.service')!;
    expect(unit.content).toContain(`ExecStart=${boot.path} run --config /etc/kgen/node.yaml`);
    expect(doc.runcmd).toContainEqual(['systemctl', 'enable', '--now', '--no-block', 'kgen-boot.service']);
  });

  it('installs the certificate renewal timer on control-plane nodes only (default window 720h)', () => {
    const renewTimer = (node: string) => userData(out, node).doc.write_files.some((f) => f.path === '/etc/systemd/system/kgen-certs-renew.timer');
    expect([renewTimer('cp-1'), renewTimer('cp-2'), renewTimer('worker-1')]).toEqual([true, true, false]);
    const service = userData(out, 'cp-2').doc.write_files.find((f) => f.path === '/etc/systemd/system/kgen-certs-renew.service')!;
    expect(service.content).toContain('certs renew all --if-expiring-within 720h --restart-static-pods --config /etc/kgen/node.yaml');
  });

  it('the rendered node config is accepted by the built kgen-boot', () => {
    for (const node of NODES) {
      const root = tempDir('kgen-root-');
      mkdirSync(join(root, 'etc/kgen'), { recursive: true });
      cpSync(join(out, 'nodes', node, 'node.yaml'), join(root, 'etc/kgen/node.yaml'));
      const r = runNode(KGEN_BOOT, ['check-config', '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');
      rmSync(root, { recursive: true });
    }
  });

  it('network-config is rendered by cloud-init\'s own network renderer', () => {
    const dir = tempDir('kgen-net-');
    sh('cloud-init', ['devel', 'net-convert', '-p', join(out, 'nodes/cp-1/network-config'), '-k', 'yaml', '-D', 'debian', '-O', 'networkd', '-d', dir]);
    const rendered = snapshotTree(dir);
    const network = [...rendered.entries()].find(([p]) => p.endsWith('.network'))!;
    expect(network[1].toString()).toMatch(/Address=10\.0\.0\.11\/24/);
    expect(network[1].toString()).toMatch(/Gateway=10\.0\.0\.1/);
  });

  it('seed.iso holds exactly the node\'s user-data, meta-data and network-config (isoinfo, Rock Ridge)', () => {
    const iso = join(out, 'nodes/cp-2/seed.iso');
    expect(sh('isoinfo', ['-d', '-i', iso])).toMatch(/Volume id: cidata/);
    for (const f of ['user-data', 'meta-data', 'network-config']) {
      const extracted = sh('isoinfo', ['-R', '-i', iso, '-x', `/${f}`]);
      expect(extracted, f).toBe(readFileSync(join(out, 'nodes/cp-2', f), 'utf8'));
    }
  });

  it('a second render reuses the state and writes byte-identical files', () => {
    const before = snapshotTree(out);
    const stateBefore = snapshotTree(state);
    const again = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist'], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('created cluster secrets');
    expect(changedPaths(stateBefore, snapshotTree(state))).toEqual([]);
    expect(changedPaths(before, snapshotTree(out))).toEqual([]);
  });

  it('a render without a node, and with a MAC changed, removes their old seeds and PXE scripts and nothing else', () => {
    const inventory = readFileSync(join(work, 'examples/nodes.yaml'), 'utf8');
    const worker2 = inventory.indexOf('  - name: worker-2\n');
    const fewer = join(work, 'examples', 'fewer.yaml');
    writeFileSync(fewer, inventory.slice(0, worker2).replace('mac: 52:54:00:00:00:21', 'mac: 52:54:00:00:00:99'));
    expect(kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist-prune'], { cwd: work }).code).toBe(0);
    const pruneOut = join(work, 'dist-prune');
    writeFileSync(join(pruneOut, 'pxe', 'undionly.kpxe'), 'the operator\'s iPXE binary');
    const before = snapshotTree(pruneOut);

    const r = kgen(['render', '--nodes', 'examples/fewer.yaml', '--out', 'dist-prune'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'removed 20 files an earlier render wrote for nodes, MACs or UUIDs no longer in the inventory: nodes/by-mac/52-54-00-00-00-21/, nodes/by-mac/52-54-00-00-00-22/, nodes/by-uuid/6f1c2a3e-0b1d-4c55-9a0e-000000000022/, nodes/worker-2/, pxe/52-54-00-00-00-21.ipxe, pxe/52-54-00-00-00-22.ipxe\n',
    );
    for (const gone of ['nodes/worker-2', 'nodes/by-mac/52-54-00-00-00-22', 'nodes/by-mac/52-54-00-00-00-21', 'nodes/by-uuid/6f1c2a3e-0b1d-4c55-9a0e-000000000022', 'pxe/52-54-00-00-00-22.ipxe']) {
      expect(existsSync(join(pruneOut, gone)), gone).toBe(false);
    }
    expect(readFileSync(join(pruneOut, 'nodes/by-mac/52-54-00-00-00-99/user-data'), 'utf8')).toBe(readFileSync(join(pruneOut, 'nodes/worker-1/user-data'), 'utf8'));
    expect(existsSync(join(pruneOut, 'pxe/52-54-00-00-00-99.ipxe'))).toBe(true);
    expect(readFileSync(join(pruneOut, 'pxe', 'undionly.kpxe'), 'utf8')).toBe('the operator\'s iPXE binary');
    // Everything else is as it was: the other nodes' files, boot.ipxe, the boot program.
    const changed = changedPaths(before, snapshotTree(pruneOut));
    expect(changed.filter((p) => !/worker-[12]|52-54-00-00-00-(21|22|99)|0000000000(21|22)|nodes\.json/.test(p))).toEqual([]);
  });

  it('--json reports every node with its sizes', () => {
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist', '--json'], { cwd: work });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.nodes.map((n: { name: string }) => n.name)).toEqual(NODES);
    for (const n of report.nodes) {
      expect(n.userData.raw).toBe(readFileSync(join(out, 'nodes', n.name, 'user-data')).length);
      expect(n.userData.base64).toBe(4 * Math.ceil(n.userData.raw / 3));
      expect(n.userData.gzip).toBeGreaterThan(0);
    }
  });

  it('--target aws fails for every node, names them and suggests url or baked delivery', () => {
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--out', 'dist-aws', '--target', 'aws'], { cwd: work });
    expect(r.code).toBe(1);
    for (const node of NODES) expect(r.stderr).toContain(`${node}: `);
    expect(r.stderr).toMatch(/"url".*"baked"/s);
    expect(existsSync(join(work, 'dist-aws'))).toBe(false);
  });

  it('a state from an older kgen (PKCS#8 "PRIVATE KEY" files) is used as it is and never rewritten', () => {
    const older = join(work, 'older');
    cpSync(state, older, { recursive: true });
    for (const f of ['pki/ca.key', 'pki/front-proxy-ca.key', 'pki/etcd/ca.key', 'pki/sa.key']) {
      writeFileSync(join(older, f), sh('openssl', ['pkey', '-in', join(older, f)]), { mode: 0o600 });
      expect(readFileSync(join(older, f), 'utf8'), f).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    const before = snapshotTree(older);
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--state', 'older', '--out', 'dist-older'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(changedPaths(before, snapshotTree(older))).toEqual([]);
    const init = nodeConfigFromUserData(join(work, 'dist-older'), 'cp-1');
    expect(init.secrets.ca.key).toBe(readFileSync(join(older, 'pki/ca.key'), 'utf8'));
    expect(init.secrets.sa.key).toBe(readFileSync(join(older, 'pki/sa.key'), 'utf8'));
    const root = tempDir('kgen-root-');
    mkdirSync(join(root, 'etc/kgen'), { recursive: true });
    cpSync(join(work, 'dist-older/nodes/cp-1/node.yaml'), join(root, 'etc/kgen/node.yaml'));
    const check = runNode(KGEN_BOOT, ['check-config', '--root', root]);
    expect(check.code, check.stderr).toBe(0);
    rmSync(root, { recursive: true });
  });

  it('refuses a state made for another cluster and changes nothing', () => {
    const other = join(work, 'examples', 'other.yaml');
    writeFileSync(other, readFileSync(join(work, 'examples/nodes.yaml'), 'utf8').replace(/^(\s*name:\s*)demo\s*$/m, '$1other'));
    const stateBefore = snapshotTree(state);
    const r = kgen(['render', '--nodes', 'examples/other.yaml', '--out', 'dist-other'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds the secrets of cluster "demo"');
    expect(changedPaths(stateBefore, snapshotTree(state))).toEqual([]);
    expect(existsSync(join(work, 'dist-other'))).toBe(false);
  });

  it('refuses a damaged state (a missing CA key) and changes nothing', () => {
    const damaged = join(work, 'damaged');
    cpSync(state, damaged, { recursive: true });
    rmSync(join(damaged, 'pki/ca.key'));
    const before = snapshotTree(damaged);
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--state', 'damaged', '--out', 'dist-damaged'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pki/ca.key is missing');
    expect(changedPaths(before, snapshotTree(damaged))).toEqual([]);
  });

  it('refuses a state whose CA key does not belong to its certificate before adding anything to it', () => {
    const damaged = join(work, 'swapped');
    cpSync(state, damaged, { recursive: true });
    // The etcd CA is optional state (stacked etcd only) that a render would otherwise create.
    rmSync(join(damaged, 'pki/etcd'), { recursive: true });
    cpSync(join(damaged, 'pki/front-proxy-ca.key'), join(damaged, 'pki/ca.key'));
    const before = snapshotTree(damaged);
    const r = kgen(['render', '--nodes', 'examples/nodes.yaml', '--state', 'swapped', '--out', 'dist-swapped'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pki/ca.key (of pki/ca.crt) does not belong to the certificate beside it');
    expect(changedPaths(before, snapshotTree(damaged))).toEqual([]);
    expect(existsSync(join(work, 'dist-swapped'))).toBe(false);
  });

  it('never prints a secret', () => {
    const init = nodeConfigFromUserData(out, 'cp-1');
    const secrets = [init.certificateKey, init.discovery.token.split('.')[1]];
    for (const s of secrets) expect(first.stdout + first.stderr).not.toContain(s);
  });
});

describe('kgen CLI edges', () => {
  it.each([
    [['--help'], 0, /Usage: kgen <command>/],
    [['render', '--help'], 0, /Usage: kgen render --nodes FILE/],
    [['validate', '--help'], 0, /Usage: kgen validate/],
    [['render'], 1, /--nodes FILE is required/],
    [['render', '--nodes', 'x', '--bogus'], 1, /Unknown option '--bogus'/],
    [['render', '--nodes', 'x', '--target', 'mars'], 1, /"mars" is not one of aws/],
    [['frobnicate'], 1, /unknown command "frobnicate"/],
  ])('kgen %j exits %i', (args, code, pattern) => {
    const r = kgen(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stdout + r.stderr).toMatch(pattern as RegExp);
  });
});

describe('kgen validate', () => {
  it('reports every problem of an inventory at once, as file:line:col path: message, and exits 1', () => {
    const dir = join(REPO, 'test/fixtures/inventory/invalid');
    const r = kgen(['validate', '--nodes', 'five-problems.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(readFileSync(join(dir, 'five-problems.expected'), 'utf8').trimEnd() + '\n');
  });

  it('render refuses the same inventory with the same diagnostics and writes nothing', () => {
    const work = tempDir();
    cpSync(join(REPO, 'test/fixtures/inventory/invalid/five-problems.yaml'), join(work, 'five-problems.yaml'));
    const r = kgen(['render', '--nodes', 'five-problems.yaml', '--out', 'dist'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(5);
    expect(existsSync(join(work, 'dist'))).toBe(false);
    expect(existsSync(join(work, '.kgen'))).toBe(false);
  });

  it('accepts the bundled example', () => {
    const r = kgen(['validate', '--nodes', 'examples/nodes.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('valid: cluster "demo" v1.33.2, 3 control-plane + 2 worker nodes');
  });
});
