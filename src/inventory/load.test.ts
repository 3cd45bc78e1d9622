import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory, type InventoryDeps } from './load.js';
import { formatDiagnostic, type Inventory } from './types.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test/fixtures/inventory');
const disk: InventoryDeps = { readFile: (p) => readFileSync(p, 'utf8') };

/** Loads a fixture by its bare name from its directory, so diagnostics say e.g. "types.yaml:3:9". */
function loadFixture(kind: 'valid' | 'invalid', name: string) {
  return loadInventory(name, { ...disk, cwd: join(FIXTURES, kind) });
}

/** The `.expected` beside a fixture: one formatted diagnostic per line; $DIR is the fixture directory. */
function expectedLines(kind: 'valid' | 'invalid', name: string): string[] {
  const file = join(FIXTURES, kind, name.replace(/\.yaml$/, '.expected'));
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').replaceAll('$DIR', join(FIXTURES, kind)).split('\n').filter((l) => l !== '');
}

const fixtures = (kind: 'valid' | 'invalid') => readdirSync(join(FIXTURES, kind)).filter((f) => f.endsWith('.yaml')).sort();

describe('loadInventory: invalid fixtures report exactly their problems', () => {
  it.each(fixtures('invalid'))('%s', (name) => {
    const want = expectedLines('invalid', name);
    expect(want.length, `${name} needs a non-empty .expected file`).toBeGreaterThan(0);
    const { inventory, diagnostics } = loadFixture('invalid', name);
    expect(diagnostics.map(formatDiagnostic)).toEqual(want);
    expect(inventory).toBeUndefined();
  });
});

describe('loadInventory: valid fixtures load, with only the expected warnings', () => {
  it.each(fixtures('valid'))('%s', (name) => {
    const { inventory, diagnostics } = loadFixture('valid', name);
    expect(diagnostics.map(formatDiagnostic)).toEqual(expectedLines('valid', name));
    expect(diagnostics.every((d) => d.severity === 'warning')).toBe(true);
    expect(inventory).toBeDefined();
  });
});

describe('loadInventory: the example inventory', () => {
  it('validates with zero diagnostics and describes 3 control-plane nodes and 2 workers', () => {
    const { inventory, diagnostics } = loadInventory('examples/nodes.yaml', { ...disk, cwd: ROOT });
    expect(diagnostics).toEqual([]);
    expect(inventory!.cluster.name).toBe('demo');
    expect(inventory!.cluster.controlPlaneEndpoint).toEqual({ host: 'cp.demo.internal', port: 6443 });
    expect(inventory!.nodes.map((n) => [n.name, n.role, n.init, n.address])).toEqual([
      ['cp-1', 'control-plane', true, '10.0.0.11'],
      ['cp-2', 'control-plane', false, '10.0.0.12'],
      ['cp-3', 'control-plane', false, '10.0.0.13'],
      ['worker-1', 'worker', false, '10.0.0.21'],
      ['worker-2', 'worker', false, '10.0.0.22'],
    ]);
  });
});

