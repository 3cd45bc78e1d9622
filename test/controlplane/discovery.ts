// Discovery documents (staging/src/k8s.io/apiserver/pkg/endpoints/discovery): /api (APIVersions),
// /apis (APIGroupList), /apis/<group> (APIGroup), /api/v1 and /apis/<group>/<version>
// (APIResourceList, subresources listed as "<resource>/<sub>"), and /version. Served as plain
// application/json, so kubectl falls back from aggregated discovery to these legacy documents.
import { apiVersionOf, RESOURCES, REVIEW_RESOURCES } from './resources.js';

const RW_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface GroupVersion {
  group: string;
  version: string;
}

function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of [...RESOURCES, ...REVIEW_RESOURCES]) if (r.group) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

const groupEntry = (gv: GroupVersion) => {
  const v = { groupVersion: apiVersionOf(gv), version: gv.version };
  return { name: gv.group, versions: [v], preferredVersion: v };
};

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupVersions().map(groupEntry) };
}

export function apiGroup(group: string) {
  const gv = groupVersions().find((g) => g.group === group);
  return gv ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(gv) } : undefined;
}

export function apiResourceList(group: string, version: string) {
  const resources = [
    ...RESOURCES.filter((r) => r.group === group && r.version === version).flatMap((r) => [
      { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: RW_VERBS, ...(r.shortNames ? { shortNames: r.shortNames } : {}) },
      ...r.subresources.map((s) => ({
        name: `${r.resource}/${s}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: s === 'token' ? 'TokenRequest' : r.kind,
        verbs: s === 'token' ? ['create'] : ['get', 'patch', 'update'],
      })),
    ]),
    ...REVIEW_RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      name: r.resource,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['create'],
    })),
  ];
  if (resources.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

export function versionInfo(gitVersion: string) {
  const m = /^v(\d+)\.(\d+)\./.exec(gitVersion);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '0',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
