// Restarting static pods by moving their manifests (static-pod-restart.ts) on a node root in a temporary
// directory, with a stand-in kubelet: a pod answers its health probe exactly when its manifest is in
// /etc/kubernetes/manifests. The clock is fake (a sleep advances it at once), so the 20 s and 4 min limits pass
// instantly; nothing asserts on elapsed time.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost, type Clock, type Host } from '../host.js';
import {
  PENDING_RESTARTS,
  RESTART_HOLDING_DIR,
  STATIC_POD_ORDER,
  StaticPodRestartError,
  readPendingRestarts,
  recoverHeldManifests,
  restartStaticPods,
  staticPodsUsing,
  type StaticPod,
  type StaticPodProbe,
} from './static-pod-restart.js';

const TIMINGS = { totalMs: 240_000, stopWaitMs: 20_000, pollMs: 1_000, probeMs: 5_000 };

/** A clock whose sleep returns on the next turn of the event loop, having advanced the time by `ms`. */
function fakeClock(): Clock {
  let t = Date.parse('2026-12-05T00:00:00Z');
  return {
    now: () => new Date(t),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw signal.reason;
      t += ms;
    },
  };
}

interface Node {
  root: string;
  host: Host;
  /** Every rename, as "from -> to" node paths. */
  moves: string[];
  manifest(pod: string): string;
  held(pod: string): string;
}

function node(pods: readonly string[] = STATIC_POD_ORDER): Node {
  const root = mkdtempSync(join(tmpdir(), 'kgen-restart-'));
  mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
  for (const p of pods) writeFileSync(join(root, `etc/kubernetes/manifests/${p}.yaml`), `kind: Pod\nmetadata: {name: ${p}}\n`);
  const base = createHost({ root, clock: fakeClock() });
  const moves: string[] = [];
  const host: Host = { ...base, rename: async (from, to) => (moves.push(`${from} -> ${to}`), base.rename(from, to)) };
  return {
    root,
    host,
    moves,
    manifest: (p) => join(root, `etc/kubernetes/manifests/${p}.yaml`),
    held: (p) => join(root, `etc/kubernetes/tmp/kgen-restart/${p}.yaml`),
  };
}

/**
 * The stand-in kubelet's pods: healthy while the manifest is in place. `sick` pods never answer again once
 * stopped; `stuck` pods keep answering after their manifest left. Each probe records how many manifests were
 * away at that moment.
 */
function probes(n: Node, opts: { sick?: StaticPod[]; stuck?: StaticPod[]; onProbe?: (pod: StaticPod) => void } = {}) {
  const away: number[] = [];
  const stopped = new Set<StaticPod>();
  const result: Partial<Record<StaticPod, StaticPodProbe>> = {};
  for (const pod of STATIC_POD_ORDER) {
    result[pod] = {
      describe: `${pod} health`,
      healthy: async () => {
        opts.onProbe?.(pod);
        away.push(STATIC_POD_ORDER.filter((p) => existsSync(n.held(p))).length);
        const present = existsSync(n.manifest(pod));
        if (!present) stopped.add(pod);
        if (opts.stuck?.includes(pod)) return true;
        if (opts.sick?.includes(pod) && stopped.has(pod)) return false;
        return present;
      },
    };
  }
  return { probes: result, away };
}

const moveOut = (p: string) => `/etc/kubernetes/manifests/${p}.yaml -> /etc/kubernetes/tmp/kgen-restart/${p}.yaml`;
const moveBack = (p: string) => `/etc/kubernetes/tmp/kgen-restart/${p}.yaml -> /etc/kubernetes/manifests/${p}.yaml`;

describe('staticPodsUsing', () => {
  it('maps renewed certificates to the static pods that read them, in restart order', () => {
    expect(staticPodsUsing(['scheduler.conf', 'apiserver', 'etcd-peer', 'admin.conf'])).toEqual(['etcd', 'kube-apiserver', 'kube-scheduler']);
    expect(staticPodsUsing(['front-proxy-client', 'apiserver-etcd-client', 'controller-manager.conf'])).toEqual(['kube-apiserver', 'kube-controller-manager']);
    expect(staticPodsUsing(['admin.conf', 'super-admin.conf', 'etcd-healthcheck-client'])).toEqual([]);
  });
});

