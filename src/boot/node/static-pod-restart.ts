// Restarting the control-plane static pods after `kgen-boot certs renew`, so the renewed certificates take
// effect (kubeadm's closing words in cmd/kubeadm/app/cmd/certs.go: "You must restart the kube-apiserver,
// kube-controller-manager, kube-scheduler and etcd"). Without a container runtime CLI, kubeadm's documented way
// (docs: "Certificate Management with kubeadm", Manual certificate renewal) is to move the component's manifest
// out of /etc/kubernetes/manifests, let the kubelet stop the pod, and move it back: the kubelet starts it again
// from the file. kubeadm's own upgrade keeps its manifest backups under /etc/kubernetes/tmp (upstream:
// cmd/kubeadm/app/phases/upgrade/staticpods.go, constants.TempDirForKubeadm), on the same filesystem, so the
// moves here are rename(2)s through the Host: atomic, never a half-written manifest.
// One component at a time, in kubeadm's upgrade order (etcd first, then kube-apiserver, kube-controller-manager,
// kube-scheduler: staticpods.go StaticPodControlPlane), each waited for through its health endpoint: first until
// it stops answering (at most STOP_WAIT_MS: the kubelet may be slow to notice), then, with the manifest back,
// until it answers 200 again and, where the probe can tell, serves the renewed certificate. The whole restart
// has one deadline (kubeadm's 4m control-plane wait). The manifest
// is always moved back: on an error, a timeout and an interruption (the caller aborts `signal` on
// SIGINT/SIGTERM); a manifest a killed run left in the holding directory is moved back by the next run
// (recoverHeldManifests). The pods still to restart are recorded (PENDING_RESTARTS) before the first move and
// until each is healthy again, so a restart that failed or was killed is finished by the next run, which may
// renew nothing.
import { KUBERNETES_DIR, MANIFESTS_DIR } from '../../kube/index.js';
import type { Host } from '../host.js';
import { duration, pollUntil } from '../wait.js';

/** The static pods a renewal may restart, in the order they are restarted. */
export const STATIC_POD_ORDER = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type StaticPod = (typeof STATIC_POD_ORDER)[number];

/** Where a manifest waits while its pod is stopped (beside kubeadm's own /etc/kubernetes/tmp backups). */
export const RESTART_HOLDING_DIR = `${KUBERNETES_DIR}/tmp/kgen-restart`;

/** Which static pod reads each renewable certificate (by kubeadm's name); the rest (admin.conf, ...) restart nothing. */
const USERS: Record<string, StaticPod> = {
  'etcd-server': 'etcd',
  'etcd-peer': 'etcd',
  apiserver: 'kube-apiserver',
  'apiserver-kubelet-client': 'kube-apiserver',
  'front-proxy-client': 'kube-apiserver',
  'apiserver-etcd-client': 'kube-apiserver',
  'controller-manager.conf': 'kube-controller-manager',
  'scheduler.conf': 'kube-scheduler',
};

/** The static pods that use any of the renewed certificates, in restart order. */
export function staticPodsUsing(renewed: readonly string[]): StaticPod[] {
  const used = new Set(renewed.map((name) => USERS[name]).filter((p): p is StaticPod => p !== undefined));
  return STATIC_POD_ORDER.filter((p) => used.has(p));
}

/** The pods a restart has still to bring back, one name a line; absent when none. */
export const PENDING_RESTARTS = `${RESTART_HOLDING_DIR}/pending`;

/** The pods an earlier restart left to restart (PENDING_RESTARTS), in restart order; other lines are named to `warn`. */
export async function readPendingRestarts(host: Host, warn: (line: string) => void): Promise<StaticPod[]> {
  const names = ((await host.readTextIfExists(PENDING_RESTARTS)) ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(STATIC_POD_ORDER as readonly string[]).includes(n));
  if (unknown.length > 0) warn(`[restart] WARNING: ${PENDING_RESTARTS} names no static pod kgen-boot restarts: ${unknown.join(', ')}; ignored`);
  return STATIC_POD_ORDER.filter((p) => names.includes(p));
}

