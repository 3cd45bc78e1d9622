// Waiting for the node's kubelet and control-plane components: poll each health endpoint until it answers
// 200 or the timeout passes; a timeout names the endpoint that never became healthy (upstream:
// cmd/kubeadm/app/util/apiclient/wait.go WaitForKubelet, WaitForControlPlaneComponents: insecure GETs of
// /livez and /healthz expecting 200).
import { API_SERVER_BIND_PORT, KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT, joinHostPort, nodeKubeletConfiguration } from '../../kube/index.js';
import { pollUntil } from '../wait.js';
import type { BootData } from '../data.js';

export interface HealthEndpoint {
  name: string;
  /** Base URL (scheme://host:port) and path, kept apart for the client. */
  server: string;
  path: string;
}

export const url = (e: HealthEndpoint): string => `${e.server}${e.path}`;

/** The kubelet's healthz from the KubeletConfiguration this node runs with. */
export function kubeletHealthEndpoint(data: BootData): HealthEndpoint {
  const config = nodeKubeletConfiguration(data.cluster, data.config.node);
  const address = typeof config.healthzBindAddress === 'string' ? config.healthzBindAddress : '127.0.0.1';
  const port = typeof config.healthzPort === 'number' ? config.healthzPort : 10248;
  return { name: 'kubelet', server: `http://${joinHostPort(address, port)}`, path: '/healthz' };
}

/** kube-apiserver /livez on the advertise address, controller-manager /healthz and scheduler /livez locally. */
export function controlPlaneEndpoints(data: Pick<BootData, 'config' | 'cluster'>): HealthEndpoint[] {
  const local = (args: Record<string, string>, port: number) =>
    `https://${joinHostPort(args['bind-address'] ?? '127.0.0.1', Number(args['secure-port'] ?? port))}`;
  return [
    { name: 'kube-apiserver', server: `https://${joinHostPort(data.config.node.address, API_SERVER_BIND_PORT)}`, path: '/livez' },
    { name: 'kube-controller-manager', server: local(data.cluster.controllerManager.extraArgs, KUBE_CONTROLLER_MANAGER_PORT), path: '/healthz' },
    { name: 'kube-scheduler', server: local(data.cluster.scheduler.extraArgs, KUBE_SCHEDULER_PORT), path: '/livez' },
  ];
}

/** Polls one endpoint until it answers 200, reporting the wait under `tag`; returns the seconds it took. */
export async function waitHealthy(data: BootData, endpoint: HealthEndpoint, tag: string): Promise<number> {
  const { clock } = data.host;
  const start = clock.now().getTime();
  const client = data.clientFor({ server: endpoint.server, insecure: true, credentials: { kind: 'anonymous' } });
  const progress = (m: string) => data.log.phase(tag, m);
  await pollUntil(`${endpoint.name} at ${url(endpoint)}`, { clock, timeoutMs: data.timeouts.controlPlaneMs, intervalMs: data.timeouts.pollMs, progress }, async () => {
    const res = await client.probe(endpoint.path);
    if (res.status === 200) return true;
    throw new Error(`${endpoint.name} check failed at ${url(endpoint)} with status: ${res.status}`);
  });
  return (clock.now().getTime() - start) / 1000;
}

/** Waits for all endpoints in parallel, logging each success under `tag`; returns the failures' messages. */
export async function waitAllHealthy(data: BootData, endpoints: HealthEndpoint[], tag: string): Promise<string[]> {
  const results = await Promise.allSettled(
    endpoints.map(async (e) => data.log.phase(tag, `${e.name} is healthy after ${await waitHealthy(data, e, tag)}s`)),
  );
  return results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
}
