import { describe, expect, it } from 'vitest';
import { toYaml } from '../yaml.js';
import { clusterKubeletConfiguration, goQuote, kubeadmFlagsEnv, kubeletFlags, mutateResolverConfig, nodeKubeletConfiguration } from './kubelet.js';
import { testCluster, testWorker } from './test-fixtures.js';

describe('KubeletConfiguration', () => {
  it('cluster configuration matches the snapshot', async () => {
    await expect(toYaml(clusterKubeletConfiguration(testCluster()))).toMatchFileSnapshot('__snapshots__/kubelet-config.yaml');
  });

  it('sets kubeadm defaults: x509 client CA, webhook authn/authz, no anonymous, DNS = 10th service IP', () => {
    const c = clusterKubeletConfiguration(testCluster());
    expect(c).toMatchObject({
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
      authorization: { mode: 'Webhook' },
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      rotateCertificates: true,
      staticPodPath: '/etc/kubernetes/manifests',
      cgroupDriver: 'systemd',
    });
  });

  it('cluster.kubelet fields win, nested objects merge', () => {
    const c = clusterKubeletConfiguration(testCluster({ kubelet: { maxPods: 50, cgroupDriver: 'cgroupfs', authentication: { webhook: { cacheTTL: '1m' } } } }));
    expect(c.maxPods).toBe(50);
    expect(c.cgroupDriver).toBe('cgroupfs');
    expect(c.authentication).toEqual({ anonymous: { enabled: false }, webhook: { enabled: true, cacheTTL: '1m' }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } });
  });

  it('rotateCertificates stays true whatever cluster.kubelet says, as kubeadm forces it', () => {
    expect(clusterKubeletConfiguration(testCluster({ kubelet: { rotateCertificates: false } })).rotateCertificates).toBe(true);
  });

  it('node file adds the node-local resolvConf and cgroupDriver', () => {
    const c = nodeKubeletConfiguration(testCluster(), testWorker({ kubelet: { criSocket: 'unix:///x.sock', extraArgs: {}, resolvConf: '/run/systemd/resolve/resolv.conf', cgroupDriver: 'cgroupfs' } }));
    expect(c.resolvConf).toBe('/run/systemd/resolve/resolv.conf');
    expect(c.cgroupDriver).toBe('cgroupfs');
    expect(clusterKubeletConfiguration(testCluster()).resolvConf).toBeUndefined();
  });
});

