// Node registration and heartbeats, as the kubelet does them with its own client certificate
// (upstream: pkg/kubelet/kubelet_node_status.go registerWithAPIServer/initialNode,
// pkg/kubelet/nodelease and component-helpers/apimachinery/lease):
//  - create the Node: labels kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch (and the beta.
//    twins) plus --node-labels, taints from --register-with-taints, the controller-managed-attach-detach
//    annotation; 409 means it is already registered;
//  - status: addresses InternalIP (--node-ip) and Hostname, conditions MemoryPressure/DiskPressure/
//    PIDPressure False and Ready True (reason KubeletReady); there is no CNI check, so the test node is
//    Ready as soon as it is registered;
//  - Lease kube-node-lease/<node> (holderIdentity the node, leaseDurationSeconds from the config, owner
//    the Node), renewed together with the status every `intervalMs`.
// Status goes out as upstream sends it: a strategic-merge PATCH of nodes/<name>/status carrying the
// complete addresses and conditions lists (so a plain JSON merge patch gives the same result).
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type ApiClient } from './api-client.js';

export interface NodeStatusOptions {
  nodeName: string;
  hostname: string;
  nodeIP?: string;
  labels: Record<string, string>;
  /** status.nodeInfo.kubeletVersion: what the node's kubelet binary says it is. */
  kubeletVersion?: string;
  taints: Array<{ key: string; value?: string; effect: string }>;
  leaseDurationSeconds: number;
  intervalMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Runs after each successful status update with the Node as the server has it (mirror pods). */
  afterHeartbeat?: (node: any) => Promise<void>;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

function initialNode(o: NodeStatusOptions): Record<string, unknown> {
  const arch = ARCH[process.arch] ?? process.arch;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.nodeName,
      labels: {
        'beta.kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch,
        'kubernetes.io/hostname': o.hostname,
        'kubernetes.io/os': 'linux',
        ...o.labels,
      },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: o.taints.length ? { taints: o.taints } : {},
  };
}

/** MicroTime as the API server formats it: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function status(o: NodeStatusOptions, previous: any): Record<string, unknown> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const old: Array<{ type: string; status: string; lastTransitionTime?: string }> = previous?.conditions ?? [];
  const condition = (type: string, value: string, reason: string, message: string) => {
    const before = old.find((c) => c.type === type);
    const lastTransitionTime = before?.status === value && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { type, status: value, lastHeartbeatTime: now, lastTransitionTime, reason, message };
  };
  return {
    ...(o.kubeletVersion ? { nodeInfo: { kubeletVersion: o.kubeletVersion, operatingSystem: 'linux', architecture: ARCH[process.arch] ?? process.arch } } : {}),
    addresses: [...(o.nodeIP ? [{ type: 'InternalIP', address: o.nodeIP }] : []), { type: 'Hostname', address: o.hostname }],
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
  };
}

/** Creates the Node, or finds it already registered; returns it as the server has it. */
async function register(client: ApiClient, o: NodeStatusOptions): Promise<any> {
  try {
    const node = await client.request('POST', '/api/v1/nodes', initialNode(o));
    o.log(`registered node ${o.nodeName}`);
    return node;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) throw err;
    o.log(`node ${o.nodeName} was already registered`);
    return client.request('GET', `/api/v1/nodes/${o.nodeName}`);
  }
}

/** Patches the status; returns the Node as the server now has it. */
function updateStatus(client: ApiClient, o: NodeStatusOptions, previous: any): Promise<any> {
  return client.request('PATCH', `/api/v1/nodes/${o.nodeName}/status`, { status: status(o, previous) }, 'application/strategic-merge-patch+json');
}

async function renewLease(client: ApiClient, o: NodeStatusOptions, nodeUID: string): Promise<void> {
  const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
  const spec = { holderIdentity: o.nodeName, leaseDurationSeconds: o.leaseDurationSeconds, renewTime: microTime(new Date()) };
  try {
    const lease = await client.request('GET', `${path}/${o.nodeName}`);
    lease.spec = { ...lease.spec, ...spec };
    await client.request('PUT', `${path}/${o.nodeName}`, lease);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    await client.request('POST', path, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: o.nodeName,
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: o.nodeName, uid: nodeUID }],
      },
      spec,
    });
  }
}

/** Registers the node, then keeps status and lease fresh until `signal` aborts. Errors are logged and retried. */
export async function runNodeStatus(client: ApiClient, o: NodeStatusOptions): Promise<void> {
  let node: any;
  while (!o.signal.aborted) {
    try {
      node ??= await register(client, o);
      node = await updateStatus(client, o, node.status);
      await renewLease(client, o, node.metadata.uid);
      await o.afterHeartbeat?.(node);
    } catch (err) {
      o.log(`node status update failed: ${(err as Error).message}`);
    }
    await sleep(o.intervalMs, undefined, { signal: o.signal }).catch(() => {});
  }
}