describe('restartStaticPods', () => {
  it('restarts one pod at a time in the order etcd, kube-apiserver, kube-controller-manager, kube-scheduler', async () => {
    const n = node();
    const before = STATIC_POD_ORDER.map((p) => readFileSync(n.manifest(p), 'utf8'));
    const { probes: p, away } = probes(n);
    const lines: string[] = [];
    const restarted = await restartStaticPods(['kube-scheduler', 'kube-apiserver', 'etcd', 'kube-controller-manager'], { host: n.host, probes: p, log: (l) => lines.push(l), timings: TIMINGS });
    expect(restarted).toEqual([...STATIC_POD_ORDER]);
    expect(n.moves).toEqual(STATIC_POD_ORDER.flatMap((pod) => [moveOut(pod), moveBack(pod)]));
    // Never two manifests away at once, and each pod was seen stopped.
    expect(Math.max(...away)).toBe(1);
    expect(lines.filter((l) => l.endsWith(' stopped'))).toEqual(STATIC_POD_ORDER.map((pod) => `[restart] ${pod} stopped`));
    expect(STATIC_POD_ORDER.map((pod) => readFileSync(n.manifest(pod), 'utf8'))).toEqual(before);
    // Nothing held and nothing left to restart.
    expect(readdirSync(join(n.root, 'etc/kubernetes/tmp/kgen-restart'))).toEqual([]);
  });

  it('restarts only the pods asked for that have a manifest (external etcd has none)', async () => {
    const n = node(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    const lines: string[] = [];
    const restarted = await restartStaticPods(['etcd', 'kube-apiserver'], { host: n.host, probes: probes(n).probes, log: (l) => lines.push(l), timings: TIMINGS });
    expect(restarted).toEqual(['kube-apiserver']);
    expect(n.moves).toEqual([moveOut('kube-apiserver'), moveBack('kube-apiserver')]);
    expect(lines[0]).toBe('[restart] No /etc/kubernetes/manifests/etcd.yaml: etcd not restarted');
  });

  it('moves the manifest back after at most the stop wait when the pod keeps answering, and goes on', async () => {
    const n = node();
    const lines: string[] = [];
    const restarted = await restartStaticPods(['kube-apiserver', 'kube-scheduler'], { host: n.host, probes: probes(n, { stuck: ['kube-apiserver'] }).probes, log: (l) => lines.push(l), timings: TIMINGS });
    expect(restarted).toEqual(['kube-apiserver', 'kube-scheduler']);
    expect(lines).toContain('[restart] WARNING: kube-apiserver health still answered after 20s: kube-apiserver may not have restarted');
    expect(existsSync(n.manifest('kube-apiserver'))).toBe(true);
  });

  it('fails with the pod that did not come back, its manifest restored and the later pods untouched', async () => {
    const n = node();
    const err = await restartStaticPods([...STATIC_POD_ORDER], { host: n.host, probes: probes(n, { sick: ['kube-apiserver'] }).probes, log: () => undefined, timings: TIMINGS }).catch((e) => e);
    expect(err).toBeInstanceOf(StaticPodRestartError);
    expect(err.pod).toBe('kube-apiserver');
    expect(err.message).toBe('kube-apiserver did not answer healthy at kube-apiserver health within the 4m0s restart budget; not restarted: kube-controller-manager, kube-scheduler');
    expect(n.moves).toEqual([moveOut('etcd'), moveBack('etcd'), moveOut('kube-apiserver'), moveBack('kube-apiserver')]);
    for (const pod of STATIC_POD_ORDER) expect(existsSync(n.manifest(pod)), pod).toBe(true);
    expect(await readPendingRestarts(n.host, () => undefined)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
  });

  it('keeps the pods left to restart recorded while it runs', async () => {
    const n = node();
    const seen: string[] = [];
    const { probes: p } = probes(n, { onProbe: () => void readPendingRestarts(n.host, () => undefined).then((pods) => seen.push(pods.join(','))) });
    await restartStaticPods(['kube-apiserver', 'kube-scheduler'], { host: n.host, probes: p, log: () => undefined, timings: TIMINGS });
    expect([...new Set(seen)]).toEqual(['kube-apiserver,kube-scheduler', 'kube-scheduler']);
    expect(await readPendingRestarts(n.host, () => undefined)).toEqual([]);
  });

  it('refuses a pod whose held copy an earlier recovery kept beside its manifest, moving nothing', async () => {
    const n = node();
    mkdirSync(join(n.root, 'etc/kubernetes/tmp/kgen-restart'), { recursive: true });
    writeFileSync(n.held('kube-scheduler'), 'kept copy\n');
    const err = await restartStaticPods([...STATIC_POD_ORDER], { host: n.host, probes: probes(n).probes, log: () => undefined, timings: TIMINGS }).catch((e) => e);
    expect(err).toBeInstanceOf(StaticPodRestartError);
    expect(err.message).toBe(`${RESTART_HOLDING_DIR}/kube-scheduler.yaml and /etc/kubernetes/manifests/kube-scheduler.yaml both exist: remove the one that is not wanted, then run again; nothing restarted`);
    expect(n.moves).toEqual([]);
    expect(readFileSync(n.held('kube-scheduler'), 'utf8')).toBe('kept copy\n');
  });

  it('reads a pending record line by line, trimmed, and names what it ignores', async () => {
    const n = node();
    mkdirSync(join(n.root, 'etc/kubernetes/tmp/kgen-restart'), { recursive: true });
    writeFileSync(join(n.root, PENDING_RESTARTS), 'kube-scheduler\r\n etcd \nkubelet\n\n');
    const warnings: string[] = [];
    expect(await readPendingRestarts(n.host, (l) => warnings.push(l))).toEqual(['etcd', 'kube-scheduler']);
    expect(warnings).toEqual([`[restart] WARNING: ${PENDING_RESTARTS} names no static pod kgen-boot restarts: kubelet; ignored`]);
  });

  it('stops when the budget ran out before the next pod, naming it', async () => {
    const n = node();
    // The stuck etcd costs the whole stop wait; a budget of one stop wait leaves nothing for the next pod.
    const err = await restartStaticPods(['etcd', 'kube-scheduler'], { host: n.host, probes: probes(n, { stuck: ['etcd'] }).probes, log: () => undefined, timings: { ...TIMINGS, totalMs: TIMINGS.stopWaitMs } }).catch((e) => e);
    expect(err).toBeInstanceOf(StaticPodRestartError);
    expect(err.pod).toBe('kube-scheduler');
    expect(err.message).toBe('the 20s restart budget ran out before kube-scheduler; not restarted: kube-scheduler');
    expect(n.moves).toEqual([moveOut('etcd'), moveBack('etcd')]);
  });

  it('moves the manifest back on an interruption (SIGTERM) while the pod is away, and restarts nothing after', async () => {
    const n = node();
    const controller = new AbortController();
    const reason = new Error('interrupted by SIGTERM');
    const { probes: p } = probes(n, { onProbe: (pod) => pod === 'kube-apiserver' && !existsSync(n.manifest(pod)) && controller.abort(reason) });
    const err = await restartStaticPods([...STATIC_POD_ORDER], { host: n.host, probes: p, log: () => undefined, signal: controller.signal, timings: TIMINGS }).catch((e) => e);
    expect(err).toBe(reason);
    expect(n.moves).toEqual([moveOut('etcd'), moveBack('etcd'), moveOut('kube-apiserver'), moveBack('kube-apiserver')]);
    for (const pod of STATIC_POD_ORDER) expect(existsSync(n.manifest(pod)), pod).toBe(true);
  });

  it('moves the manifest back on an unexpected error while the pod is away', async () => {
    const n = node();
    const log = (line: string) => {
      if (line === '[restart] etcd stopped') throw new Error('log failed');
    };
    await expect(restartStaticPods(['etcd', 'kube-apiserver'], { host: n.host, probes: probes(n).probes, log, timings: TIMINGS })).rejects.toThrow('log failed');
    expect(n.moves).toEqual([moveOut('etcd'), moveBack('etcd')]);
    expect(existsSync(n.manifest('etcd'))).toBe(true);
  });
});

describe('recoverHeldManifests', () => {
  it('moves back a manifest a killed run left in the holding directory, and keeps both when one is in place again', async () => {
    const n = node(['kube-apiserver', 'kube-scheduler']);
    mkdirSync(join(n.root, 'etc/kubernetes/tmp/kgen-restart'), { recursive: true });
    writeFileSync(n.held('etcd'), 'held etcd\n');
    writeFileSync(n.held('kube-scheduler'), 'held scheduler\n');
    const lines: string[] = [];
    await recoverHeldManifests(n.host, (l) => lines.push(l));
    expect(lines).toEqual([
      `[restart] Moved ${RESTART_HOLDING_DIR}/etcd.yaml, left by an interrupted restart, back to /etc/kubernetes/manifests/etcd.yaml`,
      `[restart] WARNING: ${RESTART_HOLDING_DIR}/kube-scheduler.yaml left by an interrupted restart, but /etc/kubernetes/manifests/kube-scheduler.yaml exists: both kept`,
    ]);
    expect(readFileSync(n.manifest('etcd'), 'utf8')).toBe('held etcd\n');
    expect(existsSync(n.held('etcd'))).toBe(false);
    expect(readFileSync(n.held('kube-scheduler'), 'utf8')).toBe('held scheduler\n');

    // Nothing held (or no holding directory at all): nothing to say.
    const clean = node();
    const none: string[] = [];
    await recoverHeldManifests(clean.host, (l) => none.push(l));
    expect(none).toEqual([]);
  });
});
