// The tokencleaner controller (pkg/controller/bootstrap/tokencleaner.go): deletes bootstrap token
// Secrets in kube-system whose expiration has passed (or does not parse), with a UID precondition
// so a re-created Secret of the same name survives.
import { hasExpired, readTokenSecret, TOKEN_NAMESPACE } from './bootstrap-token.js';
import type { ControllerContext } from './controller-client.js';
import { KubeApiError } from './kube-client.js';
import type { KubeObject } from './store.js';

export async function syncTokenCleaner({ informer, client }: ControllerContext, now: Date): Promise<string[]> {
  const secrets = (await informer.call('GET', `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken`)).items as KubeObject[];
  const deleted: string[] = [];
  for (const s of secrets) {
    const t = readTokenSecret(s);
    if (!t || !(t.expiration || t.badExpiration) || !hasExpired(t, now)) continue;
    try {
      await client.call('DELETE', `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets/${s.metadata.name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: s.metadata.uid },
      });
      deleted.push(s.metadata.name!);
    } catch (err) {
      if (!(err instanceof KubeApiError && (err.status === 404 || err.status === 409))) throw err;
    }
  }
  return deleted;
}
