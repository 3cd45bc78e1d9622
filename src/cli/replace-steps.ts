// The steps of `kgen replace NODE`, one function each, run in order by runReplaceSteps (`kgen upgrade apply` runs
// them in its own order for a node that still serves: src/cli/upgrade-batch.ts). Each step is
// idempotent (a re-run after a failure continues: a member already gone, a Node already deleted, kubeadm-certs
// still fresh, the token already registered, the render already done) and reports what it did or, in a dry
// run, what it would do. Writes to the API go through the command's client, which a dry run has made
// print-only (src/cluster/api-client.ts readThroughDryRunTransport); the etcd removal and the render are the
// two writes outside the API, and each checks `dryRun` itself.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../cluster/api-client.js';
import { ensureToken } from '../cluster/bootstrap-tokens.js';
import type { EtcdClient } from '../cluster/etcd-client.js';
import { memberIdHex } from '../cluster/etcd-client.js';
import { checkMemberRemoval, describeMember, type RemovalCheck } from '../cluster/etcd-removal.js';
import { certsToTransfer, ENCRYPTION_CONFIG_TRANSFER_NAME, kubeadmCertsLifetime, renewKubeadmCerts } from '../cluster/kubeadm-certs.js';
import { cordon, evict, getNode, isReady, podsToEvict } from '../cluster/node-removal.js';
import { InvalidInputError } from '../errors.js';
import type { NodeSpec } from '../inventory/types.js';
import { encryptionConfiguration } from '../kube/encryption.js';
import { etcdPeerURL } from '../kube/etcd.js';
import { PKI } from '../kube/constants.js';
import { nodeVersions, render, SkewPolicyError } from '../render.js';
import { generationOf } from '../secrets/generations.js';
import { realOperatorHost } from '../operator-host.js';
import { readGenerations, readJoinToken, readSharedKeys, readVersions } from '../secrets/read-state.js';
import { readReplacements, recordReplacement, type RenderedReplacement } from '../secrets/replacements.js';
import { rfc3339, tokenValidAt } from '../secrets/tokens.js';
import { toYaml } from '../yaml.js';
import type { OperatorSite } from './cluster-access.js';

/** What the node must still have after its machine boots: the discovery timeout plus the hour render --reimage keeps for a token. */
const BOOT_MARGIN_SECONDS = 3600;

export interface ReplaceContext {
  site: OperatorSite;
  node: NodeSpec;
  api: ApiClient;
  /** Present for a control-plane node with stacked etcd. */
  etcd?: EtcdClient;
  now: Date;
  dryRun: boolean;
  force: boolean;
  drain: boolean;
  /** Where render writes (the same --out as `kgen render`). */
  outDir: string;
  nodesFile: string;
  cwd: string;
}

export interface StepReport {
  step: 'health' | 'etcd-member' | 'node' | 'kubeadm-certs' | 'render' | 'token';
  /** True when the step changed (or, in a dry run, would change) something. */
  changed: boolean;
  detail: string;
}

/** The replacement would be unsafe: nothing was changed. */
export class ReplaceRefusedError extends InvalidInputError {}

const would = (ctx: ReplaceContext, done: string, planned: string) => (ctx.dryRun ? planned : done);

/** Seconds a replaced node needs its token and kubeadm-certs for: its discovery timeout plus an hour. */
function bootWindowSeconds(ctx: ReplaceContext): number {
  return ctx.site.inventory.cluster.boot.discoveryTimeoutSeconds + BOOT_MARGIN_SECONDS;
}

/**
 * 1. The API answered already (connectCluster); the node's render must be one the version skew policy allows
 * (render would refuse it only after the member and the Node are gone); with stacked etcd, the cluster must be
 * healthy without this member.
 */
export async function checkHealth(ctx: ReplaceContext): Promise<{ report: StepReport; removal?: RemovalCheck }> {
  const version = renderedVersion(ctx);
  const ready = `API server ${ctx.api.server} is ready`;
  const renders = `${ctx.node.name} renders at ${version}`;
  if (!ctx.etcd) return { report: { step: 'health', changed: false, detail: `${ready}; ${renders}` } };
  const removal = await checkMemberRemoval(ctx.etcd, { name: ctx.node.name, peerURL: etcdPeerURL(ctx.node.address) });
  const members = removal.members.map((h) => `${h.member.name || memberIdHex(h.member.id)} ${h.healthy ? 'healthy' : 'down'}`).join(', ');
  if (removal.impossible) throw new ReplaceRefusedError(`refusing to replace ${ctx.node.name}: ${removal.impossible}; nothing was changed`);
  if (removal.refusals.length > 0 && !ctx.force) {
    throw new ReplaceRefusedError(
      `refusing to replace ${ctx.node.name}; nothing was changed:\n  - ${removal.refusals.join('\n  - ')}\n` +
        'bring the other members back first, or pass --force if you accept the risk (a removal without quorum fails anyway)',
    );
  }
  const forced = removal.refusals.length > 0 ? `; --force overrides: ${removal.refusals.join('; ')}` : '';
  return { report: { step: 'health', changed: false, detail: `${ready}; etcd members: ${members}${forced}; ${renders}` }, removal };
}

