import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYamlDocuments } from '../../yaml.js';
import { testCluster } from '../test-fixtures.js';
import { kubeProxyAddon, kubeProxyConfigMap, kubeProxyDaemonSet, kubeProxyRBAC, nodeProxierBinding } from './kubeproxy.js';

describe('kube-proxy addon', () => {
  it('objects match the snapshot', async () => {
    await expect(toYamlDocuments(kubeProxyAddon(testCluster(), 'iptables', '10.0.0.11'))).toMatchFileSnapshot('__snapshots__/kube-proxy.yaml');
  });

  it('config.conf carries kubeadm defaults and the mode', () => {
    const cm = kubeProxyConfigMap(testCluster(), 'nftables');
    expect(parse(cm.data['config.conf']!)).toEqual({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      bindAddress: '0.0.0.0',
      clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
      clusterCIDR: '10.244.0.0/16',
      mode: 'nftables',
    });
  });

  it('kubeconfig.conf points at the control-plane endpoint with the service-account token', () => {
    const kc = parse(kubeProxyConfigMap(testCluster(), 'iptables').data['kubeconfig.conf']!);
    expect(kc.clusters[0].cluster).toEqual({ 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', server: 'https://cp.kgen.test:6443' });
    expect(kc.users[0].user).toEqual({ tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
  });

  it('binds system:node-proxier to the kube-proxy service account, and lets token holders read the ConfigMap', () => {
    expect(nodeProxierBinding()).toMatchObject({ metadata: { name: 'kubeadm:node-proxier' }, roleRef: { name: 'system:node-proxier' }, subjects: [{ kind: 'ServiceAccount', name: 'kube-proxy', namespace: 'kube-system' }] });
    const [role, binding] = kubeProxyRBAC();
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-proxy'], verbs: ['get'] }]);
    expect(binding.subjects.map((s) => s.name)).toEqual(['system:bootstrappers:kubeadm:default-node-token']);
  });

  it('DaemonSet runs the version image with the mounted config', () => {
    const c = kubeProxyDaemonSet(testCluster({ kubernetesVersion: 'v1.35.0' })).spec.template.spec.containers[0]!;
    expect(c.image).toBe('registry.k8s.io/kube-proxy:v1.35.0');
    expect(c.command).toEqual(['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)']);
  });
});
