// `kgen replace NODE`: the reimage of one machine, made safe (issue 12). From the operator's seat it checks the
// cluster's health, takes the node out (its stacked etcd member, then its Node object after a drain), makes sure
// a joining control-plane node will find kubeadm-certs, re-renders that node with a new generation (render
// --reimage) and registers the token it joins with. The steps are src/cli/replace-steps.ts; this module parses
// the flags, connects and prints.
import { resolve } from 'node:path';
import { EXIT_OK, parseFlagsAndArguments, UsageError, type CliIO, type Command } from '../command/command.js';
import type { EtcdClient } from '../cluster/etcd-client.js';
import { InvalidInputError } from '../errors.js';
import { ACCESS_FLAGS, ACCESS_HELP, connectCluster, loadSite, withRights, type OperatorSite } from './cluster-access.js';
import { etcdClientFor, stackedEtcdNodes } from './etcd-access.js';
import { nextSteps, runReplaceSteps, type ReplaceContext, type StepReport } from './replace-steps.js';
import type { NodeSpec } from '../inventory/types.js';

const HELP = [
  'Usage: kgen replace NODE [--dry-run] [--force] [--no-drain] [--json] [--out DIR]',
  '                         [--kubeconfig FILE] [--nodes FILE] [--state DIR]',
  '',
  'The machine NODE is dead or about to be wiped: take it out of the cluster safely and render its new first boot.',
  '  1. health: the API server answers; for a control-plane node, every other etcd member is healthy and the',
  '     members that remain keep quorum (refused otherwise, nothing changed, unless --force);',
  '  2. removes its etcd member (peer URL https://<address>:2380, or its name) and its Node object, after a drain',
  '     (cordon, evict its pods) when the Node still reports Ready;',
  '  3. control-plane node: uploads kubeadm-certs again with the state\'s certificate key when it is missing or',
  '     expires before the node can finish discovery;',
  '  4. renders that node with a new generation, as `kgen render --reimage NODE` (a fresh token when the current',
  '     one would expire before the node finishes discovery);',
  '  5. registers the node\'s join token in the cluster when it is not there.',
  'Every step is idempotent: run the command again after a failure and it continues; after it completed, a',
  're-run changes nothing until the machine has rejoined.',
  '',
  'Flags:',
  '  --dry-run          print every step and every write it would make; change nothing',
  '  --force            replace even when another etcd member is down or quorum would be lost',
  '  --no-drain         delete the Node without cordoning it and evicting its pods first',
  '  --json             print {"node", "dryRun", "steps": [...], "generation", "next"} instead of lines',
  '  --out DIR          where render writes (default: dist, as `kgen render`)',
  ...ACCESS_HELP,
  '',
  'Exit codes: 0 done, 1 invalid input or refused (unknown node, unhealthy cluster, unreachable cluster, state), 2 internal error.',
  '',
  'Example:',
  '  kgen replace cp2 --nodes nodes.yaml --dry-run',
  '',
].join('\n');

/** The inventory's node `name`; `nodesFile` as the operator wrote it, for the message. */
function targetNode(site: OperatorSite, name: string, nodesFile: string): NodeSpec {
  const node = site.inventory.nodes.find((n) => n.name === name);
  if (!node) throw new InvalidInputError(`node "${name}" is not in ${nodesFile}; known nodes: ${site.inventory.nodes.map((n) => n.name).join(', ')}`);
  return node;
}

/** An etcd client for the other control-plane nodes' members, with kubeadm's healthcheck-client identity. */
async function etcdFor(site: OperatorSite, node: NodeSpec, now: Date): Promise<EtcdClient | undefined> {
  const controlPlanes = stackedEtcdNodes(site);
  if (node.role !== 'control-plane' || !controlPlanes) return undefined;
  const others = controlPlanes.filter((n) => n.name !== node.name);
  if (others.length === 0) throw new InvalidInputError(`${node.name} is the only control-plane node in ${site.inventory.file}: its etcd holds the whole cluster, there is nothing to replace it into`);
  return etcdClientFor(site, others, now, { attempts: 3 });
}

export const replaceCommand: Command = {
  name: 'replace',
  summary: 'take a dead or to-be-wiped machine out of the cluster safely and render its new first boot',
  help: HELP,
  async run(args, io: CliIO) {
    const { values: flags, positionals } = parseFlagsAndArguments(args, {
      ...ACCESS_FLAGS,
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'no-drain': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string', default: 'dist' },
    });
    if (positionals.length !== 1) throw new UsageError(`expected exactly one NODE, got ${positionals.length ? positionals.join(' ') : 'none'}`);
    const now = new Date();
    const site = loadSite(flags, io, now);
    const node = targetNode(site, positionals[0]!, flags.nodes);
    const dryRun = flags['dry-run'];
    const say = flags.json ? (line: string) => io.stderr(`${line}\n`) : (line: string) => io.stdout(`${line}\n`);
    const access = await connectCluster(flags, io, now, site, dryRun ? { dryRun: say } : {});
    const etcd = await etcdFor(site, node, now);
    const ctx: ReplaceContext = {
      site,
      node,
      api: access.client,
      etcd,
      now,
      dryRun,
      force: flags.force,
      drain: !flags['no-drain'],
      outDir: resolve(io.cwd, flags.out),
      nodesFile: flags.nodes,
      cwd: io.cwd,
    };
    const steps: StepReport[] = [];
    try {
      const generation = await withRights(access, () =>
        runReplaceSteps(ctx, (r) => {
          steps.push(r);
          say(`[replace] ${r.step}: ${r.detail}`);
        }),
      );
      const next = nextSteps(ctx, generation);
      if (flags.json) io.stdout(`${JSON.stringify({ node: node.name, dryRun, steps, generation, next }, null, 2)}\n`);
      else io.stdout(`${dryRun ? 'dry run, nothing was changed; next' : steps.some((s) => s.changed) ? 'next' : 'nothing to do; next'}: ${next}\n`);
      return EXIT_OK;
    } finally {
      await etcd?.close();
    }
  },
};