/** The version render gives the node when it is reimaged, by render's own rule (src/render.ts nodeVersions). */
function renderedVersion(ctx: ReplaceContext): string {
  const { inventory, state } = ctx.site;
  try {
    const versions = nodeVersions(inventory, readVersions(state.dir), [ctx.node.name]);
    return versions[inventory.nodes.findIndex((n) => n.name === ctx.node.name)]!.version;
  } catch (err) {
    if (!(err instanceof SkewPolicyError)) throw err;
    throw new ReplaceRefusedError(`refusing to replace ${ctx.node.name}; nothing was changed: ${err.message.replace(/; nothing was written/, '')}`);
  }
}

/** 2a. Removes the node's etcd member (by peer URL, else name); a member already gone is fine. */
export async function removeEtcdMember(ctx: ReplaceContext, removal: RemovalCheck | undefined): Promise<StepReport | undefined> {
  if (!ctx.etcd || !removal) return undefined;
  const target = removal.target;
  if (!target) return { step: 'etcd-member', changed: false, detail: `no etcd member with peer URL ${etcdPeerURL(ctx.node.address)} or name ${ctx.node.name} (already removed)` };
  const id = memberIdHex(target.id);
  if (!ctx.dryRun) await ctx.etcd.remove(target.id);
  return { step: 'etcd-member', changed: true, detail: `${would(ctx, 'removed', 'would remove')} etcd member ${id} ${describeMember(target)}` };
}

