// kgen-boot's command line (model: citty src/main.ts; kubeadm's `init` / `init phase <name>` commands):
// `main(argv, io, deps)` returns an exit code; only src/boot/main.ts (the bin) sets process.exitCode.
// Nothing here parses argv or touches the disk at import time.
import { EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, UsageError, parseFlags, type CliIO } from '../cli/command.js';
import { buildInfo, formatBuildInfo } from './build-info.js';
import { createHost, type Host, type HostOptions } from './host.js';
import { DEFAULT_NODE_CONFIG, NodeConfigError, nodeRole, readNodeConfig } from './node-config.js';
import type { NodeBootConfig } from './config.js';

export interface BootDeps {
  /** Builds the Host for --root; default createHost with real side effects. */
  host?: (options: HostOptions) => Host;
  /** URL of the running program (for --version's sha256); default this module's URL. */
  programUrl?: string;
  nodeVersion?: string;
}

export const USAGE = `kgen-boot: bring this machine into its Kubernetes cluster on first boot.

Usage:
  kgen-boot run [--config ${DEFAULT_NODE_CONFIG}] [--root /] [--dry-run]
  kgen-boot check-config [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot --version
  kgen-boot --help

Commands:
  run            run every phase for this node's role; completed phases are skipped
  check-config   read and validate node.yaml and print a summary (no secrets)

Flags:
  --config PATH  node config, a path on the node (resolved under --root) (default ${DEFAULT_NODE_CONFIG})
  --root DIR     directory every node path is resolved under (default /)
  --dry-run      print what would be written, run and sent instead of doing it
`;

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

async function checkConfig(args: string[], io: CliIO, deps: BootDeps): Promise<number> {
  const flags = parseFlags(args, COMMON_FLAGS);
  const host = (deps.host ?? createHost)({ root: flags.root });
  const config = await readNodeConfig(host, flags.config);
  io.stdout(summarizeConfig(config, flags.config));
  return EXIT_OK;
}

export async function main(argv: string[], io: CliIO, deps: BootDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case 'version':
        io.stdout(formatBuildInfo(await buildInfo(deps.programUrl ?? import.meta.url, deps.nodeVersion ?? process.version)) + '\n');
        return EXIT_OK;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE);
        return EXIT_OK;
      case 'check-config':
        return await checkConfig(rest, io, deps);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kgen-boot: ${err.message}\n\n${USAGE}`);
      return EXIT_INVALID;
    }
    if (err instanceof NodeConfigError) {
      io.stderr(`kgen-boot: ${err.message}\n`);
      return EXIT_INVALID;
    }
    io.stderr(`kgen-boot: ${(err as Error).message ?? String(err)}\n`);
    return EXIT_INTERNAL;
  }
}
