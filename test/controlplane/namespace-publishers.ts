// Two per-namespace controllers of kube-controller-manager:
// - root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher/publisher.go): ConfigMap
//   kube-root-ca.crt with key ca.crt = --root-ca-file, and upstream's description annotation, in
//   every namespace, rewritten when it differs;
// - serviceaccount (pkg/controller/serviceaccount/serviceaccounts_controller.go): ServiceAccount
//   "default" in every namespace.
import type { ControllerContext } from './controller-client.js';
import { KubeApiError, type KubeClient } from './kube-client.js';

const DESCRIPTION_KEY = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

async function activeNamespaces(client: KubeClient): Promise<string[]> {
  const list = (await client.call('GET', '/api/v1/namespaces')).items as Array<{ metadata: { name: string; deletionTimestamp?: string } }>;
  return list.filter((n) => !n.metadata.deletionTimestamp).map((n) => n.metadata.name);
}

const ignoreConflicts = (err: unknown) => {
  if (!(err instanceof KubeApiError && (err.status === 409 || err.status === 404))) throw err;
};

export async function syncRootCAPublisher({ informer, client }: ControllerContext, caPem: string): Promise<void> {
  const all = (await informer.call('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dkube-root-ca.crt')).items as Array<{
    metadata: { namespace: string; annotations?: Record<string, string> };
    data?: Record<string, string>;
  }>;
  for (const ns of await activeNamespaces(informer)) {
    const path = `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`;
    const cm = all.find((c) => c.metadata.namespace === ns);
    const want = { 'ca.crt': caPem };
    if (!cm) {
      await client
        .call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', annotations: { [DESCRIPTION_KEY]: DESCRIPTION } }, data: want })
        .catch(ignoreConflicts);
      continue;
    }
    if (JSON.stringify(cm.data) === JSON.stringify(want) && cm.metadata.annotations?.[DESCRIPTION_KEY] === DESCRIPTION) continue;
    await client
      .call('PUT', path, { apiVersion: 'v1', kind: 'ConfigMap', ...cm, data: want, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, [DESCRIPTION_KEY]: DESCRIPTION } } })
      .catch(ignoreConflicts);
  }
}

export async function syncServiceAccounts({ informer, client }: ControllerContext): Promise<void> {
  const existing = new Set(
    ((await informer.call('GET', '/api/v1/serviceaccounts?fieldSelector=metadata.name%3Ddefault')).items as Array<{ metadata: { namespace: string } }>).map((s) => s.metadata.namespace),
  );
  for (const ns of await activeNamespaces(informer)) {
    if (existing.has(ns)) continue;
    await client.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }).catch(ignoreConflicts);
  }
}
