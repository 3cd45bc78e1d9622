import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYamlDocuments } from '../yaml.js';
import { clusterAdminsBinding, clusterConfiguration, kubeadmConfigConfigMap, kubeadmConfigRBAC, kubeletConfigConfigMap, kubeletConfigRBAC } from './uploadconfig.js';
import { testCluster } from './test-fixtures.js';

describe('upload-config objects', () => {
  it.each(['v1.30.4', 'v1.33.2'])('%s objects match the snapshot', async (version) => {
    const cluster = testCluster({ kubernetesVersion: version, apiServer: { certSANs: ['cp.kgen.test'], extraArgs: { 'audit-log-maxage': '7' } } });
    const objects = [kubeadmConfigConfigMap(cluster), kubeletConfigConfigMap(cluster), ...kubeadmConfigRBAC(), ...kubeletConfigRBAC(), clusterAdminsBinding()];
    await expect(toYamlDocuments(objects)).toMatchFileSnapshot(`__snapshots__/upload-config-${version}.yaml`);
  });

  it.each([
    { version: 'v1.30.4', apiVersion: 'kubeadm.k8s.io/v1beta3', extraArgs: { 'audit-log-maxage': '7' } },
    { version: 'v1.31.0', apiVersion: 'kubeadm.k8s.io/v1beta4', extraArgs: [{ name: 'audit-log-maxage', value: '7' }] },
  ])('$version writes $apiVersion with its extraArgs shape', ({ version, apiVersion, extraArgs }) => {
    const doc = clusterConfiguration(testCluster({ kubernetesVersion: version, apiServer: { certSANs: [], extraArgs: { 'audit-log-maxage': '7' } } }));
    expect(doc.apiVersion).toBe(apiVersion);
    expect((doc.apiServer as { extraArgs: unknown }).extraArgs).toEqual(extraArgs);
  });

  it('v1beta4 carries key algorithm and validity periods as Go durations', () => {
    const doc = clusterConfiguration(testCluster({ certificates: { keyAlgorithm: 'RSA-3072', validityHours: 720, caValidityHours: 87600 } }));
    expect(doc).toMatchObject({ encryptionAlgorithm: 'RSA-3072', certificateValidityPeriod: '720h0m0s', caCertificateValidityPeriod: '87600h0m0s' });
  });

  it('v1beta3 expresses ECDSA with the PublicKeysECDSA feature gate', () => {
    const doc = clusterConfiguration(testCluster({ kubernetesVersion: 'v1.30.0' }));
    expect(doc.featureGates).toEqual({ PublicKeysECDSA: true });
    expect(doc.encryptionAlgorithm).toBeUndefined();
  });

  it('external etcd points at the node-side client files', () => {
    const doc = clusterConfiguration(testCluster({ etcd: { external: { endpoints: ['https://e1:2379'] } } }));
    expect(doc.etcd).toEqual({ external: { endpoints: ['https://e1:2379'], caFile: '/etc/kubernetes/pki/external-etcd-ca.crt', certFile: '/etc/kubernetes/pki/external-etcd.crt', keyFile: '/etc/kubernetes/pki/external-etcd.key' } });
  });

  it('ConfigMaps hold parseable documents under the upstream keys', () => {
    const kc = kubeadmConfigConfigMap(testCluster());
    expect(kc.metadata).toEqual({ name: 'kubeadm-config', namespace: 'kube-system' });
    expect(parse(kc.data.ClusterConfiguration!)).toMatchObject({ kind: 'ClusterConfiguration', controlPlaneEndpoint: 'cp.kgen.test:6443' });
    expect(parse(kubeletConfigConfigMap(testCluster()).data.kubelet!)).toMatchObject({ kind: 'KubeletConfiguration', clusterDNS: ['10.96.0.10'] });
  });

  it('RBAC lets token holders and nodes get exactly these ConfigMaps', () => {
    const [r1, b1] = kubeadmConfigRBAC();
    const [r2, b2] = kubeletConfigRBAC();
    expect(r1.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubeadm-config'], verbs: ['get'] }]);
    expect(r2.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubelet-config'], verbs: ['get'] }]);
    for (const b of [b1, b2]) expect(b.subjects.map((s) => s.name).sort()).toEqual(['system:bootstrappers:kubeadm:default-node-token', 'system:nodes']);
    expect(b1.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:nodes-kubeadm-config' });
    expect(clusterAdminsBinding()).toMatchObject({ metadata: { name: 'kubeadm:cluster-admins' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'kubeadm:cluster-admins' }] });
  });
});
