// The default RBAC objects kube-apiserver creates at startup (its "rbac/bootstrap-roles" post-start
// hook), restricted to those a kubeadm cluster relies on. Rules follow upstream
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/{policy.go,controller_policy.go,namespace_policy.go}
// (rendered in its testdata/*.yaml). Also the namespaces that exist at startup.
import type { PolicyRule, Subject } from './rbac.js';
import type { KubeObject } from './store.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

const READ = ['get', 'list', 'watch'];
const eventsRule = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

/** NodeRules(): what the Node authorizer grants any node identity (policy.go). */
export const NODE_RULES: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(READ, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']),
  rule(READ, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(READ, [''], ['configmaps', 'secrets']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(READ, ['storage.k8s.io'], ['csidrivers']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
];

const clusterRole = (name: string, rules: PolicyRule[]): KubeObject => ({ apiVersion: RBAC, kind: 'ClusterRole', metadata: meta(name), rules });
const role = (namespace: string, name: string, rules: PolicyRule[]): KubeObject => ({ apiVersion: RBAC, kind: 'Role', metadata: meta(name, namespace), rules });

const user = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const group = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

const clusterBinding = (name: string, subjects: Subject[], roleName = name): KubeObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: meta(name),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
  ...(subjects.length ? { subjects } : {}),
});
const roleBinding = (namespace: string, name: string, subjects: Subject[], roleName = name): KubeObject => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: meta(name, namespace),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
  subjects,
});

const SIGNERS = {
  client: 'kubernetes.io/kube-apiserver-client',
  kubelet: 'kubernetes.io/kube-apiserver-client-kubelet',
  serving: 'kubernetes.io/kubelet-serving',
  legacy: 'kubernetes.io/legacy-unknown',
};

export const CLUSTER_ROLES: KubeObject[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('system:discovery', [
    urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*']),
  ]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
  ]),
  clusterRole('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
  clusterRole('system:node', NODE_RULES),
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(READ, [''], ['nodes']),
    eventsRule,
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  clusterRole('system:auth-delegator', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:kube-controller-manager', [
    eventsRule,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
    rule(['create'], [''], ['secrets', 'serviceaccounts']),
    rule(['delete'], [''], ['secrets']),
    rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
    rule(['update'], [''], ['secrets', 'serviceaccounts']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['create'], [''], ['serviceaccounts/token']),
  ]),
  clusterRole('system:kube-scheduler', [
    eventsRule,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
    rule(READ, [''], ['nodes']),
    rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding', 'bindings']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, [''], ['services', 'replicationcontrollers']),
    rule(READ, ['apps', 'extensions'], ['replicasets']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(READ, ['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities']),
  ]),
  clusterRole('system:kube-dns', [rule(['list', 'watch'], [''], ['endpoints', 'services'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
    rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient']),
  ]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
    rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient']),
  ]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [rule(['approve'], ['certificates.k8s.io'], ['signers'], [SIGNERS.client])]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [
    rule(['approve'], ['certificates.k8s.io'], ['signers'], [SIGNERS.kubelet]),
  ]),
  clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [rule(['approve'], ['certificates.k8s.io'], ['signers'], [SIGNERS.serving])]),
  // controller_policy.go: the identity csrapproving/csrsigning run as with --use-service-account-credentials.
  clusterRole('system:controller:certificate-controller', [
    rule(['delete', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
    rule(['approve'], ['certificates.k8s.io'], ['signers'], [SIGNERS.kubelet]),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], [SIGNERS.client, SIGNERS.kubelet, SIGNERS.serving, SIGNERS.legacy]),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    eventsRule,
  ]),
  clusterRole('system:controller:namespace-controller', [
    rule(['delete', 'get', 'list', 'watch'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
  ]),
  clusterRole('system:controller:root-ca-cert-publisher', [rule(['create', 'update'], [''], ['configmaps']), eventsRule]),
  clusterRole('system:controller:service-account-controller', [rule(['create'], [''], ['serviceaccounts']), eventsRule]),
  clusterRole('system:controller:generic-garbage-collector', [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), eventsRule]),
  clusterRole('system:controller:node-controller', [
    rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
];

export const CLUSTER_ROLE_BINDINGS: KubeObject[] = [
  clusterBinding('cluster-admin', [group('system:masters')]),
  clusterBinding('system:discovery', [group('system:authenticated')]),
  clusterBinding('system:basic-user', [group('system:authenticated')]),
  clusterBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
  clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
  clusterBinding('system:kube-dns', [sa('kube-system', 'kube-dns')]),
  clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
  // Deliberately without subjects: nodes are authorized by the Node authorizer (policy.go).
  clusterBinding('system:node', []),
  clusterBinding('system:controller:certificate-controller', [sa('kube-system', 'certificate-controller')]),
  clusterBinding('system:controller:generic-garbage-collector', [sa('kube-system', 'generic-garbage-collector')]),
  clusterBinding('system:controller:root-ca-cert-publisher', [sa('kube-system', 'root-ca-cert-publisher')]),
  clusterBinding('system:controller:namespace-controller', [sa('kube-system', 'namespace-controller')]),
  clusterBinding('system:controller:service-account-controller', [sa('kube-system', 'service-account-controller')]),
  clusterBinding('system:controller:node-controller', [sa('kube-system', 'node-controller')]),
];

export const NAMESPACE_ROLES: KubeObject[] = [
  role('kube-public', 'system:controller:bootstrap-signer', [
    rule(READ, [''], ['configmaps']),
    rule(['update'], [''], ['configmaps'], ['cluster-info']),
    eventsRule,
  ]),
  role('kube-system', 'extension-apiserver-authentication-reader', [rule(READ, [''], ['configmaps'], ['extension-apiserver-authentication'])]),
  role('kube-system', 'system::leader-locking-kube-controller-manager', [
    rule(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leases']),
  ]),
  role('kube-system', 'system::leader-locking-kube-scheduler', [rule(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leases'])]),
  role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [''], ['secrets'])]),
  role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), eventsRule]),
];

export const NAMESPACE_ROLE_BINDINGS: KubeObject[] = [
  roleBinding('kube-public', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
  roleBinding(
    'kube-system',
    'system::extension-apiserver-authentication-reader',
    [user('system:kube-controller-manager'), user('system:kube-scheduler')],
    'extension-apiserver-authentication-reader',
  ),
  roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', [
    user('system:kube-controller-manager'),
    sa('kube-system', 'kube-controller-manager'),
    sa('kube-system', 'leader-election-controller'),
  ]),
  roleBinding('kube-system', 'system::leader-locking-kube-scheduler', [user('system:kube-scheduler'), sa('kube-system', 'kube-scheduler')]),
  roleBinding('kube-system', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
  roleBinding('kube-system', 'system:controller:token-cleaner', [sa('kube-system', 'token-cleaner')]),
];

/** Namespaces kube-apiserver ensures at startup (its system-namespaces controller). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
