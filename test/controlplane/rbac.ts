// RBAC evaluation as upstream's RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go,
// pkg/registry/rbac/validation/rule.go and plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows):
// ClusterRoleBindings grant everywhere; RoleBindings grant only inside their namespace and may
// refer to a Role there or to a ClusterRole; subjects are User, Group or ServiceAccount
// (system:serviceaccount:<ns>:<name>). Roles and bindings are read from storage on every decision,
// so every API server sharing the etcd cluster decides the same way.

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface Binding {
  namespace?: string;
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** What a request asks to do (authorizer.Attributes). */
export interface Attributes {
  user: { name: string; groups: string[] };
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** Exact-match fieldSelector requirements of a list or watch (authorizer.Attributes.GetFieldSelector). */
  fieldSelector?: Record<string, string>;
}

const has = (list: readonly string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (a.subresource !== '' && r.startsWith('*/') && r.slice(2) === a.subresource),
  );
  if (!resourceOk) return false;
  return !rule.resourceNames || rule.resourceNames.length === 0 || rule.resourceNames.includes(a.name);
}

function subjectMatches(s: Subject, user: Attributes['user'], bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/** The rules sources an RBAC decision needs; implemented over storage by the API server. */
export interface PolicySource {
  clusterRoleBindings(): Promise<Binding[]>;
  roleBindings(namespace: string): Promise<Binding[]>;
  clusterRoleRules(name: string): Promise<PolicyRule[] | undefined>;
  roleRules(namespace: string, name: string): Promise<PolicyRule[] | undefined>;
}

export async function rbacAllows(source: PolicySource, a: Attributes): Promise<boolean> {
  const rulesOf = async (b: Binding, ns: string): Promise<PolicyRule[]> =>
    (b.roleRef.kind === 'ClusterRole' ? await source.clusterRoleRules(b.roleRef.name) : await source.roleRules(ns, b.roleRef.name)) ?? [];
  for (const b of await source.clusterRoleBindings()) {
    if ((b.subjects ?? []).some((s) => subjectMatches(s, a.user, '')) && (await rulesOf(b, '')).some((r) => ruleAllows(a, r))) return true;
  }
  if (a.namespace) {
    for (const b of await source.roleBindings(a.namespace)) {
      if ((b.subjects ?? []).some((s) => subjectMatches(s, a.user, a.namespace)) && (await rulesOf(b, a.namespace)).some((r) => ruleAllows(a, r))) {
        return true;
      }
    }
  }
  return false;
}

/** The text upstream puts after "is forbidden: " (endpoints/handlers/responsewriters/errors.go forbiddenMessage). */
export function forbiddenMessage(a: Attributes): string {
  if (!a.resourceRequest) return `User "${a.user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}