/** Records `pods` as still to restart (removes the record when none are). */
export async function recordPendingRestarts(host: Host, pods: readonly StaticPod[]): Promise<void> {
  if (pods.length === 0) return host.remove(PENDING_RESTARTS);
  await host.mkdir(RESTART_HOLDING_DIR, 0o700);
  await host.writeFile(PENDING_RESTARTS, `${pods.join('\n')}\n`, { mode: 0o600 });
}

export const manifestPath = (pod: string): string => `${MANIFESTS_DIR}/${pod}.yaml`;
export const heldPath = (pod: string): string => `${RESTART_HOLDING_DIR}/${pod}.yaml`;

/** How a static pod is probed: healthy() is true when it answers its health endpoint with success. */
export interface StaticPodProbe {
  /** What is probed, for messages ("kube-apiserver at https://10.0.0.11:6443/livez"). */
  describe: string;
  healthy(): Promise<boolean>;
  /** Whether the pod serves the renewed serving certificate, where it has one (static-pod-probes.ts). */
  servesRenewed?(): Promise<boolean>;
}

export interface RestartTimings {
  /** The whole restart, every pod included (kubeadm waits 4m for the control plane). */
  totalMs: number;
  /** How long to wait for a pod to stop answering before its manifest is moved back anyway. */
  stopWaitMs: number;
  /** Interval between probes. */
  pollMs: number;
  /** One probe's own limit: a probe that hangs counts as "not answering". */
  probeMs: number;
}

export const DEFAULT_RESTART_TIMINGS: RestartTimings = { totalMs: 240_000, stopWaitMs: 20_000, pollMs: 1_000, probeMs: 5_000 };

export interface RestartOptions {
  host: Host;
  probes: Partial<Record<StaticPod, StaticPodProbe>>;
  /** Receives one line per step, without a trailing newline. */
  log: (line: string) => void;
  /** Aborted on SIGINT/SIGTERM: the held manifest is moved back and the restart rejects with the signal's reason. */
  signal?: AbortSignal;
  timings?: RestartTimings;
}

/** A static pod was not restarted: not healthy again before the restart's deadline, or in the way (kgen-boot exits 3). */
export class StaticPodRestartError extends Error {
  constructor(
    readonly pod: StaticPod,
    message: string,
  ) {
    super(message);
    this.name = 'StaticPodRestartError';
  }
}

