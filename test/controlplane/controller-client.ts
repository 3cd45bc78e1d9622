// Per-controller API credentials, as kube-controller-manager's client builders hand them out
// (staging/src/k8s.io/controller-manager/pkg/clientbuilder): with
// --use-service-account-credentials each controller runs as ServiceAccount kube-system/<name>
// (created if missing) with a token from the TokenRequest API, refreshed before it expires;
// otherwise every controller uses the --kubeconfig identity. Controllers read through the shared
// informers, which list with the --kubeconfig identity (system:kube-controller-manager may list
// everything), and write with their own identity: ControllerContext carries both.
import { KubeApiError, type KubeClient } from './kube-client.js';

export interface ControllerContext {
  /** Reads (LIST, as the shared informers do) with the controller-manager's own credentials. */
  informer: KubeClient;
  /** Writes with the controller's identity. */
  client: KubeClient;
}

const NAMESPACE = 'kube-system';
const TOKEN_SECONDS = 3600;

export class ControllerClients {
  private readonly cache = new Map<string, { client: KubeClient; refreshAt: number }>();

  constructor(
    private readonly root: KubeClient,
    private readonly useServiceAccounts: boolean,
    private readonly now: () => number,
  ) {}

  async for(serviceAccount: string): Promise<KubeClient> {
    if (!this.useServiceAccounts) return this.root;
    const cached = this.cache.get(serviceAccount);
    if (cached && cached.refreshAt > this.now()) return cached.client;
    const base = `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`;
    try {
      await this.root.call('GET', `${base}/${serviceAccount}`);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      await this.root.call('POST', base, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace: NAMESPACE } }).catch((e: unknown) => {
        if (!(e instanceof KubeApiError && e.status === 409)) throw e;
      });
    }
    const tr = await this.root.call('POST', `${base}/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: TOKEN_SECONDS },
    });
    await cached?.client.close();
    const client = this.root.withToken(tr.status.token as string);
    this.cache.set(serviceAccount, { client, refreshAt: this.now() + TOKEN_SECONDS * 800 });
    return client;
  }

  async close(): Promise<void> {
    for (const { client } of this.cache.values()) await client.close();
  }
}
