// kgen-boot's commands that touch node.yaml, the disk and the API (run, phase, phases, status,
// check-config, certs, reset). cli.ts loads this module lazily so `--version` and `--help` start without parsing it; the
// shipped program embeds it as a separately compiled layer (scripts/boot-program.mjs).
// Dry-run is chosen here, once, by building a recording Host, an in-memory status store and a recording
// API transport; phases never see the flag.
import { EXIT_INVALID, EXIT_OK, UsageError, parseFlags, type CliIO } from '../command/command.js';
import { dryRunTransport, type TlsOptions, type Transport } from '../cluster/api-client.js';
import type { NodeBootConfig } from '../contract/config.js';
import { createDryRunHost, createHost, type Host, type HostOptions } from './host.js';
import { httpsTransport } from '../cluster/https-transport.js';
import { DEFAULT_NODE_CONFIG, EXIT_PHASE_FAILED, LOG_FILE, STATUS_FILE } from './constants.js';
import { createLogger, secretValues, type Logger } from './log.js';
import { NodeConfigError, nodeRole, readNodeConfig, type NodeRole } from './node-config.js';
import { createBootData, kubeCluster, type Timeouts } from './data.js';
import { simulateCluster } from './dry-run-cluster.js';
import { ROLES, phasesFor } from './phases/index.js';
import { PhaseError, PhaseSelectionError, Runner, type StatusStore } from './runner.js';
import { StatusFileError, fileStatusStore, formatStatus, memoryStatusStore } from './status.js';
import { reportUsageError } from './usage.js';
import { UPLOAD_CERTS } from './phases/upload-certs.js';
import { resetPhases } from './phases/reset/index.js';
import { ResetRefusedError } from './node/reset.js';
import { isCertificateKey } from '../secrets/certificate-key.js';
import { certsCommand, type RestartDeps } from './certs-command.js';

export interface BootDeps {
  /** Builds the Host for --root; default createHost with real side effects. */
  host?: (options: HostOptions) => Host;
  /** Builds the API transport for a server; default HTTPS through undici. */
  transport?: (tls: TlsOptions, log?: (message: string) => void) => Transport;
  timeouts?: Timeouts;
  /** URL of the running program (for --version's sha256); default this module's URL. */
  programUrl?: string;
  nodeVersion?: string;
  /** `certs renew --restart-static-pods`: probes, timings, signals (default: real probes over `transport`). */
  restart?: RestartDeps;
}

const COMMON_FLAGS = {
  config: { type: 'string', default: DEFAULT_NODE_CONFIG },
  root: { type: 'string', default: '/' },
} as const;

function describeSecrets(config: NodeBootConfig): string {
  const s = config.secrets;
  if (!s) return 'none';
  const parts = ['cluster CA', 'front-proxy CA'];
  if (s.etcdCA) parts.push('etcd CA');
  parts.push('service-account key pair');
  if (s.externalEtcd) parts.push('external etcd client');
  if (s.encryptionKey) parts.push('encryption key');
  parts.push(`${s.bootstrapTokens.length} bootstrap token(s)`);
  return parts.join(', ');
}

/** A summary of node.yaml safe to print: names, addresses, counts, never values of secrets. */
export function summarizeConfig(config: NodeBootConfig, file: string): string {
  const { node, cluster, discovery } = config;
  const etcd = 'local' in cluster.etcd ? 'local (stacked)' : `external (${cluster.etcd.external.endpoints.join(', ')})`;
  const lines: Array<[string, string]> = [
    ['config', `${file}: valid`],
    ['node', `${node.name} (${nodeRole(config)}), address ${node.address}, generation ${node.generation}`],
    ['cluster', `${cluster.name}, Kubernetes ${cluster.kubernetesVersion}, endpoint ${cluster.controlPlaneEndpoint.host}:${cluster.controlPlaneEndpoint.port}`],
    ['etcd', etcd],
    ['discovery', `${discovery.apiServerEndpoint}, token id ${discovery.token.split('.')[0]}, ${discovery.caCertHashes.length} CA pin(s), timeout ${discovery.timeoutSeconds}s`],
    ['secrets', describeSecrets(config)],
    ['certificate key', config.certificateKey ? 'present' : 'absent'],
  ];
  return lines.map(([k, v]) => `${`${k}:`.padEnd(17)}${v}`).join('\n') + '\n';
}

const hostFor = (deps: BootDeps, root: string) => (deps.host ?? createHost)({ root });

async function checkConfig(args: string[], io: CliIO, deps: BootDeps): Promise<number> {
  const flags = parseFlags(args, COMMON_FLAGS);
  const config = await readNodeConfig(hostFor(deps, flags.root), flags.config);
  io.stdout(summarizeConfig(config, flags.config));
  return EXIT_OK;
}

