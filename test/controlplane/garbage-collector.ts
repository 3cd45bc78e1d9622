// The garbage collector's ownerReferences rule (pkg/controller/garbagecollector/garbagecollector.go
// attemptToDeleteItem), by polling instead of a dependency graph: an object whose owners are all
// gone (not found, or found with another uid) is deleted; an object with some owners gone loses
// those references. This is how kubeadm's kubeadm-certs Secret disappears with the short-lived
// bootstrap token Secret that owns it.
import { KubeApiError, type KubeClient } from './kube-client.js';
import { resourcePath, type MappedResource } from './rest-mapper.js';

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  ownerReferences?: OwnerReference[];
}

async function ownerExists(client: KubeClient, resources: MappedResource[], ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
  const r = resources.find((x) => x.apiVersion === ref.apiVersion && x.kind === ref.kind);
  // An owner of a kind the server does not serve cannot be resolved; leave the dependent alone.
  if (!r) return true;
  try {
    const owner = await client.call('GET', resourcePath(r, namespace, ref.name));
    return owner.metadata.uid === ref.uid;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return false;
    throw err;
  }
}

/** One pass; returns "<resource>/<namespace>/<name>" of every object it deleted. */
export async function syncGarbageCollector(client: KubeClient, resources: MappedResource[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const r of resources.filter((x) => x.verbs.includes('list') && x.verbs.includes('delete'))) {
    const items = (await client.call('GET', resourcePath(r))).items as Array<{ metadata: Meta }>;
    for (const { metadata: m } of items) {
      const refs = m.ownerReferences ?? [];
      if (refs.length === 0) continue;
      const solid: OwnerReference[] = [];
      for (const ref of refs) if (await ownerExists(client, resources, ref, m.namespace)) solid.push(ref);
      if (solid.length === refs.length) continue;
      const path = resourcePath(r, m.namespace, m.name);
      try {
        if (solid.length === 0) {
          await client.call('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: m.uid }, propagationPolicy: 'Background' });
          deleted.push(`${r.resource}/${m.namespace ?? ''}/${m.name}`);
        } else {
          await client.call('PATCH', path, { metadata: { ownerReferences: solid } }, 'application/merge-patch+json');
        }
      } catch (err) {
        if (!(err instanceof KubeApiError && (err.status === 404 || err.status === 409))) throw err;
      }
    }
  }
  return deleted;
}
