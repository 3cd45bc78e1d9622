// Small constructors for the RBAC objects kubeadm creates, so every Role/Binding has the same shape
// (upstream: cmd/kubeadm/app/util/apiclient/idempotency.go callers; k8s.io/api/rbac/v1 types).
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from './types.js';

const RBAC = 'rbac.authorization.k8s.io';

export function group(name: string): Subject {
  return { apiGroup: RBAC, kind: 'Group', name };
}

export function user(name: string): Subject {
  return { apiGroup: RBAC, kind: 'User', name };
}

export function serviceAccount(namespace: string, name: string): Subject {
  return { kind: 'ServiceAccount', name, namespace };
}

/** One rule on core-group objects, optionally restricted to named objects. */
export function coreRule(verbs: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { apiGroups: [''], resources, resourceNames, verbs };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules };
}

export function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules };
}

/** A RoleBinding to the Role of the same name in the same namespace. */
export function roleBinding(namespace: string, name: string, subjects: Subject[], roleName = name): RoleBinding {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: roleName },
    subjects,
  };
}

export function clusterRoleBinding(name: string, clusterRoleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: clusterRoleName },
    subjects,
  };
}