async function printPhases(args: string[], io: CliIO, deps: BootDeps): Promise<number> {
  const flags = parseFlags(args, { ...COMMON_FLAGS, role: { type: 'string' } });
  let role: NodeRole;
  if (flags.role !== undefined) {
    if (!ROLES.includes(flags.role as NodeRole)) throw new UsageError(`--role "${flags.role}" is not a role; expected one of ${ROLES.join(', ')}`);
    role = flags.role as NodeRole;
  } else {
    role = nodeRole(await readNodeConfig(hostFor(deps, flags.root), flags.config));
  }
  io.stdout(`The "${role}" workflow executes the following phases:\n${new Runner(phasesFor(role)).tree()}`);
  return EXIT_OK;
}

async function printStatus(args: string[], io: CliIO, deps: BootDeps): Promise<number> {
  const flags = parseFlags(args, { root: COMMON_FLAGS.root, json: { type: 'boolean', default: false } });
  const record = await fileStatusStore(hostFor(deps, flags.root)).load();
  if (!record) {
    io.stdout(flags.json ? `${JSON.stringify({ state: 'not-started', phases: [] })}\n` : `no kgen-boot run recorded yet (${STATUS_FILE} does not exist under ${flags.root})\n`);
    return EXIT_OK;
  }
  io.stdout(flags.json ? `${JSON.stringify(record, null, 2)}\n` : formatStatus(record));
  return record.state === 'failed' ? EXIT_PHASE_FAILED : EXIT_OK;
}

const withCertificateKey = (config: NodeBootConfig, key: string | undefined): NodeBootConfig => (key === undefined ? config : { ...config, certificateKey: key });

const COMPLETION: Record<NodeRole, string> = {
  init: 'Your Kubernetes control-plane has initialized successfully!\n\nTo start using your cluster, run as root on this node:\n\n  export KUBECONFIG=/etc/kubernetes/admin.conf\n',
  'control-plane-join': 'This node has joined the cluster as a control-plane node.\n',
  worker: 'This node has joined the cluster.\n',
};