/** 2b. Drains the Node when it still reports Ready (unless --no-drain), then deletes it; a Node already gone is fine. */
export async function removeNode(ctx: ReplaceContext): Promise<StepReport> {
  const name = ctx.node.name;
  const node = await getNode(ctx.api, name);
  if (!node) return { step: 'node', changed: false, detail: `no Node ${name} (already deleted)` };
  const done: string[] = [];
  if (isReady(node) && ctx.drain) {
    if (await cordon(ctx.api, node)) done.push(would(ctx, 'cordoned', 'would cordon'));
    const pods = await podsToEvict(ctx.api, name);
    for (const pod of pods) await evict(ctx.api, { name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' });
    done.push(`${would(ctx, 'evicted', 'would evict')} ${pods.length} pod(s)${pods.length ? ` (${pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')})` : ''}`);
  } else {
    done.push(isReady(node) ? 'not drained (--no-drain)' : 'not drained (not Ready)');
  }
  await ctx.api.delete('v1', 'Node', name);
  return { step: 'node', changed: true, detail: `Node ${name}: ${done.join(', ')}, ${would(ctx, 'deleted', 'would be deleted')}` };
}

/** The files kubeadm-certs carries, from the state (and, with external etcd, the inventory's client files). */
function transferFiles(ctx: ReplaceContext, keys: ReturnType<typeof readSharedKeys>): Map<string, Buffer> {
  const { cluster } = ctx.site.inventory;
  const { state } = ctx.site;
  const external = cluster.etcd.external;
  const content: Record<string, string | undefined> = {
    [PKI.caCert]: state.ca.cert,
    [PKI.caKey]: state.ca.key,
    [PKI.frontProxyCACert]: state.frontProxyCA.cert,
    [PKI.frontProxyCAKey]: state.frontProxyCA.key,
    [PKI.saPublicKey]: keys.sa.pub,
    [PKI.saPrivateKey]: keys.sa.key,
    [PKI.etcdCACert]: state.etcdCA?.cert,
    [PKI.etcdCAKey]: state.etcdCA?.key,
    'external-etcd-ca.crt': external && readFileSync(external.caFile, 'utf8'),
    'external-etcd.crt': external && readFileSync(external.certFile, 'utf8'),
    'external-etcd.key': external && readFileSync(external.keyFile, 'utf8'),
    [ENCRYPTION_CONFIG_TRANSFER_NAME]: keys.encryptionKey && toYaml(encryptionConfiguration(keys.encryptionKey)),
  };
  const files = new Map<string, Buffer>();
  for (const file of certsToTransfer(external !== undefined, { encryptionAtRest: cluster.encryptionAtRest })) {
    const data = content[file];
    if (data === undefined) throw new InvalidInputError(`the state in ${state.dir} has nothing for kubeadm-certs entry ${file}; restore the state from your backup`);
    files.set(file, Buffer.from(data));
  }
  return files;
}

/** 3. Control-plane node: uploads kubeadm-certs again when it is gone or expires before the node can fetch it. */
export async function refreshKubeadmCerts(ctx: ReplaceContext): Promise<StepReport | undefined> {
  if (ctx.node.role !== 'control-plane') return undefined;
  const lifetime = await kubeadmCertsLifetime(ctx.api);
  const needed = new Date(ctx.now.getTime() + bootWindowSeconds(ctx) * 1000);
  if (lifetime && (lifetime.expires === undefined || lifetime.expires > needed)) {
    return { step: 'kubeadm-certs', changed: false, detail: `kubeadm-certs is readable until ${lifetime.expires ? rfc3339(lifetime.expires) : 'its owner is deleted'}` };
  }
  const why = lifetime ? `it expires at ${rfc3339(lifetime.expires!)}, before ${rfc3339(needed)}` : 'it is missing';
  const keys = readSharedKeys(ctx.site.state.dir);
  const { cluster } = ctx.site.inventory;
  await renewKubeadmCerts(ctx.api, lifetime, {
    certificateKey: keys.certificateKey,
    files: transferFiles(ctx, keys),
    now: ctx.now,
    proxyTokenTtlSeconds: cluster.bootstrapToken.ttlSeconds,
    random: randomBytes,
  });
  return { step: 'kubeadm-certs', changed: true, detail: `${would(ctx, 'uploaded', 'would upload')} kubeadm-certs again (${why}) with the state's certificate key` };
}

/**
 * The render of this replacement an earlier `kgen replace` made, when the machine has not rejoined since: it
 * recorded the node's current generation, and no Node of that name registered after it. Asked before the node step,
 * which deletes the Node that tells a rejoined machine from one still waiting for its first boot.
 */
export async function earlierRender(ctx: ReplaceContext): Promise<RenderedReplacement | undefined> {
  const stateDir = ctx.site.state.dir;
  const rendered = readReplacements(stateDir)[ctx.node.name];
  if (rendered?.generation !== generationOf(readGenerations(stateDir), ctx.node.name)) return undefined;
  const created = (await getNode(ctx.api, ctx.node.name))?.metadata.creationTimestamp;
  const rejoined = created !== undefined && Date.parse(created) >= Date.parse(rendered.renderedAt);
  return rejoined ? undefined : rendered;
}

/**
 * 4. Re-renders this node with a new generation through `kgen render --reimage` (which also gives it a fresh token
 * when its current one would expire before it finishes discovery), unless `earlier` rendered this replacement.
 */
export async function renderNode(ctx: ReplaceContext, earlier: RenderedReplacement | undefined): Promise<{ report: StepReport; generation: number }> {
  const stateDir = ctx.site.state.dir;
  const name = ctx.node.name;
  if (earlier) {
    return { generation: earlier.generation, report: { step: 'render', changed: false, detail: `generation ${earlier.generation} was rendered by an earlier replace at ${earlier.renderedAt}` } };
  }
  const current = generationOf(readGenerations(stateDir), name);
  if (ctx.dryRun) {
    return { generation: current + 1, report: { step: 'render', changed: true, detail: `would render ${name} as generation ${current + 1} into ${ctx.outDir}` } };
  }
  const report = await render({ nodesFile: ctx.nodesFile, cwd: ctx.cwd, outDir: ctx.outDir, stateDir, reimage: [name] }, { host: { ...realOperatorHost, clock: { ...realOperatorHost.clock, now: () => ctx.now } } });
  const generation = report.nodes.find((n) => n.name === name)!.generation;
  recordReplacement(stateDir, name, { generation, renderedAt: rfc3339(ctx.now) });
  const token = report.newTokens.find((t) => t.forNode === name);
  return { generation, report: { step: 'render', changed: true, detail: `rendered ${name} as generation ${generation} into ${ctx.outDir}${token ? `, with a fresh token ${token.id}` : ''}` } };
}

/** 5. Registers the node's join token in the cluster when it is not there (a token render made, or one cleaned up). */
export async function registerToken(ctx: ReplaceContext): Promise<StepReport> {
  const token = readJoinToken(ctx.site.state.dir, ctx.node.name);
  if (ctx.dryRun && !tokenValidAt(token, ctx.now, bootWindowSeconds(ctx))) {
    return { step: 'token', changed: true, detail: `token ${token.id} expires at ${token.expiration}: the render would make a fresh one and register it` };
  }
  const created = await ensureToken(ctx.api, token);
  const detail = created ? `${would(ctx, 'registered', 'would register')} join token ${token.id} in the cluster` : `join token ${token.id} is in the cluster`;
  return { step: 'token', changed: created, detail: `${detail} (expires ${token.expiration})` };
}

/** Every step in order, each report handed to `print` as it is made; the node's generation to boot. */
export async function runReplaceSteps(ctx: ReplaceContext, print: (r: StepReport) => void): Promise<number> {
  const { report, removal } = await checkHealth(ctx);
  print(report);
  const earlier = await earlierRender(ctx);
  const member = await removeEtcdMember(ctx, removal);
  if (member) print(member);
  print(await removeNode(ctx));
  const certs = await refreshKubeadmCerts(ctx);
  if (certs) print(certs);
  const rendered = await renderNode(ctx, earlier);
  print(rendered.report);
  print(await registerToken(ctx));
  return rendered.generation;
}

/** What the operator does next. */
export function nextSteps(ctx: ReplaceContext, generation: number): string {
  const dir = join(ctx.outDir, 'nodes', ctx.node.name);
  return (
    `boot ${ctx.node.name} from ${join(dir, 'seed.iso')} (or over PXE from the rendered tree) with generation ${generation}; ` +
    `then watch \`kubectl get node ${ctx.node.name}\` until it is Ready`
  );
}
