// Authorization chain as kube-apiserver builds it for --authorization-mode=Node,RBAC
// (pkg/kubeapiserver/authorizer/config.go): members of system:masters are always allowed (the
// privileged-group authorizer), then each mode in flag order; the first "allow" wins, otherwise 403.
// Node mode follows plugin/pkg/auth/authorizer/node/node_authorizer.go for a cluster without pods
// in its graph: a node identity (group system:nodes, user system:node:<name>) gets NodeRules, its
// Lease in kube-node-lease only, and no secrets/configmaps/PVs/tokens through this path (no pod
// references them; RBAC may still grant them). With AuthorizeNodeWithSelectors (on by default from
// v1.32) a node reads only its own Node (get, or list/watch with fieldSelector metadata.name) and
// lists/watches pods only with fieldSelector spec.nodeName=<itself>. Which node may write which Node
// or Lease is NodeRestriction admission's job (node-restriction.ts).
import { NODE_RULES } from './bootstrap-policy.js';
import { type Attributes, type Binding, type PolicyRule, type PolicySource, rbacAllows, ruleAllows } from './rbac.js';
import { findResource } from './resources.js';
import type { Store } from './store.js';

export type AuthorizationMode = 'Node' | 'RBAC' | 'AlwaysAllow' | 'AlwaysDeny';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['Node', 'RBAC', 'AlwaysAllow', 'AlwaysDeny'];

const rbacRes = (resource: string) => findResource('rbac.authorization.k8s.io', 'v1', resource)!;

/** RBAC's view of storage: bindings and role rules read live from etcd. */
export function storePolicySource(store: Store): PolicySource {
  const bindings = (items: { metadata: { namespace?: string }; subjects?: unknown; roleRef?: unknown }[]): Binding[] =>
    items.map((b) => ({ namespace: b.metadata.namespace, subjects: b.subjects as Binding['subjects'], roleRef: b.roleRef as Binding['roleRef'] }));
  return {
    clusterRoleBindings: async () => bindings((await store.list(rbacRes('clusterrolebindings'))).items),
    roleBindings: async (ns) => bindings((await store.list(rbacRes('rolebindings'), ns)).items),
    clusterRoleRules: async (name) => (await store.tryGet(rbacRes('clusterroles'), undefined, name))?.rules as PolicyRule[] | undefined,
    roleRules: async (ns, name) => (await store.tryGet(rbacRes('roles'), ns, name))?.rules as PolicyRule[] | undefined,
  };
}

/** The node name of a node identity (nodeidentifier.NodeIdentity), or undefined. */
export function nodeName(user: Attributes['user']): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.name.startsWith('system:node:')) return undefined;
  const name = user.name.slice('system:node:'.length);
  return name || undefined;
}

const GRAPH_RESOURCES = new Set(['secrets', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes', 'resourceclaims']);

function nodeAuthorizerAllows(a: Attributes, withSelectors: boolean): boolean {
  const node = nodeName(a.user);
  if (!node || !a.resourceRequest) return false;
  if (a.apiGroup === '' && (GRAPH_RESOURCES.has(a.resource) || a.resource === 'serviceaccounts')) return false;
  if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return false;
    if (a.namespace !== 'kube-node-lease') return false;
    return a.verb === 'create' || a.name === node;
  }
  if (withSelectors && a.apiGroup === '' && a.resource === 'nodes') {
    if (a.subresource === 'status') return a.verb === 'update' || a.verb === 'patch';
    if (a.subresource !== '') return false;
    if (['create', 'update', 'patch'].includes(a.verb)) return true;
    return ['get', 'list', 'watch'].includes(a.verb) && a.name === node;
  }
  if (withSelectors && a.apiGroup === '' && a.resource === 'pods' && a.subresource === '' && (a.verb === 'list' || a.verb === 'watch')) {
    return a.fieldSelector?.['spec.nodeName'] === node;
  }
  return NODE_RULES.some((r) => ruleAllows(a, r));
}

export class Authorizer {
  constructor(
    private readonly modes: AuthorizationMode[],
    private readonly policy: PolicySource,
    /** The AuthorizeNodeWithSelectors feature gate. */
    private readonly nodeSelectors: boolean,
  ) {}

  async allows(a: Attributes): Promise<boolean> {
    if (a.user.groups.includes('system:masters')) return true;
    for (const mode of this.modes) {
      if (mode === 'AlwaysAllow') return true;
      if (mode === 'AlwaysDeny') return false;
      if (mode === 'Node' && nodeAuthorizerAllows(a, this.nodeSelectors)) return true;
      if (mode === 'RBAC' && (await rbacAllows(this.policy, a))) return true;
    }
    return false;
  }
}
