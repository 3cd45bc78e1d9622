// Lease-based leader election as client-go's leaderelection with a LeaseLock
// (staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go): the leader holds
// kube-system/<name> and renews spec.renewTime; another candidate takes over only after
// leaseDurationSeconds without renewal. Writes carry the read resourceVersion, so two candidates
// never both win.
import { KubeApiError, type KubeClient } from './kube-client.js';

const LEASE_SECONDS = 15;

/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

export class LeaderElector {
  constructor(
    private readonly client: KubeClient,
    private readonly name: string,
    private readonly identity: string,
    private readonly now: () => Date,
  ) {}

  /** Tries to acquire or renew; returns whether this candidate leads now. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${this.name}`;
    const now = this.now();
    let lease: { metadata: Record<string, unknown>; spec?: Record<string, unknown> };
    try {
      lease = await this.client.call('GET', path);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      await this.client.call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: 'kube-system' },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: LEASE_SECONDS, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity as string | undefined;
    const renewed = Date.parse(String(spec.renewTime ?? 0));
    const expired = Number.isNaN(renewed) || renewed + Number(spec.leaseDurationSeconds ?? LEASE_SECONDS) * 1000 < now.getTime();
    if (holder && holder !== this.identity && !expired) return false;
    const takeover = holder !== this.identity;
    try {
      await this.client.call('PUT', path, {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: this.identity,
          leaseDurationSeconds: LEASE_SECONDS,
          renewTime: microTime(now),
          ...(takeover ? { acquireTime: microTime(now), leaseTransitions: Number(spec.leaseTransitions ?? 0) + 1 } : {}),
        },
      });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
  }
}
