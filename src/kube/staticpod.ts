// The shape every kubeadm static pod shares: kube-system, component/tier labels, hostNetwork,
// system-node-critical priority, RuntimeDefault seccomp, volumes sorted by name, and the three HTTP
// probe flavours with kubeadm's timings (upstream: cmd/kubeadm/app/util/staticpod/utils.go
// ComponentPod, LivenessProbe, ReadinessProbe, StartupProbe, VolumeMapToSlice).
import { CONTROL_PLANE_HEALTH_CHECK_TIMEOUT_SECONDS, KUBE_SYSTEM } from './constants.js';
import type { Container, HostPathType, Pod, Probe, Volume, VolumeMount } from './types.js';

/** Priority value of the system-node-critical PriorityClass. */
const SYSTEM_NODE_CRITICAL_PRIORITY = 2000001000;

export interface HostPathMount {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  type: HostPathType;
}

export function componentPod(container: Container, volumes: Volume[], annotations?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // Keys in the alphabetical order kubeadm's serializer writes them.
    metadata: {
      annotations,
      labels: { component: container.name, tier: 'control-plane' },
      name: container.name,
      namespace: KUBE_SYSTEM,
    },
    spec: {
      containers: [container],
      hostNetwork: true,
      priority: SYSTEM_NODE_CRITICAL_PRIORITY,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: sortByName(volumes),
    },
  };
}

export function hostPathVolume(m: HostPathMount): Volume {
  return { hostPath: { path: m.hostPath, type: m.type }, name: m.name };
}

export function volumeMount(m: HostPathMount): VolumeMount {
  return { mountPath: m.mountPath, name: m.name, readOnly: m.readOnly || undefined };
}

export function sortByName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

type Scheme = 'HTTP' | 'HTTPS';

function httpProbe(host: string, path: string, port: number, scheme: Scheme, initialDelaySeconds: number, timeoutSeconds: number, failureThreshold: number, periodSeconds: number): Probe {
  return {
    failureThreshold,
    // An empty host (bind address 0.0.0.0 / ::) means "the pod IP"; kubeadm then leaves host unset.
    httpGet: { host: host === '' ? undefined : host, path, port, scheme },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds,
  };
}

export function livenessProbe(host: string, path: string, port: number, scheme: Scheme): Probe {
  return httpProbe(host, path, port, scheme, 10, 15, 8, 10);
}

export function readinessProbe(host: string, path: string, port: number, scheme: Scheme): Probe {
  return httpProbe(host, path, port, scheme, 0, 15, 3, 1);
}

export function startupProbe(host: string, path: string, port: number, scheme: Scheme): Probe {
  const periodSeconds = 10;
  const failureThreshold = Math.ceil(CONTROL_PLANE_HEALTH_CHECK_TIMEOUT_SECONDS / periodSeconds);
  return httpProbe(host, path, port, scheme, periodSeconds, 15, failureThreshold, periodSeconds);
}

/** kubeadm probes a component on its bind address, except the unspecified addresses (utils.go getProbeAddress). */
export function probeAddress(bindAddress: string | undefined, fallback: string): string {
  if (bindAddress === undefined) return fallback;
  return bindAddress === '0.0.0.0' || bindAddress === '::' ? '' : bindAddress;
}
