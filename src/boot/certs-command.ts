// `kgen-boot certs check-expiration` and `kgen-boot certs renew all|NAME` on a node (upstream:
// cmd/kubeadm/app/cmd/certs.go newCmdCertsExpiration, newCmdCertsRenewal and its "all" subcommand): the work is
// src/boot/node/renewal.ts, the report's shape src/command/expiration-report.ts (shared with kgen's own
// check-expiration). `--if-expiring-within` is kgen's addition for the renewal timer (docs/kgen-boot.md):
// renew all only when one of the node's renewable certificates expires within that window.
// `--restart-static-pods` (kgen's, also for the timer) then restarts the static pods whose certificates were
// renewed, one at a time (src/boot/node/static-pod-restart.ts); a manifest an interrupted earlier restart left
// in the holding directory is moved back first, and the pods that restart did not bring back healthy are
// restarted with this run's, even when it renews nothing. Exit 3 when a pod does not come back healthy in time.
import { EXIT_INVALID, EXIT_OK, UsageError, parseFlagsAndArguments, type CliIO } from '../command/command.js';
import type { TlsOptions, Transport } from '../cluster/api-client.js';
import { httpsTransport } from '../cluster/https-transport.js';
import type { NodeBootConfig } from '../contract/config.js';
import { InterruptedError } from '../errors.js';
import { flagSeconds } from '../command/durations.js';
import { expirationJson, expirationTables } from '../command/expiration-report.js';
import type { CertificateExpiration } from '../pki/expiration.js';
import { DEFAULT_NODE_CONFIG, EXIT_PHASE_FAILED } from './constants.js';
import type { Host } from './host.js';
import { readNodeConfig } from './node-config.js';
import { RENEWABLES, RenewalError, nodeExpirations, readNodeCAs, renewCertificate, type Renewable } from './node/renewal.js';
import { ProbeUnavailableError, staticPodProbes, type StaticPodProbes } from './node/static-pod-probes.js';
import {
  PENDING_RESTARTS,
  STATIC_POD_ORDER,
  StaticPodRestartError,
  readPendingRestarts,
  recordPendingRestarts,
  recoverHeldManifests,
  restartStaticPods,
  staticPodsUsing,
  type RestartTimings,
  type StaticPod,
} from './node/static-pod-restart.js';

/** What `certs renew --restart-static-pods` uses besides the Host; tests plug in their own. */
export interface RestartDeps {
  /** Builds the API transport for the health probes; default HTTPS through undici. */
  transport?: (tls: TlsOptions) => Transport;
  /** Builds the health probes; default staticPodProbes (src/boot/node/static-pod-probes.ts). */
  probes?: (config: NodeBootConfig, host: Host, pods: readonly StaticPod[]) => Promise<StaticPodProbes>;
  timings?: RestartTimings;
  /** Listen for SIGINT/SIGTERM on the process while pods restart; default true. Tests abort io.signal instead. */
  processSignals?: boolean;
}

const ROOT_FLAG = { root: { type: 'string', default: '/' } } as const;

