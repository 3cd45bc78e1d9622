import { describe, expect, it } from 'vitest';
import { describeRequest, redactObject, restTarget } from './dry-run-print.js';

describe('restTarget', () => {
  it.each([
    ['/api/v1/namespaces/kube-system/secrets', { group: '', version: 'v1', resource: 'secrets', namespace: 'kube-system', name: undefined }],
    ['/api/v1/namespaces/kube-public/configmaps/cluster-info', { group: '', version: 'v1', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' }],
    ['/api/v1/nodes/cp1', { group: '', version: 'v1', resource: 'nodes', namespace: '', name: 'cp1' }],
    ['/api/v1/namespaces/default/pods/work/eviction', { group: '', version: 'v1', resource: 'pods/eviction', namespace: 'default', name: 'work' }],
    ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm%3Aget-nodes?fieldManager=kgen', { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespace: '', name: 'kubeadm:get-nodes' }],
    ['/apis/apps/v1/namespaces/kube-system/deployments', { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'kube-system', name: undefined }],
    ['/api/v1/namespaces', { group: '', version: 'v1', resource: 'namespaces', namespace: '', name: undefined }],
    ['/api/v1/namespaces/kube-system', { group: '', version: 'v1', resource: 'namespaces', namespace: '', name: 'kube-system' }],
  ])('%s', (path, want) => {
    expect(restTarget(path)).toEqual(want);
  });
});

describe('describeRequest (kubeadm dryrun.go LogAction)', () => {
  it('prints a create with its object as YAML, the token secret redacted and the rest of a token Secret kept', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true' },
    };
    expect(describeRequest({ method: 'POST', path: '/api/v1/namespaces/kube-system/secrets', body: JSON.stringify(secret) })).toEqual([
      '[dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"',
      '[dryrun] Attached object:',
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: bootstrap-token-abcdef',
        '  namespace: kube-system',
        'type: bootstrap.kubernetes.io/token',
        'stringData:',
        '  token-id: abcdef',
        '  token-secret: <redacted>',
        '  usage-bootstrap-signing: "true"',
      ].join('\n'),
    ]);
  });

  it('redacts every value of any other Secret, and leaves other kinds alone', () => {
    const certs = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kubeadm-certs' }, type: 'Opaque', data: { 'ca.key': 'AAAA', 'sa.key': 'BBBB' } };
    expect(redactObject(certs)).toEqual({ ...certs, data: { 'ca.key': '<redacted>', 'sa.key': '<redacted>' } });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', data: { kubeconfig: 'x' } };
    expect(redactObject(cm)).toBe(cm);
  });

  it('names the object of an update, a patch and a delete; a patch of a Secret is redacted', () => {
    expect(describeRequest({ method: 'PATCH', path: '/api/v1/nodes/cp1', body: '{"spec":{"unschedulable":true}}' })).toEqual([
      '[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"',
      '[dryrun] Resource name "cp1", namespace ""',
      '[dryrun] Attached patch:',
      '\t{"spec":{"unschedulable":true}}',
    ]);
    expect(describeRequest({ method: 'PATCH', path: '/api/v1/namespaces/kube-system/secrets/kubeadm-certs', body: '{"data":{"ca.key":"AAAA"}}' })[3]).toBe('\t<redacted>');
    expect(describeRequest({ method: 'DELETE', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/r' })).toEqual([
      '[dryrun] Would perform action DELETE on resource "roles" in API group "rbac.authorization.k8s.io/v1"',
      '[dryrun] Resource name "r", namespace "kube-system"',
    ]);
  });
});
