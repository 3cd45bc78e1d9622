// The builders take the shared contract types as they are: a NodeBootConfig's cluster and node, and
// the inventory's ClusterSpec, feed them without conversion. These cases fail to compile otherwise.
import { describe, expect, it } from 'vitest';
import type { NodeBootConfig } from '../contract/config.js';
import type { ClusterSpec } from '../inventory/types.js';
import { kubeProxyMode } from './addons/kubeproxy.js';
import { controlPlanePods } from './controlplane.js';
import { etcdPod } from './etcd.js';
import { kubeadmFlagsEnv, nodeKubeletConfiguration } from './kubelet.js';
import { clusterConfiguration } from './uploadconfig.js';
import { CP1, testCluster } from './test-fixtures.js';

function bootConfig(): NodeBootConfig {
  const cluster = testCluster();
  return {
    apiVersion: 'kgen.dev/v1alpha1',
    kind: 'NodeBootConfig',
    node: {
      name: 'cp-1',
      role: 'control-plane',
      init: true,
      address: '10.0.0.11',
      kubelet: { criSocket: 'unix:///run/containerd/containerd.sock', extraArgs: {} },
      labels: {},
      taints: [],
      generation: 1,
    },
    cluster: {
      ...cluster,
      etcd: { local: { dataDir: '/var/lib/etcd', extraArgs: {} } },
      bootstrapToken: { ttlSeconds: 86400, groups: [], description: '' },
      addons: { coreDNS: { enabled: true }, kubeProxy: { enabled: true, mode: 'iptables' } },
      boot: { delivery: 'embed', path: '/usr/local/bin/kgen-boot.mjs', installNodejs: false, discoveryTimeoutSeconds: 1800 },
      ignorePreflightErrors: [],
    },
    discovery: { apiServerEndpoint: 'cp.kgen.test:6443', token: 'abcdef.0123456789abcdef', caCertHashes: [], timeoutSeconds: 1800 },
  };
}

describe('builders accept the shared contract types', () => {
  it('NodeBootConfig cluster and node go straight in', () => {
    const cfg = bootConfig();
    expect(controlPlanePods(cfg.cluster, cfg.node, { hostCAPaths: [] })['kube-apiserver'].metadata.name).toBe('kube-apiserver');
    expect(etcdPod(cfg.cluster, cfg.node).metadata.name).toBe('etcd');
    expect(kubeadmFlagsEnv(cfg.cluster, cfg.node)).toMatch(/^KUBELET_KUBEADM_ARGS="/);
    expect(nodeKubeletConfiguration(cfg.cluster, cfg.node).kind).toBe('KubeletConfiguration');
    expect(kubeProxyMode(cfg.cluster.addons.kubeProxy.mode)).toBe('iptables');
  });

  it('the inventory ClusterSpec goes straight in', () => {
    const spec: ClusterSpec = {
      ...testCluster(),
      etcd: { external: { endpoints: ['https://e1:2379'], caFile: 'ca', certFile: 'c', keyFile: 'k' } },
      bootstrapToken: { ttlSeconds: 86400, groups: [], description: '' },
      certificateRenewal: { enabled: true, beforeSeconds: 2_592_000 },
      addons: { coreDNS: { enabled: true }, kubeProxy: { enabled: true, mode: 'ipvs' } },
      boot: { delivery: 'embed', path: '/usr/local/bin/kgen-boot.mjs', installNodejs: false, discoveryTimeoutSeconds: 1800 },
      ignorePreflightErrors: [],
      pxe: { imageBaseURL: '', seedBaseURL: '', kernelArgs: [] },
    };
    expect(clusterConfiguration(spec).etcd).toMatchObject({ external: { endpoints: ['https://e1:2379'] } });
    expect(controlPlanePods(spec, CP1, { hostCAPaths: [] })['kube-apiserver'].spec.containers[0]!.command).toContain('--etcd-servers=https://e1:2379');
  });

  it('rejects an unknown kube-proxy mode with the field to fix', () => {
    expect(() => kubeProxyMode('userspace')).toThrow(/cluster.addons.kubeProxy.mode/);
  });
});
