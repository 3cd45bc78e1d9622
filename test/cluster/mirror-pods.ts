// Mirror pods: the API server's read-only copies of a node's static pods, as the kubelet keeps them
// (upstream: pkg/kubelet/config/common.go applyDefaults names a static pod <name>-<node> and annotates
// it; pkg/kubelet/pod/mirror_client.go creates the copy with kubernetes.io/config.mirror and a
// controller ownerReference to the Node, deletes it when the static pod changes or goes away;
// pkg/kubelet/status reports its status). kubeadm reads them: the kube-apiserver pods' advertise-address
// annotation and the etcd pods' advertise-client-urls annotation are how `kubeadm join --control-plane`
// finds the existing members. The config hash here is the manifest's sha256, cut to 32 hex digits
// (upstream: an md5 over the defaulted object; both are opaque to readers).
import { ApiError, type ApiClient } from './api-client.js';
import type { StaticPodState } from './static-pods.js';

const MIRROR = 'kubernetes.io/config.mirror';

interface Desired {
  namespace: string;
  name: string;
  hash: string;
  state: StaticPodState;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class MirrorPods {
  /** Last status sent per pod, so unchanged status is not re-sent every heartbeat. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly nodeIP: string | undefined,
  ) {}

  private desired(states: StaticPodState[]): Desired[] {
    return states.map((state) => ({
      namespace: state.manifest.metadata.namespace ?? 'default',
      name: `${state.manifest.metadata.name}-${this.nodeName}`,
      hash: state.hash.slice(0, 32),
      state,
    }));
  }

  private mirrorObject(d: Desired, nodeUID: string): Record<string, unknown> {
    const { metadata, spec } = d.state.manifest;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: d.name,
        namespace: d.namespace,
        labels: metadata.labels,
        annotations: {
          ...metadata.annotations,
          'kubernetes.io/config.hash': d.hash,
          'kubernetes.io/config.mirror': d.hash,
          'kubernetes.io/config.seen': new Date().toISOString(),
          'kubernetes.io/config.source': 'file',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: nodeUID, controller: true }],
      },
      spec: { ...spec, nodeName: this.nodeName, tolerations: [...(spec.tolerations ?? []), { operator: 'Exists', effect: 'NoExecute' }] },
    };
  }

  private status(d: Desired): Record<string, unknown> {
    const ready = d.state.running ? 'True' : 'False';
    const since = rfc3339(d.state.startedAt ?? new Date());
    const ip = this.nodeIP ? { hostIP: this.nodeIP, hostIPs: [{ ip: this.nodeIP }], podIP: this.nodeIP, podIPs: [{ ip: this.nodeIP }] } : {};
    const container = d.state.manifest.spec.containers[0];
    return {
      phase: d.state.running ? 'Running' : 'Pending',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: since },
        { type: 'Initialized', status: 'True', lastTransitionTime: since },
        { type: 'Ready', status: ready, lastTransitionTime: since },
        { type: 'ContainersReady', status: ready, lastTransitionTime: since },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: since },
      ],
      ...ip,
      startTime: since,
      containerStatuses: [{
        name: container.name,
        image: container.image,
        imageID: '',
        ready: d.state.running,
        started: d.state.running,
        restartCount: d.state.restarts,
        state: d.state.running ? { running: { startedAt: since } } : { waiting: { reason: 'CrashLoopBackOff' } },
      }],
    };
  }

  /** Brings the node's mirror pods in line with `states`; `nodeUID` owns them. */
  async sync(states: StaticPodState[], nodeUID: string): Promise<void> {
    const desired = this.desired(states);
    const list = await this.client.request('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.nodeName}`)}`);
    const existing = (list.items as any[]).filter((p) => p.metadata?.annotations?.[MIRROR] !== undefined);
    const keep = new Set<string>();
    for (const pod of existing) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const want = desired.find((d) => `${d.namespace}/${d.name}` === key);
      if (want && pod.metadata.annotations[MIRROR] === want.hash) {
        keep.add(key);
        continue;
      }
      await this.client.request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      });
      this.sent.delete(key);
    }
    for (const d of desired) {
      const key = `${d.namespace}/${d.name}`;
      if (!keep.has(key)) {
        try {
          await this.client.request('POST', `/api/v1/namespaces/${d.namespace}/pods`, this.mirrorObject(d, nodeUID));
        } catch (err) {
          // Deleted a moment ago and not gone yet: the next heartbeat creates it.
          if (err instanceof ApiError && err.status === 409) continue;
          throw err;
        }
        this.sent.delete(key);
      }
      const status = this.status(d);
      const text = JSON.stringify(status);
      if (this.sent.get(key) === text) continue;
      await this.client.request('PATCH', `/api/v1/namespaces/${d.namespace}/pods/${d.name}/status`, { status }, 'application/strategic-merge-patch+json');
      this.sent.set(key, text);
    }
  }
}