async function checkExpiration(args: string[], io: CliIO, hostFor: (root: string) => Host): Promise<number> {
  const { values: flags, positionals } = parseFlagsAndArguments(args, { ...ROOT_FLAG, json: { type: 'boolean', default: false } });
  if (positionals.length > 0) throw new UsageError(`certs check-expiration takes no arguments, got "${positionals.join(' ')}"`);
  const host = hostFor(flags.root);
  const report = await nodeExpirations(host, host.clock.now());
  if (flags.json) {
    const out = {
      certificates: report.certificates.map((c) => ('missing' in c ? { name: c.name, missing: true } : expirationJson(c))),
      certificateAuthorities: report.cas.map(expirationJson),
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(expirationTables(report.certificates, report.cas));
  }
  return EXIT_OK;
}

/** The renewables a `renew` argument names: "all" or one of kubeadm's names. */
function selectRenewables(name: string | undefined): { all: boolean; selected: readonly Renewable[] } {
  const names = RENEWABLES.map((r) => r.name);
  if (name === undefined) throw new UsageError(`certs renew needs "all" or a certificate name: ${names.join(', ')}`);
  if (name === 'all') return { all: true, selected: RENEWABLES };
  const one = RENEWABLES.find((r) => r.name === name);
  if (!one) throw new UsageError(`certs renew: unknown certificate "${name}"; expected "all" or one of ${names.join(', ')}`);
  return { all: false, selected: [one] };
}

/**
 * Restarts the static pods `pods` names, with SIGINT/SIGTERM (and io.signal) turned into an abort that moves the
 * held manifest back before the command exits 130/143.
 */
async function restartAfterRenewal(pods: StaticPod[], config: NodeBootConfig, host: Host, io: CliIO, deps: RestartDeps): Promise<void> {
  const log = (line: string) => io.stdout(`${line}\n`);
  const controller = new AbortController();
  // A process listener receives the signal's name; io.signal's reason names it too.
  const onSignal = (name: unknown) => controller.abort(new InterruptedError(name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'));
  const fromIO = () => onSignal(io.signal?.reason);
  const signals = deps.processSignals ?? true ? ['SIGINT', 'SIGTERM'] : [];
  for (const name of signals) process.on(name, onSignal);
  if (io.signal?.aborted) fromIO();
  io.signal?.addEventListener('abort', fromIO, { once: true });
  const transport = deps.transport ?? ((tls: TlsOptions) => httpsTransport(tls));
  const probes = await (deps.probes ?? ((c, h, p) => staticPodProbes(c, h, p, transport)))(config, host, pods);
  try {
    log(`[restart] Restarting, one at a time: ${pods.join(', ')}`);
    const restarted = await restartStaticPods(pods, { host, probes: probes.probes, log, signal: controller.signal, timings: deps.timings });
    log(`[restart] Done: ${restarted.join(', ') || 'nothing'} restarted`);
  } finally {
    for (const name of signals) process.off(name, onSignal);
    io.signal?.removeEventListener('abort', fromIO);
    await probes.close();
  }
}

async function renew(args: string[], io: CliIO, hostFor: (root: string) => Host, deps: RestartDeps): Promise<number> {
  const { values: flags, positionals } = parseFlagsAndArguments(args, {
    ...ROOT_FLAG,
    config: { type: 'string', default: DEFAULT_NODE_CONFIG },
    'new-key': { type: 'boolean', default: false },
    'if-expiring-within': { type: 'string' },
    'restart-static-pods': { type: 'boolean', default: false },
  });
  const restart = flags['restart-static-pods'];
  if (positionals.length > 1) throw new UsageError(`certs renew takes one argument, got "${positionals.join(' ')}"`);
  const { all, selected } = selectRenewables(positionals[0]);
  const within = flags['if-expiring-within'] === undefined ? undefined : flagSeconds('if-expiring-within', flags['if-expiring-within']) * 1000;
  if (within !== undefined && !all) throw new UsageError('--if-expiring-within goes with `certs renew all` (the renewal timer)');
  const host = hostFor(flags.root);
  const log = (line: string) => io.stdout(`${line}\n`);
  // A kill between the two moves of an earlier restart left a manifest out of the kubelet's sight: put it back
  // first, whether or not anything is renewed now; the pods that restart did not bring back are restarted below.
  const pending = restart ? await recoverEarlierRestart(host, log) : [];
  // node.yaml is read once, and only when a renewal or a restart needs it (a timer run with nothing due does not).
  let config: Promise<NodeBootConfig> | undefined;
  const nodeConfig = () => (config ??= readNodeConfig(host, flags.config));
  const renewed = await renewDue(selected, all, within, flags, host, io, nodeConfig);
  if (renewed === undefined && pending.length === 0) return EXIT_OK;
  if (renewed !== undefined && !restart) {
    // kubeadm's closing words (certs.go): the running components keep the old certificates until restarted.
    io.stdout(
      `\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n`,
    );
    return EXIT_OK;
  }
  if (renewed !== undefined) io.stdout('\nDone renewing certificates.\n');
  const needed = new Set([...pending, ...staticPodsUsing(renewed ?? [])]);
  const pods = STATIC_POD_ORDER.filter((p) => needed.has(p));
  if (pods.length === 0) {
    io.stdout('[restart] No static pod uses the renewed certificates\n');
    return EXIT_OK;
  }
  // Recorded before anything else can fail or be killed (node.yaml, the probes): the next run restarts them.
  await recordPendingRestarts(host, pods);
  await restartAfterRenewal(pods, await nodeConfig(), host, io, deps);
  return EXIT_OK;
}

/** Moves back held manifests and returns the pods an earlier restart left to restart. */
async function recoverEarlierRestart(host: Host, log: (line: string) => void): Promise<StaticPod[]> {
  await recoverHeldManifests(host, log);
  const pending = await readPendingRestarts(host, log);
  if (pending.length > 0) log(`[restart] An earlier restart did not finish; still to restart: ${pending.join(', ')} (${PENDING_RESTARTS})`);
  return pending;
}

/**
 * Renews `selected` (all of them when `within` finds one due); returns the names renewed, undefined when
 * nothing was renewed.
 */
async function renewDue(
  selected: readonly Renewable[],
  all: boolean,
  within: number | undefined,
  flags: { 'new-key': boolean; 'if-expiring-within'?: string },
  host: Host,
  io: CliIO,
  nodeConfig: () => Promise<NodeBootConfig>,
): Promise<string[] | undefined> {
  const now = host.clock.now();
  if (within !== undefined) {
    const present = (await nodeExpirations(host, now)).certificates.filter((c): c is CertificateExpiration => !('missing' in c) && !c.externallyManaged);
    const due = present.filter((c) => c.residualMs < within);
    if (due.length === 0) {
      io.stdout(`[renew] No certificate expires within ${flags['if-expiring-within']}; nothing renewed\n`);
      return undefined;
    }
    io.stdout(`[renew] ${due.map((c) => c.name).join(', ')} expire within ${flags['if-expiring-within']}; renewing all certificates\n`);
  }
  const { validityHours, keyAlgorithm } = (await nodeConfig()).cluster.certificates;
  const cas = await readNodeCAs(host);
  const options = { now, random: (n: number) => host.random.bytes(n), validityHours, newKey: flags['new-key'] ? keyAlgorithm : undefined };
  const renewed: string[] = [];
  for (const r of selected) {
    if (await renewCertificate(host, r, cas, options)) {
      io.stdout(`${r.longName} renewed\n`);
      renewed.push(r.name);
    } else if (all) {
      io.stdout(`MISSING! ${r.longName}: ${r.path} does not exist on this node, skipped\n`);
    } else {
      throw new RenewalError(`${r.path} does not exist on this node; nothing to renew (\`kgen-boot certs check-expiration\` lists what this node has)`);
    }
  }
  return renewed.length > 0 ? renewed : undefined;
}

/**
 * `kgen-boot certs SUBCOMMAND ...`; a renewal that cannot proceed (missing key, externally managed) exits 1, a
 * static pod that does not come back healthy after --restart-static-pods exits 3, SIGINT/SIGTERM during the
 * restart 130/143.
 */
export async function certsCommand(args: string[], io: CliIO, hostFor: (root: string) => Host, deps: RestartDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'check-expiration':
        return await checkExpiration(rest, io, hostFor);
      case 'renew':
        return await renew(rest, io, hostFor, deps);
      default:
        throw new UsageError(sub === undefined ? 'certs needs a command: check-expiration or renew' : `unknown command "certs ${sub}"; expected check-expiration or renew`);
    }
  } catch (err) {
    const code = exitCodeOf(err);
    if (code === undefined) throw err;
    io.stderr(`kgen-boot: ${(err as Error).message}\n`);
    return code;
  }
}

/** The exit code of a failure the certs command reports itself; undefined for the rest (usage errors, bugs). */
function exitCodeOf(err: unknown): number | undefined {
  if (err instanceof RenewalError || err instanceof ProbeUnavailableError) return EXIT_INVALID;
  if (err instanceof StaticPodRestartError) return EXIT_PHASE_FAILED;
  if (err instanceof InterruptedError) return err.exitCode;
  return undefined;
}
