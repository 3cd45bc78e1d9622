import { describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { apiServerCommand, apiServerPod, controllerManagerCommand, controlPlanePods, schedulerCommand } from './controlplane.js';
import { ENCRYPTION_CONFIG_FILE } from './constants.js';
import type { KubeClusterSpec } from './cluster.js';
import { CP1, DEBIAN_CA_PATHS, testCluster } from './test-fixtures.js';

describe('control-plane static pods', () => {
  it.each(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const)('%s manifest matches the snapshot', async (component) => {
    const pods = controlPlanePods(testCluster(), CP1, { hostCAPaths: DEBIAN_CA_PATHS });
    await expect(toYaml(pods[component])).toMatchFileSnapshot(`__snapshots__/${component}.yaml`);
  });

  it('sorts flags by name and merges extraArgs over the defaults', () => {
    const cmd = apiServerCommand(testCluster({ apiServer: { certSANs: [], extraArgs: { 'secure-port': '7443', 'audit-log-maxage': '7' } } }), CP1);
    expect(cmd[0]).toBe('kube-apiserver');
    const flags = cmd.slice(1);
    expect(flags).toEqual([...flags].sort());
    expect(flags.filter((f) => f.startsWith('--secure-port='))).toEqual(['--secure-port=7443']);
    expect(flags).toContain('--audit-log-maxage=7');
  });

  it.each<{ name: string; extra: Record<string, string>; want: string }>([
    { name: 'default', extra: {}, want: '--authorization-mode=Node,RBAC' },
    { name: 'user modes', extra: { 'authorization-mode': 'Node,RBAC,Webhook' }, want: '--authorization-mode=Node,RBAC,Webhook' },
    { name: 'user value passes verbatim, as upstream overrides do', extra: { 'authorization-mode': 'RBAC' }, want: '--authorization-mode=RBAC' },
  ])('authorization-mode: $name', ({ extra, want }) => {
    const cmd = apiServerCommand(testCluster({ apiServer: { certSANs: [], extraArgs: extra } }), CP1);
    expect(cmd.filter((f) => f.startsWith('--authorization-mode='))).toEqual([want]);
  });

  it('drops authorization-mode when authorization-config is given', () => {
    const cmd = apiServerCommand(testCluster({ apiServer: { certSANs: [], extraArgs: { 'authorization-config': '/etc/kubernetes/authz.yaml' } } }), CP1);
    expect(cmd.some((f) => f.startsWith('--authorization-mode='))).toBe(false);
  });

  it.each<{ name: string; etcd: KubeClusterSpec['etcd']; want: string[] }>([
    { name: 'local etcd on loopback', etcd: { local: { dataDir: '/var/lib/etcd', extraArgs: {} } }, want: ['--etcd-servers=https://127.0.0.1:2379', '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt'] },
    { name: 'local etcd advertise-client-urls override', etcd: { local: { dataDir: '/var/lib/etcd', extraArgs: { 'advertise-client-urls': 'https://10.0.0.11:2379' } } }, want: ['--etcd-servers=https://10.0.0.11:2379'] },
    { name: 'external etcd', etcd: { external: { endpoints: ['https://e1:2379', 'https://e2:2379'] } }, want: ['--etcd-servers=https://e1:2379,https://e2:2379', '--etcd-cafile=/etc/kubernetes/pki/external-etcd-ca.crt', '--etcd-keyfile=/etc/kubernetes/pki/external-etcd.key'] },
  ])('etcd flags: $name', ({ etcd, want }) => {
    const cmd = apiServerCommand(testCluster({ etcd }), CP1);
    for (const flag of want) expect(cmd).toContain(flag);
  });

  it('adds --encryption-provider-config only with encryptionAtRest', () => {
    expect(apiServerCommand(testCluster(), CP1).some((f) => f.startsWith('--encryption-provider-config'))).toBe(false);
    expect(apiServerCommand(testCluster({ encryptionAtRest: true }), CP1)).toContain(`--encryption-provider-config=${ENCRYPTION_CONFIG_FILE}`);
  });

  it('apiserver probes hit the advertise address on 6443 over HTTPS', () => {
    const c = apiServerPod(testCluster(), CP1, { hostCAPaths: [] }).spec.containers[0]!;
    expect(c.livenessProbe!.httpGet).toEqual({ host: '10.0.0.11', path: '/livez', port: 6443, scheme: 'HTTPS' });
    expect(c.readinessProbe!.httpGet.path).toBe('/readyz');
    expect(c.startupProbe).toMatchObject({ failureThreshold: 24, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
    expect(c.livenessProbe).toMatchObject({ failureThreshold: 8, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
    expect(c.readinessProbe).toMatchObject({ failureThreshold: 3, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 15 });
  });

  it('mounts only the CA directories present on the host, named after their path', () => {
    const pod = apiServerPod(testCluster(), CP1, { hostCAPaths: ['/etc/pki/tls/certs'] });
    expect(pod.spec.volumes!.map((v) => v.name)).toEqual(['ca-certs', 'etc-pki-tls-certs', 'k8s-certs']);
    expect(pod.spec.containers[0]!.volumeMounts!.every((m) => m.readOnly)).toBe(true);
  });

  it('controller-manager allocates node CIDRs from the pod subnet and names the cluster', () => {
    const cmd = controllerManagerCommand(testCluster());
    expect(cmd).toEqual(expect.arrayContaining(['--allocate-node-cidrs=true', '--cluster-cidr=10.244.0.0/16', '--service-cluster-ip-range=10.96.0.0/12', '--cluster-name=kgen-test', '--controllers=*,bootstrapsigner,tokencleaner']));
  });

  it('controller-manager and scheduler probe their bind address, or the pod IP for 0.0.0.0', () => {
    const pods = controlPlanePods(
      testCluster({ controllerManager: { extraArgs: { 'bind-address': '0.0.0.0' } }, scheduler: { extraArgs: { 'bind-address': '10.0.0.11' } } }),
      CP1,
      { hostCAPaths: [] },
    );
    expect(pods['kube-controller-manager'].spec.containers[0]!.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 10257, scheme: 'HTTPS' });
    expect(pods['kube-scheduler'].spec.containers[0]!.livenessProbe!.httpGet.host).toBe('10.0.0.11');
    expect(schedulerCommand(testCluster())).toContain('--bind-address=127.0.0.1');
  });
});
