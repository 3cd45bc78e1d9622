// The namespace controller (pkg/controller/namespace/deletion/namespaced_resources_deleter.go): for
// each namespace being deleted, delete every object of every namespaced, deletable resource in it;
// once none is left, remove the "kubernetes" finalizer through /finalize, which lets the API server
// remove the namespace.
import type { ControllerContext } from './controller-client.js';
import { KubeApiError } from './kube-client.js';
import { resourcePath, type MappedResource } from './rest-mapper.js';

interface Namespace {
  metadata: { name: string; deletionTimestamp?: string; resourceVersion?: string };
  spec?: { finalizers?: string[] };
}

/** One pass; returns the namespaces it finalized. */
export async function syncNamespaces({ client }: ControllerContext, resources: MappedResource[]): Promise<string[]> {
  const finalized: string[] = [];
  const terminating = ((await client.call('GET', '/api/v1/namespaces')).items as Namespace[]).filter((n) => n.metadata.deletionTimestamp);
  for (const ns of terminating) {
    let remaining = 0;
    for (const r of resources.filter((x) => x.namespaced && x.verbs.includes('list') && x.verbs.includes('delete'))) {
      const items = (await client.call('GET', resourcePath(r, ns.metadata.name))).items as Array<{ metadata: { name: string; deletionTimestamp?: string } }>;
      for (const item of items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        await client.call('DELETE', resourcePath(r, ns.metadata.name, item.metadata.name)).catch((err: unknown) => {
          if (!(err instanceof KubeApiError && err.status === 404)) throw err;
        });
      }
    }
    if (remaining > 0 || !(ns.spec?.finalizers ?? []).includes('kubernetes')) continue;
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    await client.call('PUT', `/api/v1/namespaces/${ns.metadata.name}/finalize`, { apiVersion: 'v1', kind: 'Namespace', ...ns, spec: { ...ns.spec, finalizers } });
    finalized.push(ns.metadata.name);
  }
  return finalized;
}