/** The probe's answer, false on an error or when it takes longer than `ms`. */
async function probeOnce(probe: StaticPodProbe, host: Host, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  const limit = new AbortController();
  const onAbort = () => limit.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([probe.healthy().catch(() => false), host.clock.sleep(ms, limit.signal).then(() => false, () => false)]);
  } finally {
    limit.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Moves back every manifest an interrupted earlier restart left in the holding directory (a kill between the two
 * moves), unless the manifests directory has one of that name again (then both stay, with a warning).
 */
export async function recoverHeldManifests(host: Host, log: (line: string) => void): Promise<void> {
  const held = ((await host.readDir(RESTART_HOLDING_DIR)) ?? []).filter((name) => name.endsWith('.yaml')).sort();
  for (const name of held) {
    const from = `${RESTART_HOLDING_DIR}/${name}`;
    const to = `${MANIFESTS_DIR}/${name}`;
    if (await host.exists(to)) {
      log(`[restart] WARNING: ${from} left by an interrupted restart, but ${to} exists: both kept`);
      continue;
    }
    await host.rename(from, to);
    log(`[restart] Moved ${from}, left by an interrupted restart, back to ${to}`);
  }
}

/**
 * Restarts `pods` (those with a manifest on this node, in STATIC_POD_ORDER) one at a time, keeping
 * PENDING_RESTARTS to the ones not yet healthy again (removed once all are). Rejects with a
 * StaticPodRestartError naming the pod that did not come back healthy in time (later pods are then not
 * restarted), or with the signal's reason when aborted; the manifest is back in place in every case.
 * Returns the pods restarted.
 */
export async function restartStaticPods(pods: readonly StaticPod[], options: RestartOptions): Promise<StaticPod[]> {
  const { host, log, signal } = options;
  const timings = options.timings ?? DEFAULT_RESTART_TIMINGS;
  const present: StaticPod[] = [];
  for (const pod of STATIC_POD_ORDER) {
    if (!pods.includes(pod)) continue;
    if (await host.exists(manifestPath(pod))) present.push(pod);
    else log(`[restart] No ${manifestPath(pod)}: ${pod} not restarted`);
  }
  for (const pod of present) {
    if (!options.probes[pod]) throw new Error(`internal: no health probe for ${pod}`);
    // recoverHeldManifests kept an interrupted restart's copy beside a newer manifest: moving the manifest now
    // would replace that copy.
    if (await host.exists(heldPath(pod))) {
      throw new StaticPodRestartError(pod, `${heldPath(pod)} and ${manifestPath(pod)} both exist: remove the one that is not wanted, then run again; nothing restarted`);
    }
  }
  const clock = host.clock;
  const deadline = clock.now().getTime() + timings.totalMs;
  const remaining = () => deadline - clock.now().getTime();
  const restarted: StaticPod[] = [];
  await recordPendingRestarts(host, present);
  for (const [i, pod] of present.entries()) {
    const probe = options.probes[pod]!;
    const healthy = () => probeOnce(probe, host, timings.probeMs, signal);
    if (signal?.aborted) throw signal.reason;
    if (remaining() <= 0) {
      throw new StaticPodRestartError(pod, `the ${duration(timings.totalMs)} restart budget ran out before ${pod}; not restarted: ${present.slice(i).join(', ')}`);
    }
    await host.rename(manifestPath(pod), heldPath(pod));
    log(`[restart] Moved ${manifestPath(pod)} to ${heldPath(pod)}`);
    try {
      const stopMs = Math.min(timings.stopWaitMs, remaining());
      const stopped = await pollUntil(`${probe.describe} to stop answering`, { clock, timeoutMs: stopMs, intervalMs: timings.pollMs, signal }, async () => ((await healthy()) ? undefined : true)).catch(
        // The attempt never throws: the wait ended by its timeout, or by the signal.
        () => {
          if (signal?.aborted) throw signal.reason;
          return false;
        },
      );
      log(
        stopped
          ? `[restart] ${pod} stopped`
          : `[restart] WARNING: ${probe.describe} still answered after ${duration(stopMs)}: ${pod} may not have restarted`,
      );
    } finally {
      // Always, on success, timeout, error and interruption alike: the pod must not stay away.
      await restore(host, pod);
    }
    log(`[restart] Moved ${heldPath(pod)} back to ${manifestPath(pod)}`);
    const start = clock.now().getTime();
    const left = remaining();
    let answered = false;
    try {
      await pollUntil(probe.describe, { clock, timeoutMs: Math.max(left, 0), intervalMs: timings.pollMs, signal, progress: (m) => log(`[restart] ${m}`) }, async () => {
        answered = await healthy();
        return answered && (await (probe.servesRenewed?.() ?? true)) ? true : undefined;
      });
    } catch {
      if (signal?.aborted) throw signal.reason;
      const rest = present.slice(i + 1);
      const what = answered ? `answers at ${probe.describe} but did not serve the renewed certificate` : `did not answer healthy at ${probe.describe}`;
      throw new StaticPodRestartError(
        pod,
        `${pod} ${what} within the ${duration(timings.totalMs)} restart budget` + (rest.length ? `; not restarted: ${rest.join(', ')}` : ''),
      );
    }
    log(`[restart] ${pod} is healthy after ${((clock.now().getTime() - start) / 1000).toFixed(1)}s`);
    restarted.push(pod);
    await recordPendingRestarts(host, present.slice(i + 1));
  }
  return restarted;
}

async function restore(host: Host, pod: StaticPod): Promise<void> {
  try {
    await host.rename(heldPath(pod), manifestPath(pod));
  } catch (err) {
    throw new Error(`cannot move ${heldPath(pod)} back to ${manifestPath(pod)}: ${(err as Error).message}; move it by hand`, { cause: err });
  }
}