describe('mutateResolverConfig (kubeadm kubelet_unix.go)', () => {
  const base = { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration' };
  it.each<[string, Record<string, unknown>, boolean, string | undefined, string | undefined]>([
    ['systemd-resolved inactive, unset: stays unset', {}, false, undefined, undefined],
    ['systemd-resolved inactive, set: kept, no warning', { resolvConf: '/etc/resolv.conf' }, false, '/etc/resolv.conf', undefined],
    ['systemd-resolved active, unset: systemd-resolved\'s file', {}, true, '/run/systemd/resolve/resolv.conf', undefined],
    ['systemd-resolved active, the same path set: no warning', { resolvConf: '/run/systemd/resolve/resolv.conf' }, true, '/run/systemd/resolve/resolv.conf', undefined],
    [
      'systemd-resolved active, another path set: kept with kubeadm\'s warning',
      { resolvConf: '/etc/resolv.conf' },
      true,
      '/etc/resolv.conf',
      'The recommended value for "resolvConf" in "KubeletConfiguration" is: /run/systemd/resolve/resolv.conf; the provided value is: /etc/resolv.conf',
    ],
    [
      'systemd-resolved active, set empty (the kubelet\'s "no resolv.conf"): kept with the warning',
      { resolvConf: '' },
      true,
      '',
      'The recommended value for "resolvConf" in "KubeletConfiguration" is: /run/systemd/resolve/resolv.conf; the provided value is: ',
    ],
  ])('%s', (_name, fields, active, resolvConf, warning) => {
    const input: Record<string, unknown> = { ...base, ...fields };
    const out = mutateResolverConfig(input, active);
    expect(out.config.resolvConf).toBe(resolvConf);
    expect(out.warning).toBe(warning);
    expect(out.config).toMatchObject(base);
    expect(input).toEqual({ ...base, ...fields });
  });
});

describe('kubeadm-flags.env', () => {
  it('worker with taints and labels matches the snapshot', async () => {
    const node = testWorker({ labels: { 'kgen.dev/pool': 'a', 'example.com/tier': 'web' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }] });
    await expect(kubeadmFlagsEnv(testCluster(), node)).toMatchFileSnapshot('__snapshots__/kubeadm-flags.env');
  });

  it('is one line, sorted flags, Go-quoted', () => {
    expect(kubeadmFlagsEnv(testCluster(), testWorker())).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=10.0.0.21 --pod-infra-container-image=registry.k8s.io/pause:3.10"\n',
    );
  });

  it.each([
    { version: 'v1.30.1', want: '--pod-infra-container-image=registry.k8s.io/pause:3.9' },
    { version: 'v1.34.0', want: '--pod-infra-container-image=registry.k8s.io/pause:3.10.1' },
    { version: 'v1.35.0', want: undefined },
  ])('$version pause flag', ({ version, want }) => {
    const flags = kubeletFlags(testCluster({ kubernetesVersion: version }), testWorker());
    expect(flags.find((f) => f.startsWith('--pod-infra-container-image'))).toBe(want);
  });

  it('registers taints by flag only on workers', () => {
    const taints = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const }];
    expect(kubeletFlags(testCluster(), testWorker({ taints }))).toContain('--register-with-taints=node-role.kubernetes.io/control-plane:NoSchedule');
    expect(kubeletFlags(testCluster(), testWorker({ role: 'control-plane', taints })).some((f) => f.startsWith('--register-with-taints'))).toBe(false);
  });

  it('extraArgs override and add flags; hostname-override and node-ip come from the node', () => {
    const node = testWorker({ kubelet: { criSocket: 'unix:///run/crio/crio.sock', nodeIP: '192.168.1.5', hostnameOverride: 'w1.example', extraArgs: { 'node-ip': '192.168.1.6', v: '2' } } });
    const flags = kubeletFlags(testCluster(), node);
    expect(flags).toEqual([
      '--container-runtime-endpoint=unix:///run/crio/crio.sock',
      '--hostname-override=w1.example',
      '--node-ip=192.168.1.6',
      '--pod-infra-container-image=registry.k8s.io/pause:3.10',
      '--v=2',
    ]);
  });

  it.each([
    { name: 'hostname equals node name', hostname: 'worker-1', override: undefined, want: undefined },
    { name: 'hostname differs', hostname: 'localhost', override: undefined, want: '--hostname-override=worker-1' },
    { name: 'hostname unknown', hostname: undefined, override: undefined, want: undefined },
    { name: 'explicit override wins', hostname: 'worker-1', override: 'w1.example', want: '--hostname-override=w1.example' },
  ])('hostname-override: $name', ({ hostname, override, want }) => {
    const node = testWorker({ kubelet: { criSocket: 'unix:///x.sock', extraArgs: {}, hostnameOverride: override } });
    expect(kubeletFlags(testCluster(), node, { hostname }).find((f) => f.startsWith('--hostname-override'))).toBe(want);
  });

  it('refuses labels the kubelet may not set on itself, naming them', () => {
    expect(() => kubeletFlags(testCluster(), testWorker({ labels: { 'node-role.kubernetes.io/worker': '' } }))).toThrow(/node-role.kubernetes.io\/worker/);
  });

  it.each([
    { in: 'plain', out: '"plain"' },
    { in: 'say "hi"', out: '"say \\"hi\\""' },
    { in: 'back\\slash', out: '"back\\\\slash"' },
    { in: 'tab\tnl\n', out: '"tab\\tnl\\n"' },
    { in: '\x01', out: '"\\x01"' },
  ])('goQuote($in)', ({ in: input, out }) => {
    expect(goQuote(input)).toBe(out);
  });
});
