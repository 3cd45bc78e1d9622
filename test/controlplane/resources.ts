// The resource table the generic REST handler serves: group/version, plural, kind, scope,
// subresources and the etcd key prefix upstream uses for each
// (pkg/registry/<group>/<resource>/storage/storage.go: e.g. nodes live under /registry/minions,
// services under /registry/services/specs, endpoints under /registry/services/endpoints).

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: the URL segment and the RBAC resource. */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  /** Subresources served with the object (e.g. "status", "approval"). */
  subresources: string[];
  /** etcd key prefix without trailing slash. */
  storage: string;
  shortNames?: string[];
  /** Extra field selectors upstream supports besides metadata.name / metadata.namespace. */
  fieldLabels?: string[];
}

const r = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  more: Partial<Pick<ResourceInfo, 'subresources' | 'storage' | 'shortNames' | 'fieldLabels'>> = {},
): ResourceInfo => ({
  group,
  version,
  resource,
  kind,
  singular: kind.toLowerCase(),
  namespaced,
  subresources: more.subresources ?? [],
  storage: more.storage ?? `/registry/${resource}`,
  shortNames: more.shortNames,
  fieldLabels: more.fieldLabels,
});

export const RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'namespaces', 'Namespace', false, { subresources: ['status', 'finalize'], shortNames: ['ns'], fieldLabels: ['status.phase'] }),
  r('', 'v1', 'secrets', 'Secret', true, { fieldLabels: ['type'] }),
  r('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { subresources: ['token'], shortNames: ['sa'] }),
  r('', 'v1', 'services', 'Service', true, { subresources: ['status'], storage: '/registry/services/specs', shortNames: ['svc'] }),
  r('', 'v1', 'endpoints', 'Endpoints', true, { storage: '/registry/services/endpoints', shortNames: ['ep'] }),
  r('', 'v1', 'nodes', 'Node', false, { subresources: ['status'], storage: '/registry/minions', shortNames: ['no'], fieldLabels: ['spec.unschedulable'] }),
  r('', 'v1', 'pods', 'Pod', true, { subresources: ['status', 'eviction'], shortNames: ['po'], fieldLabels: ['spec.nodeName', 'status.phase'] }),
  r('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false, {
    subresources: ['approval', 'status'],
    shortNames: ['csr'],
    fieldLabels: ['spec.signerName'],
  }),
  r('apps', 'v1', 'deployments', 'Deployment', true, { subresources: ['status', 'scale'], shortNames: ['deploy'] }),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, { subresources: ['status'], shortNames: ['ds'] }),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, { subresources: ['status'], shortNames: ['rs'] }),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  // events.k8s.io/v1 Events share core Events' storage upstream.
  r('events.k8s.io', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { subresources: ['status'], shortNames: ['pdb'] }),
];

/** Create-only resources that are evaluated, never stored (authorization.k8s.io/v1, authentication.k8s.io/v1). */
export const REVIEW_RESOURCES: readonly Pick<ResourceInfo, 'group' | 'version' | 'resource' | 'kind' | 'namespaced'>[] = [
  { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
];

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

/** "v1" or "group/version", as apiVersion is written. */
export const apiVersionOf = (x: { group: string; version: string }): string => (x.group ? `${x.group}/${x.version}` : x.version);
