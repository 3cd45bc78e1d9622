// `kgen kubeconfig admin|user`: kubeconfigs signed by the state's cluster CA for the cluster's endpoint, as
// `kubeadm kubeconfig user` writes them (upstream: cmd/kubeadm/app/cmd/kubeconfig.go, phases/kubeconfig/
// kubeconfig.go WriteKubeConfigWithClientCert). admin is kubeadm >= 1.29's admin.conf identity,
// CN=kubernetes-admin, O=kubeadm:cluster-admins (bound to cluster-admin by kubeadm:cluster-admins). The
// default validity is short (24h), the file is written 0600 and atomically, and a credential is never printed
// to a terminal unless `--out -` asks for it.
import { resolve } from 'node:path';
import { commandGroup, EXIT_OK, parseFlags, UsageError, type CliIO, type Command } from '../command/command.js';
import { flagSeconds } from '../command/durations.js';
import { writeFileAtomic } from '../fsutil.js';
import { createKubeconfig, type KubeconfigSpec } from '../pki/index.js';
import { adminSpec, loadSite, SITE_FLAGS, SITE_HELP, type OperatorSite } from './cluster-access.js';

const OUTPUT_FLAGS = {
  ...SITE_FLAGS,
  out: { type: 'string' },
  validity: { type: 'string', default: '24h' },
} as const;

const OUTPUT_HELP = [
  ...SITE_HELP,
  '  --out FILE         write the kubeconfig here (mode 0600); "-" prints it, also to a terminal',
  '                     (default: stdout, refused when stdout is a terminal)',
  '  --validity DUR     client certificate lifetime, Go duration syntax (default: 24h)',
];

async function emit(site: OperatorSite, spec: KubeconfigSpec, flags: { out?: string; validity: string }, io: CliIO): Promise<number> {
  const validityHours = flagSeconds('validity', flags.validity) / 3600;
  if (flags.out === undefined && io.stdoutIsTerminal) {
    throw new UsageError('refusing to print a credential to a terminal; write it with --out FILE, or pass --out - to print it anyway');
  }
  const { cluster } = site.inventory;
  const text = await createKubeconfig(spec, { clusterName: cluster.name, ca: site.state.ca, algorithm: cluster.certificates.keyAlgorithm, validityHours });
  if (flags.out === undefined || flags.out === '-') {
    io.stdout(text);
  } else {
    const path = resolve(io.cwd, flags.out);
    writeFileAtomic(path, text, { mode: 0o600, durable: true });
    io.stderr(`wrote ${flags.out}: user "${spec.clientName}"${spec.organizations.length ? ` (groups ${spec.organizations.join(', ')})` : ''} for ${spec.server}, valid for ${flags.validity}\n`);
  }
  return EXIT_OK;
}

const adminCommand: Command = {
  name: 'kubeconfig admin',
  summary: 'a short-lived cluster-admin kubeconfig (kubeadm\'s admin.conf identity)',
  help: [
    'Usage: kgen kubeconfig admin [--out FILE] [--validity 24h] [--nodes FILE] [--state DIR]',
    '',
    'Signs a new client certificate CN=kubernetes-admin, O=kubeadm:cluster-admins with the state\'s cluster CA',
    'and wraps it in a kubeconfig for the inventory\'s controlPlaneEndpoint, as kubeadm\'s admin.conf.',
    'Nothing in the state or the cluster changes; the certificate cannot be revoked, so keep --validity short.',
    '',
    'Flags:',
    ...OUTPUT_HELP,
    '',
    'Exit codes: 0 done, 1 invalid input (inventory, state, flags), 2 internal error.',
    '',
    'Example:',
    '  kgen kubeconfig admin --nodes nodes.yaml --out admin.conf && kubectl --kubeconfig admin.conf get nodes',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, OUTPUT_FLAGS);
    const site = loadSite(flags, io, new Date());
    return emit(site, adminSpec(site), flags, io);
  },
};

const userCommand: Command = {
  name: 'kubeconfig user',
  summary: 'a kubeconfig for a named user and groups (as kubeadm kubeconfig user)',
  help: [
    'Usage: kgen kubeconfig user --name NAME [--org GROUP]... [--out FILE] [--validity 24h] [--nodes FILE] [--state DIR]',
    '',
    'Signs a client certificate CN=NAME, O=GROUP... with the state\'s cluster CA for the inventory\'s',
    'controlPlaneEndpoint. What the user may do is up to the cluster\'s RBAC bindings for NAME and the groups.',
    '',
    'Flags:',
    '  --name NAME        the user name (certificate CN; required)',
    '  --org GROUP        a group (certificate O); repeat for several',
    ...OUTPUT_HELP,
    '',
    'Exit codes: 0 done, 1 invalid input (inventory, state, flags), 2 internal error.',
    '',
    'Example:',
    '  kgen kubeconfig user --name alice --org developers --validity 8h --out alice.conf',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, { ...OUTPUT_FLAGS, name: { type: 'string' }, org: { type: 'string', multiple: true, default: [] } });
    if (!flags.name) throw new UsageError('--name NAME is required');
    const site = loadSite(flags, io, new Date());
    return emit(site, { ...adminSpec(site), clientName: flags.name, organizations: flags.org }, flags, io);
  },
};

export const kubeconfigCommand = commandGroup('kubeconfig', 'write kubeconfigs signed by the state\'s cluster CA', [adminCommand, userCommand]);
