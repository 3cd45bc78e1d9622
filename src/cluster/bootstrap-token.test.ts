import { describe, expect, it } from 'vitest';
import { toYamlDocuments } from '../yaml.js';
import { bootstrapTokenSecret, clusterInfoConfigMap, clusterInfoRBAC, tlsBootstrapRBAC } from './bootstrap-token.js';
import type { BootstrapToken } from '../secrets/types.js';

const TOKEN: BootstrapToken = {
  id: 'abcdef',
  secret: '0123456789abcdef',
  expiration: '2026-11-24T06:00:00Z',
  usages: ['authentication', 'signing'],
  groups: ['system:bootstrappers:kubeadm:default-node-token'],
  description: 'kgen join token',
};

const decode = (data: Record<string, string>) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

describe('bootstrap-token phase objects', () => {
  it('all objects match the snapshot', async () => {
    const objects = [bootstrapTokenSecret(TOKEN), clusterInfoConfigMap('apiVersion: v1\nkind: Config\n'), ...clusterInfoRBAC(), ...tlsBootstrapRBAC()];
    await expect(toYamlDocuments(objects)).toMatchFileSnapshot('__snapshots__/bootstrap-token.yaml');
  });

  it('token Secret has the bootstrap token type, name and keys', () => {
    const s = bootstrapTokenSecret(TOKEN);
    expect(s.metadata).toEqual({ name: 'bootstrap-token-abcdef', namespace: 'kube-system' });
    expect(s.type).toBe('bootstrap.kubernetes.io/token');
    expect(decode(s.data)).toEqual({
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      description: 'kgen join token',
      expiration: '2026-11-24T06:00:00Z',
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    });
  });

  it('omits optional keys that are empty', () => {
    const s = bootstrapTokenSecret({ ...TOKEN, usages: [], groups: [], description: '' });
    expect(Object.keys(s.data).sort()).toEqual(['expiration', 'token-id', 'token-secret']);
  });

  it('cluster-info is readable by anonymous and only by name', () => {
    const [role, binding] = clusterInfoRBAC();
    expect(role.metadata).toEqual({ name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' });
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }]);
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }]);
  });

  it('TLS bootstrap bindings grant the upstream cluster roles to the upstream groups', () => {
    const summary = tlsBootstrapRBAC().map((o) => (o.kind === 'ClusterRoleBinding' ? `${o.metadata.name} -> ${o.roleRef.name} for ${o.subjects.map((s) => s.name).join(',')}` : `${o.metadata.name}: ${JSON.stringify(o.rules)}`));
    expect(summary).toEqual([
      'kubeadm:kubelet-bootstrap -> system:node-bootstrapper for system:bootstrappers:kubeadm:default-node-token',
      'kubeadm:node-autoapprove-bootstrap -> system:certificates.k8s.io:certificatesigningrequests:nodeclient for system:bootstrappers:kubeadm:default-node-token',
      'kubeadm:node-autoapprove-certificate-rotation -> system:certificates.k8s.io:certificatesigningrequests:selfnodeclient for system:nodes',
      'kubeadm:get-nodes: [{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}]',
      'kubeadm:get-nodes -> kubeadm:get-nodes for system:bootstrappers:kubeadm:default-node-token',
    ]);
  });
});