/** `run` and `phase NAME`: the workflow for the node's role, or one subtree of it. */
async function runWorkflow(args: string[], io: CliIO, deps: BootDeps, selection?: string): Promise<number> {
  const flags = parseFlags(args, {
    ...COMMON_FLAGS,
    'dry-run': { type: 'boolean', default: false },
    'skip-phases': { type: 'string' },
    'certificate-key': { type: 'string' },
  });
  if (selection !== undefined && flags['skip-phases'] !== undefined) throw new UsageError('--skip-phases is a flag of `kgen-boot run`; `phase NAME` runs one phase and its children');
  const certificateKey = flags['certificate-key'];
  if (certificateKey !== undefined) {
    // kubeadm's `init phase upload-certs --certificate-key`: the key to seal kubeadm-certs with, instead of node.yaml's.
    if (selection !== UPLOAD_CERTS) throw new UsageError(`--certificate-key is a flag of \`kgen-boot phase ${UPLOAD_CERTS}\``);
    if (!isCertificateKey(certificateKey)) throw new UsageError('--certificate-key must be 64 lower-case hex characters (the state\'s certificate-key file)');
  }
  // kubeadm's form: --skip-phases preflight,addon/kube-proxy
  const skip = (flags['skip-phases'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const base = hostFor(deps, flags.root);
  const dryRun = flags['dry-run'];
  // A dry run leaves the node untouched, its log file included.
  const file = dryRun ? undefined : (t: string) => base.appendFile(LOG_FILE, t);
  const log: Logger = createLogger({ stdout: io.stdout, stderr: io.stderr, file, clock: base.clock });
  try {
    let config = withCertificateKey(await readNodeConfig(base, flags.config), certificateKey);
    log.addSecrets(secretValues(config));
    const role = nodeRole(config);
    const runner = new Runner(phasesFor(role));
    const plan = runner.select(selection, skip).map((f) => f.fullName);
    const host = dryRun ? createDryRunHost(base, (l) => log.info(l)) : base;
    const store: StatusStore = dryRun ? memoryStatusStore(await fileStatusStore(base).load()) : fileStatusStore(base);
    // A joiner's dry run of phases that read the cluster reads a simulated one and pins its throwaway CA besides
    // node.yaml's pins; preflight and upload-certs (run on a joined node, from its own files) read none of it.
    const readsCluster = plan.some((p) => !['preflight', UPLOAD_CERTS].includes(p.split('/')[0]!));
    const simulated =
      dryRun && role !== 'init' && readsCluster ? await simulateCluster(config, kubeCluster(config), { kubeadmCerts: plan.includes('control-plane-prepare/download-certs') }) : undefined;
    if (simulated) config = { ...config, discovery: { ...config.discovery, caCertHashes: [...config.discovery.caCertHashes, simulated.caPin] } };
    const recorder = dryRun ? dryRunTransport((l) => log.info(l), simulated?.get) : undefined;
    const transport = recorder ? () => recorder : (deps.transport ?? httpsTransport);
    const data = createBootData({ config, host, log, transport, timeouts: deps.timeouts, guessUnknownKinds: dryRun, plan });
    if (dryRun) log.phase('dryrun', 'Running in dry-run mode: nothing is written, started or sent');
    if (simulated) {
      log.phase('dryrun', `No cluster is contacted: ${simulated.names.join(', ')} are simulated from node.yaml with throwaway keys and CAs; discovery also accepts the throwaway cluster CA (${simulated.caPin})`);
    }
    log.phase(role === 'init' ? 'init' : 'join', `Using Kubernetes version: ${config.cluster.kubernetesVersion}`);
    await runner.run(
      data,
      {
        store,
        now: () => host.clock.now(),
        generation: config.node.generation,
        role,
        skip,
        redact: (t) => log.redact(t),
        events: { skipped: (phase, why) => log.phase(phase.split('/')[0]!, `Skipping phase ${phase}: ${why}`) },
      },
      selection,
    );
    if (selection === undefined) log.info(`\n${COMPLETION[role]}`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof PhaseError) {
      log.error(`error execution ${err.message}`);
      // A dry run writes no log and records nothing to continue from.
      if (!dryRun) log.error(`To see the stack trace of this error see ${LOG_FILE}; after fixing the cause, run \`kgen-boot run\` again to continue where it stopped`);
      return EXIT_PHASE_FAILED;
    }
    if (err instanceof PhaseSelectionError) throw new UsageError(err.message);
    throw err;
  } finally {
    await log.flush();
  }
}

/**
 * `reset`: kubeadm reset's phases over node.yaml and the Host (a recording Host with --dry-run), with an
 * in-memory status record: reset deletes the one on disk.
 */
async function reset(args: string[], io: CliIO, deps: BootDeps): Promise<number> {
  const flags = parseFlags(args, { ...COMMON_FLAGS, 'dry-run': { type: 'boolean', default: false }, force: { type: 'boolean', default: false }, 'skip-phases': { type: 'string' } });
  const skip = (flags['skip-phases'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const base = hostFor(deps, flags.root);
  const dryRun = flags['dry-run'];
  const log: Logger = createLogger({ stdout: io.stdout, stderr: io.stderr, file: dryRun ? undefined : (t: string) => base.appendFile(LOG_FILE, t), clock: base.clock });
  try {
    const config = await readNodeConfig(base, flags.config);
    log.addSecrets(secretValues(config));
    const host = dryRun ? createDryRunHost(base, (l) => log.info(l)) : base;
    const runner = new Runner(resetPhases());
    if (dryRun) log.phase('dryrun', 'Running in dry-run mode: nothing is removed, stopped or sent');
    await runner.run(
      { config, host, log, force: flags.force, dirsToClean: [] },
      {
        store: memoryStatusStore(),
        now: () => host.clock.now(),
        generation: config.node.generation,
        role: 'reset',
        skip,
        redact: (t) => log.redact(t),
        events: { skipped: (phase, why) => log.phase('reset', `Skipping phase ${phase}: ${why}`) },
      },
    );
    return EXIT_OK;
  } catch (err) {
    if (err instanceof PhaseError) {
      log.error(`error execution ${err.message}`);
      return err.cause instanceof ResetRefusedError ? EXIT_INVALID : EXIT_PHASE_FAILED;
    }
    if (err instanceof PhaseSelectionError) throw new UsageError(err.message);
    throw err;
  } finally {
    await log.flush();
  }
}

/** Runs one of the commands above; node.yaml problems and usage errors print their message and exit 1. */
export async function runCommand(command: string, args: string[], io: CliIO, deps: BootDeps): Promise<number> {
  try {
    switch (command) {
      case 'check-config':
        return await checkConfig(args, io, deps);
      case 'phases':
        return await printPhases(args, io, deps);
      case 'status':
        return await printStatus(args, io, deps);
      case 'run':
        return await runWorkflow(args, io, deps);
      case 'reset':
        return await reset(args, io, deps);
      case 'certs':
        return await certsCommand(args, io, (root) => hostFor(deps, root), { transport: deps.transport, ...deps.restart });
      case 'phase': {
        const [name, ...flags] = args;
        if (!name || name.startsWith('-')) throw new UsageError('phase needs a NAME, e.g. `kgen-boot phase certs/apiserver`; `kgen-boot phases` lists them');
        return await runWorkflow(flags, io, deps, name);
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    // node.yaml and status.json problems are the node's input, not a kgen-boot bug: exit 1.
    if (err instanceof NodeConfigError || err instanceof StatusFileError) {
      io.stderr(`kgen-boot: ${err.message}\n`);
      return EXIT_INVALID;
    }
    if (err instanceof UsageError) return reportUsageError(io, err);
    throw err;
  }
}
