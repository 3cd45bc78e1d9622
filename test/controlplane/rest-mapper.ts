// kind -> resource mapping from the API server's discovery documents, as client-go's
// DeferredDiscoveryRESTMapper builds it: /api/v1 and every /apis/<group>/<version> listed in /apis.
// Used by the controller-manager, which knows the API only through the API server.
import type { KubeClient } from './kube-client.js';

export interface MappedResource {
  apiVersion: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

export async function discoverResources(client: KubeClient): Promise<MappedResource[]> {
  const groupVersions = ['v1', ...((await client.call('GET', '/apis')).groups as Array<{ preferredVersion: { groupVersion: string } }>).map((g) => g.preferredVersion.groupVersion)];
  const out: MappedResource[] = [];
  for (const gv of groupVersions) {
    const list = await client.call('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
    for (const r of list.resources as Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>) {
      if (!r.name.includes('/')) out.push({ apiVersion: gv, kind: r.kind, resource: r.name, namespaced: r.namespaced, verbs: r.verbs });
    }
  }
  return out;
}

/** The URL of a collection (namespace given for namespaced resources) or of one object. */
export function resourcePath(r: MappedResource, namespace?: string, name?: string): string {
  const base = r.apiVersion === 'v1' ? '/api/v1' : `/apis/${r.apiVersion}`;
  const ns = r.namespaced && namespace ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${r.resource}${name ? `/${name}` : ''}`;
}
