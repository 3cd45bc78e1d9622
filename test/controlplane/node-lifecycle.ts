// The node lifecycle controller's health check (pkg/controller/nodelifecycle/node_lifecycle_controller.go
// tryUpdateNodeHealth and the unreachable taints): a node is observed alive while its Lease
// renewTime or its Ready condition's lastHeartbeatTime changes, timed with this controller's own
// clock as upstream does. After --node-monitor-grace-period without change (--node-startup-grace-period
// for a node that never posted status), its Ready/MemoryPressure/DiskPressure/PIDPressure
// conditions become Unknown (NodeStatusUnknown, "Kubelet stopped posting node status.") and it gets
// the node.kubernetes.io/unreachable NoSchedule and NoExecute taints; when Ready is True again the
// controller removes them.
import type { ControllerContext } from './controller-client.js';
import { rfc3339 } from './store.js';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

interface Node {
  metadata: { name: string; creationTimestamp?: string; resourceVersion?: string };
  spec?: { taints?: Array<{ key: string; effect: string; timeAdded?: string }> };
  status?: { conditions?: Condition[] };
}

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const HEALTH_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export class NodeLifecycle {
  private readonly observed = new Map<string, { signal: string; at: number }>();

  constructor(
    private readonly gracePeriodMs: number,
    private readonly startupGracePeriodMs: number,
    private readonly now: () => Date,
  ) {}

  async sync({ informer, client }: ControllerContext): Promise<string[]> {
    const now = this.now();
    const nodes = (await informer.call('GET', '/api/v1/nodes')).items as Node[];
    const leases = (await informer.call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).items as Array<{
      metadata: { name: string };
      spec?: { renewTime?: string };
    }>;
    const changed: string[] = [];
    for (const node of nodes) {
      const name = node.metadata.name;
      const conditions = node.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      const signal = `${leases.find((l) => l.metadata.name === name)?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}|${ready?.status ?? ''}`;
      const seen = this.observed.get(name);
      if (!seen || seen.signal !== signal) this.observed.set(name, { signal, at: now.getTime() });
      const silentMs = now.getTime() - this.observed.get(name)!.at;
      const taints = node.spec?.taints ?? [];
      const tainted = taints.some((t) => t.key === UNREACHABLE);
      const grace = ready ? this.gracePeriodMs : this.startupGracePeriodMs;
      if (silentMs > grace && ready?.status !== 'Unknown') {
        const [reason, message] = ready ? ['NodeStatusUnknown', 'Kubelet stopped posting node status.'] : ['NodeStatusNeverUpdated', 'Kubelet never posted node status.'];
        const next = HEALTH_CONDITIONS.map((type) => {
          const old = conditions.find((c) => c.type === type);
          return { ...old, type, status: 'Unknown', reason, message, lastTransitionTime: rfc3339(now), lastHeartbeatTime: old?.lastHeartbeatTime };
        });
        const others = conditions.filter((c) => !HEALTH_CONDITIONS.includes(c.type));
        await client.call('PATCH', `/api/v1/nodes/${name}/status`, { status: { conditions: [...others, ...next] } }, 'application/strategic-merge-patch+json');
        changed.push(`${name}=Unknown`);
      }
      const unreachable = silentMs > grace || ready?.status === 'Unknown';
      if (unreachable && !tainted) {
        const added = [
          { key: UNREACHABLE, effect: 'NoSchedule' },
          { key: UNREACHABLE, effect: 'NoExecute', timeAdded: rfc3339(now) },
        ];
        await client.call('PATCH', `/api/v1/nodes/${name}`, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: [...taints, ...added] } }, 'application/merge-patch+json');
        changed.push(`${name}+${UNREACHABLE}`);
      } else if (!unreachable && tainted && ready?.status === 'True') {
        const kept = taints.filter((t) => t.key !== UNREACHABLE);
        await client.call('PATCH', `/api/v1/nodes/${name}`, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: kept } }, 'application/merge-patch+json');
        changed.push(`${name}-${UNREACHABLE}`);
      }
    }
    return changed;
  }
}
