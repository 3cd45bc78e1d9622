// `kgen-boot certs check-expiration` and `kgen-boot certs renew all|NAME` on a node (upstream:
// cmd/kubeadm/app/cmd/certs.go newCmdCertsExpiration, newCmdCertsRenewal and its "all" subcommand): the work is
// src/boot/node/renewal.ts, the report's shape src/command/expiration-report.ts (shared with kgen's own
// check-expiration). `--if-expiring-within` is kgen's addition for the renewal timer (docs/kgen-boot.md):
// renew all only when one of the node's renewable certificates expires within that window.
import { EXIT_INVALID, EXIT_OK, UsageError, parseFlagsAndArguments, type CliIO } from '../command/command.js';
import { flagSeconds } from '../command/durations.js';
import { expirationJson, expirationTables } from '../command/expiration-report.js';
import type { CertificateExpiration } from '../pki/expiration.js';
import { DEFAULT_NODE_CONFIG } from './constants.js';
import type { Host } from './host.js';
import { readNodeConfig } from './node-config.js';
import { RENEWABLES, RenewalError, nodeExpirations, readNodeCAs, renewCertificate, type Renewable } from './node/renewal.js';

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

async function renew(args: string[], io: CliIO, hostFor: (root: string) => Host): Promise<number> {
  const { values: flags, positionals } = parseFlagsAndArguments(args, {
    ...ROOT_FLAG,
    config: { type: 'string', default: DEFAULT_NODE_CONFIG },
    'new-key': { type: 'boolean', default: false },
    'if-expiring-within': { type: 'string' },
  });
  if (positionals.length > 1) throw new UsageError(`certs renew takes one argument, got "${positionals.join(' ')}"`);
  const { all, selected } = selectRenewables(positionals[0]);
  const within = flags['if-expiring-within'] === undefined ? undefined : flagSeconds('if-expiring-within', flags['if-expiring-within']) * 1000;
  if (within !== undefined && !all) throw new UsageError('--if-expiring-within goes with `certs renew all` (the renewal timer)');
  const host = hostFor(flags.root);
  const now = host.clock.now();
  if (within !== undefined) {
    const present = (await nodeExpirations(host, now)).certificates.filter((c): c is CertificateExpiration => !('missing' in c) && !c.externallyManaged);
    const due = present.filter((c) => c.residualMs < within);
    if (due.length === 0) {
      io.stdout(`[renew] No certificate expires within ${flags['if-expiring-within']}; nothing renewed\n`);
      return EXIT_OK;
    }
    io.stdout(`[renew] ${due.map((c) => c.name).join(', ')} expire within ${flags['if-expiring-within']}; renewing all certificates\n`);
  }
  const config = await readNodeConfig(host, flags.config);
  const { validityHours, keyAlgorithm } = config.cluster.certificates;
  const cas = await readNodeCAs(host);
  const options = { now, random: (n: number) => host.random.bytes(n), validityHours, newKey: flags['new-key'] ? keyAlgorithm : undefined };
  let renewed = 0;
  for (const r of selected) {
    if (await renewCertificate(host, r, cas, options)) {
      io.stdout(`${r.longName} renewed\n`);
      renewed++;
    } else if (all) {
      io.stdout(`MISSING! ${r.longName}: ${r.path} does not exist on this node, skipped\n`);
    } else {
      throw new RenewalError(`${r.path} does not exist on this node; nothing to renew (\`kgen-boot certs check-expiration\` lists what this node has)`);
    }
  }
  if (renewed > 0) {
    // kubeadm's closing words (certs.go): the running components keep the old certificates until restarted.
    io.stdout(
      `\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n`,
    );
  }
  return EXIT_OK;
}

/** `kgen-boot certs SUBCOMMAND ...`; a renewal that cannot proceed (missing key, externally managed) exits 1. */
export async function certsCommand(args: string[], io: CliIO, hostFor: (root: string) => Host): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'check-expiration':
        return await checkExpiration(rest, io, hostFor);
      case 'renew':
        return await renew(rest, io, hostFor);
      default:
        throw new UsageError(sub === undefined ? 'certs needs a command: check-expiration or renew' : `unknown command "certs ${sub}"; expected check-expiration or renew`);
    }
  } catch (err) {
    if (err instanceof RenewalError) {
      io.stderr(`kgen-boot: ${err.message}\n`);
      return EXIT_INVALID;
    }
    throw err;
  }
}
