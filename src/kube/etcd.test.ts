import { describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { etcdCommand, etcdPod, etcdProbeEndpoint } from './etcd.js';
import { CP1, CP2, testCluster } from './test-fixtures.js';

describe('etcd static pod', () => {
  it('init manifest matches the snapshot', async () => {
    await expect(toYaml(etcdPod(testCluster(), CP1))).toMatchFileSnapshot('__snapshots__/etcd.yaml');
  });

  it('init lists only itself in --initial-cluster and no cluster state', () => {
    const cmd = etcdCommand(testCluster(), CP1);
    expect(cmd).toContain('--initial-cluster=cp-1=https://10.0.0.11:2380');
    expect(cmd.some((f) => f.startsWith('--initial-cluster-state'))).toBe(false);
  });

  it('join lists every member and joins the existing cluster', () => {
    const cmd = etcdCommand(testCluster(), CP2, [
      { name: 'cp-1', peerURL: 'https://10.0.0.11:2380' },
      { name: 'cp-2', peerURL: 'https://10.0.0.12:2380' },
    ]);
    expect(cmd).toContain('--initial-cluster=cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380');
    expect(cmd).toContain('--initial-cluster-state=existing');
    expect(cmd).toContain('--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.12:2379');
  });

  it.each([
    { version: 'v1.30.5', want: ['--experimental-initial-corrupt-check=true', '--experimental-watch-progress-notify-interval=5s'], not: '--feature-gates' },
    { version: 'v1.33.2', want: ['--experimental-initial-corrupt-check=true', '--experimental-watch-progress-notify-interval=5s'], not: '--feature-gates' },
    { version: 'v1.34.1', want: ['--feature-gates=InitialCorruptCheck=true', '--watch-progress-notify-interval=5s'], not: '--experimental' },
    { version: 'v1.35.0', want: ['--feature-gates=InitialCorruptCheck=true', '--watch-progress-notify-interval=5s'], not: '--experimental' },
  ])('$version uses the flag spelling of its etcd', ({ version, want, not }) => {
    const cmd = etcdCommand(testCluster({ kubernetesVersion: version }), CP1);
    for (const f of want) expect(cmd).toContain(f);
    expect(cmd.some((f) => f.startsWith(not))).toBe(false);
  });

  it.each([
    { version: 'v1.30.5', liveness: '/health?exclude=NOSPACE&serializable=true', startup: '/health?serializable=false', readiness: undefined },
    { version: 'v1.31.0', liveness: '/livez', startup: '/readyz', readiness: '/readyz' },
  ])('$version probes', ({ version, liveness, startup, readiness }) => {
    const c = etcdPod(testCluster({ kubernetesVersion: version }), CP1).spec.containers[0]!;
    expect(c.livenessProbe!.httpGet).toEqual({ host: '127.0.0.1', path: liveness, port: 2381, scheme: 'HTTP' });
    expect(c.startupProbe!.httpGet.path).toBe(startup);
    expect(c.readinessProbe?.httpGet.path).toBe(readiness);
  });

  it('image tag comes from the versions table', () => {
    expect(etcdPod(testCluster({ kubernetesVersion: 'v1.34.1' }), CP1).spec.containers[0]!.image).toBe('registry.k8s.io/etcd:3.6.4-0');
  });

  it('extraArgs override defaults and move the probe endpoint with listen-metrics-urls', () => {
    const cluster = testCluster({ etcd: { local: { dataDir: '/data/etcd', extraArgs: { 'snapshot-count': '5000', 'listen-metrics-urls': 'https://10.0.0.11:2382,http://127.0.0.1:2381' } } } });
    const cmd = etcdCommand(cluster, CP1);
    expect(cmd.filter((f) => f.startsWith('--snapshot-count='))).toEqual(['--snapshot-count=5000']);
    expect(cmd).toContain('--data-dir=/data/etcd');
    expect(etcdProbeEndpoint({ 'listen-metrics-urls': 'https://10.0.0.11:2382,http://127.0.0.1:2381' }, false)).toEqual({ host: '10.0.0.11', port: 2382, scheme: 'HTTPS' });
    expect(etcdPod(cluster, CP1).spec.volumes).toContainEqual({ name: 'etcd-data', hostPath: { path: '/data/etcd', type: 'DirectoryOrCreate' } });
  });

  it('refuses to render for external etcd', () => {
    expect(() => etcdPod(testCluster({ etcd: { external: { endpoints: ['https://e1:2379'] } } }), CP1)).toThrow(/external/);
  });

  it('uses IPv6 loopback for an IPv6 advertise address', () => {
    const cmd = etcdCommand(testCluster(), { name: 'cp-6', address: 'fd00::11' });
    expect(cmd).toContain('--listen-client-urls=https://[::1]:2379,https://[fd00::11]:2379');
    expect(cmd).toContain('--listen-metrics-urls=http://[::1]:2381');
  });
});
