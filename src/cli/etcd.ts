// `kgen etcd snapshot --out FILE`: a v3 snapshot of the cluster's stacked etcd over the maintenance API, from the
// operator's seat (as `etcdctl snapshot save` with the healthcheck-client certificate; src/cli/etcd-access.ts).
import { resolve } from 'node:path';
import { commandGroup, EXIT_OK, parseFlags, UsageError, type Command } from '../command/command.js';
import { EtcdError } from '../cluster/etcd-client.js';
import { InvalidInputError } from '../errors.js';
import { loadSite, SITE_FLAGS, SITE_HELP } from './cluster-access.js';
import { etcdClientFor, saveSnapshot, stackedEtcdNodes, type SavedSnapshot } from './etcd-access.js';

export function describeSnapshot(s: SavedSnapshot): string {
  const checked = s.status
    ? `${s.status.tool} snapshot status: revision ${s.status.revision}, ${s.status.totalKey} keys, hash ${s.status.hash}`
    : 'not checked: neither etcdutl nor etcdctl is installed';
  return `Snapshot saved at ${s.file} (${s.bytes} bytes; ${checked})`;
}

const snapshotCommand: Command = {
  name: 'etcd snapshot',
  summary: 'save a v3 snapshot of the cluster\'s stacked etcd',
  help: [
    'Usage: kgen etcd snapshot --out FILE [--nodes FILE] [--state DIR]',
    '',
    'Streams a snapshot from the first control-plane node\'s etcd member that answers (the maintenance API,',
    'with a client certificate minted in memory from the state\'s etcd CA), checks the SHA-256 etcd appends,',
    'writes FILE atomically with mode 0600 (the snapshot holds every Secret of the cluster) and reads it back',
    'with `etcdutl snapshot status` (or etcdctl) when installed. Restore it with `etcdutl snapshot restore`.',
    '',
    'Flags:',
    '  --out FILE         where the snapshot goes (replaced if it exists)',
    ...SITE_HELP,
    '',
    'Exit codes: 0 saved, 1 invalid input (inventory, state, flags, no member answered), 2 internal error.',
    '',
    'Example:',
    '  kgen etcd snapshot --out backup/etcd-$(date +%F).db',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, { ...SITE_FLAGS, out: { type: 'string' } });
    if (flags.out === undefined) throw new UsageError('--out FILE is required');
    const site = loadSite(flags, io, new Date());
    const nodes = stackedEtcdNodes(site);
    if (!nodes) throw new InvalidInputError(`${flags.nodes}: the cluster uses external etcd; take its snapshot where it runs`);
    const client = await etcdClientFor(site, nodes, new Date(), { log: (l) => io.stderr(`${l}\n`) });
    try {
      io.stdout(`${describeSnapshot(await saveSnapshot(client, resolve(io.cwd, flags.out)))}\n`);
    } catch (err) {
      if (err instanceof EtcdError) throw new InvalidInputError(`no etcd member gave a snapshot: ${err.message}; check that the control-plane nodes are up`, { cause: err });
      throw err;
    } finally {
      await client.close();
    }
    return EXIT_OK;
  },
};

export const etcdCommand = commandGroup('etcd', 'operate the cluster\'s stacked etcd (snapshot)', [snapshotCommand]);