describe('loadInventory: all problems at once', () => {
  it('reports five problems in one file as five diagnostics, sorted by position', () => {
    const { inventory, diagnostics } = loadFixture('invalid', 'five-problems.yaml');
    expect(inventory).toBeUndefined();
    expect(diagnostics).toHaveLength(5);
    expect(diagnostics.map((d) => d.path)).toEqual([
      'cluster.name',
      'cluster.kubernetesVersion',
      'cluster.controlPlaneEndpoint',
      'nodes[1].role',
      'nodes[1].address',
    ]);
    const positions = diagnostics.map((d) => d.line * 1000 + d.col);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});

describe('loadInventory: defaults', () => {
  it('fills every default of a minimal inventory the way kubeadm would', () => {
    const { inventory, diagnostics } = loadFixture('valid', 'minimal.yaml');
    expect(diagnostics).toEqual([]);
    const want: Inventory = {
      file: join(FIXTURES, 'valid', 'minimal.yaml'),
      cluster: {
        name: 'mini',
        kubernetesVersion: 'v1.31.0',
        controlPlaneEndpoint: { host: '192.168.10.5', port: 6443 },
        networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
        etcd: { local: { extraArgs: {}, dataDir: '/var/lib/etcd' } },
        certificates: { keyAlgorithm: 'RSA-2048', validityHours: 8760, caValidityHours: 87600 },
        certificateRenewal: { enabled: true, beforeSeconds: 2_592_000 },
        bootstrapToken: { ttlSeconds: 86400, groups: ['system:bootstrappers:kubeadm:default-node-token'], description: '' },
        imageRepository: 'registry.k8s.io',
        apiServer: { certSANs: [], extraArgs: {} },
        controllerManager: { extraArgs: {} },
        scheduler: { extraArgs: {} },
        kubelet: { cgroupDriver: 'systemd', clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' },
        addons: { coreDNS: { enabled: true }, kubeProxy: { enabled: true, mode: 'iptables' } },
        encryptionAtRest: false,
        boot: { delivery: 'embed', path: '/usr/local/bin/kgen-boot.mjs', installNodejs: false, discoveryTimeoutSeconds: 1800 },
        ignorePreflightErrors: [],
        pxe: { seedBaseURL: 'http://kgen-pxe:8080', imageBaseURL: 'http://kgen-pxe:8080/images', kernelArgs: [] },
      },
      nodes: [
        {
          name: 'solo',
          role: 'control-plane',
          init: true,
          address: '192.168.10.5',
          arch: 'amd64',
          kubelet: { criSocket: 'unix:///var/run/containerd/containerd.sock', extraArgs: {} },
          labels: {},
          taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          kernelArgs: [],
        },
        {
          name: 'w-1',
          role: 'worker',
          init: false,
          address: '192.168.10.6',
          arch: 'amd64',
          kubelet: { criSocket: 'unix:///var/run/containerd/containerd.sock', extraArgs: {} },
          labels: {},
          taints: [],
          kernelArgs: [],
        },
      ],
    };
    expect(inventory).toEqual(want);
  });

  it('expands anchors, aliases and merge keys, with later keys overriding merged ones', () => {
    const { inventory } = loadFixture('valid', 'anchors.yaml');
    const [cp, worker] = inventory!.nodes;
    expect([worker!.name, worker!.role, worker!.address, worker!.taints]).toEqual(['w-1', 'worker', '10.0.0.21', []]);
    expect(worker!.network).toEqual(cp!.network);
    expect(worker!.network).toEqual({ interface: 'enp1s0', addresses: [], nameservers: ['10.0.0.1'], searchDomains: [] });
  });

  it('picks the first control-plane node that does not say init: false as the init node', () => {
    const { inventory } = loadFixture('valid', 'init-explicit.yaml');
    expect(inventory!.nodes.map((n) => [n.name, n.init])).toEqual([['cp-1', false], ['cp-2', true], ['cp-3', false]]);
  });

  it('normalises IPv6, MAC and endpoint, defaults the endpoint to the init node, keeps an explicit empty taint list', () => {
    const { inventory } = loadFixture('valid', 'ipv6.yaml');
    const [cp, worker] = inventory!.nodes;
    expect([cp!.arch, worker!.arch]).toEqual(['amd64', 'arm64']);
    expect(cp!.address).toBe('fd00::11');
    expect(cp!.mac).toBe('52:54:00:ab:cd:ef');
    expect(inventory!.cluster.controlPlaneEndpoint).toEqual({ host: 'fd00::11', port: 6443 });
    expect(inventory!.cluster.kubelet['clusterDNS']).toEqual(['fd00:10:96::a']);
    expect(cp!.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(worker!.taints).toEqual([]);
  });

  it('resolves external etcd files and reads the CNI manifest relative to nodes.yaml', () => {
    const dir = join(FIXTURES, 'valid');
    const { inventory } = loadFixture('valid', 'external-etcd-cni.yaml');
    const c = inventory!.cluster;
    expect(c.etcd.external).toEqual({
      endpoints: ['https://etcd-1.ext.internal:2379', 'https://etcd-2.ext.internal:2379'],
      caFile: join(dir, 'files/etcd/ca.crt'),
      certFile: join(dir, 'files/etcd/client.crt'),
      keyFile: join(dir, 'files/etcd/client.key'),
    });
    expect(c.etcd.local).toBeUndefined();
    expect(c.addons.cni).toEqual({ manifest: readFileSync(join(dir, 'files/cni/flannel.yaml'), 'utf8'), source: join(dir, 'files/cni/flannel.yaml') });
    expect(c.controlPlaneEndpoint).toEqual({ host: 'fd00::10', port: 6443 });
    expect(c.boot).toEqual({ delivery: 'url', url: 'https://boot.ext.internal/kgen-boot', path: '/usr/local/bin/kgen-boot', installNodejs: false, discoveryTimeoutSeconds: 1800 });
    expect(c.pxe.imageBaseURL).toBe('http://pxe.ext.internal:8080/images');
    expect(c.ignorePreflightErrors).toEqual(['swap', 'port-6443']);
    expect(c.kubelet).toMatchObject({ maxPods: 200, cgroupDriver: 'systemd' });
    expect(inventory!.nodes[1]!.taints).toEqual([
      { key: 'example.com/dedicated', value: 'etcd', effect: 'NoExecute' },
      { key: 'example.com/gpu', effect: 'PreferNoSchedule' },
    ]);
  });
});

describe('loadInventory: side effects come through deps', () => {
  const files = new Map([
    ['/inv/nodes.yaml', 'cluster:\n  name: mem\n  kubernetesVersion: v1.32.1\n  addons:\n    cni:\n      manifest: cni.yaml\nnodes:\n  - {name: a, role: control-plane, address: 10.1.1.1}\n'],
    ['/inv/cni.yaml', 'kind: List\n'],
  ]);
  const memory: InventoryDeps = {
    cwd: '/inv',
    readFile: (p) => {
      const text = files.get(p);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    },
  };

  it('reads nodes.yaml and the files it names only through deps', () => {
    const { inventory, diagnostics } = loadInventory('nodes.yaml', memory);
    expect(diagnostics).toEqual([]);
    expect(inventory!.file).toBe('/inv/nodes.yaml');
    expect(inventory!.cluster.addons.cni).toEqual({ manifest: 'kind: List\n', source: '/inv/cni.yaml' });
  });

  it('reports a missing inventory file with the path as the user gave it', () => {
    const { inventory, diagnostics } = loadInventory('./missing/nodes.yaml', memory);
    expect(inventory).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      './missing/nodes.yaml:1:1 (document): cannot read the inventory: the file does not exist; check the --nodes path',
    ]);
  });
});

describe('loadInventory: certificate validity must stay encodable in X.509 (RFC 5280 4.1.2.5)', () => {
  const inventory = (caValidity: string) =>
    `cluster:\n  name: c\n  kubernetesVersion: v1.33.2\n  certificates:\n    caValidity: ${caValidity}\nnodes:\n  - {name: a, role: control-plane, address: 10.1.1.1}\n`;
  const at = (now: string, caValidity: string) =>
    loadInventory('nodes.yaml', { cwd: '/inv', now: () => new Date(now), readFile: () => inventory(caValidity) }).diagnostics.map(formatDiagnostic);

  it('accepts a CA that expires exactly at 9999-12-31T23:59:59Z', () => {
    expect(at('9989-12-31T23:59:59Z', '87648h')).toEqual([]);
  });

  it('refuses one second more, through the injected clock, and says how long is possible', () => {
    expect(at('9989-12-31T23:59:59Z', '87648h1s')).toEqual([
      'nodes.yaml:5:17 cluster.certificates.caValidity: a certificate issued now would expire after 9999-12-31T23:59:59Z, the last date X.509 can encode (RFC 5280 4.1.2.5); use at most 87648h',
    ]);
  });

  it('the same validity is fine from today', () => {
    expect(at('2026-01-01T00:00:00Z', '87648h1s')).toEqual([]);
  });
});
