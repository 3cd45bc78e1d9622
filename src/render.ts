// `kgen render` as a function: inventory -> secrets state -> per-node boot configs -> files.
// Order matters for "nothing is lost": the inventory and an existing state are checked before anything is
// written; the state only ever gains files (a first render creates it before the size check, because every
// node's config depends on it); no output is written until every node passed the size check; output files
// are written atomically, one node at a time so memory stays flat for large fleets (the embedded boot
// program is one shared string).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Inventory, NodeSpec } from './inventory/types.js';
import { formatDiagnostic, type Diagnostic } from './inventory/types.js';
import { diskDeps, loadInventory } from './inventory/load.js';
import type { BootstrapToken, SecretsBundle } from './secrets/types.js';
import { addToken, loadOrCreateState } from './secrets/state.js';
import { statePki } from './secrets/pki-port.js';
import { readGenerations, writeGenerations, generationOf, type Generations } from './secrets/generations.js';
import { newBootstrapToken, tokenValidAt } from './secrets/tokens.js';
import { bootConfigFor } from './secrets/for-role.js';
import { caCertHash } from './pki/pin.js';
import { clusterCAs, expiryWarnings } from './pki/expiration.js';
import { InvalidInputError } from './errors.js';
import { TreeWriter, writeFileAtomic } from './fsutil.js';
import { loadBootBundle, type BootBundle } from '../generators/boot-bundle.js';
import { nodeArtifacts, type NodeArtifacts, type OutFile } from '../generators/node-artifacts.js';
import { SizeMeter, TARGET_LIMITS, type Sizes, type Target } from '../generators/sizes.js';
import { isNodeIpxeFileName, pxeFiles } from '../generators/pxe.js';
import { bootstrapTokenSecret } from './cluster/bootstrap-token.js';
import { toYaml } from './yaml.js';

export interface RenderOptions {
  /** nodes.yaml, as the user wrote the path (diagnostics repeat it); relative to `cwd`. */
  nodesFile: string;
  cwd: string;
  outDir: string;
  stateDir: string;
  target?: Target;
  /** Nodes to reimage: bump their generation (and give them a fresh token when needed). */
  reimage: string[];
  /** Defaults to the kgen-boot bundle built beside kgen. */
  bootBundlePath?: string;
}

export interface RenderDeps {
  now: () => Date;
  random?: (n: number) => Buffer;
}

export interface NodeReport {
  name: string;
  role: NodeSpec['role'];
  init: boolean;
  generation: number;
  userData: Sizes;
}

export interface RenderReport {
  nodes: NodeReport[];
  /** State-relative paths created by this render (first render: the whole state). */
  stateCreated: string[];
  /**
   * Tokens created for reimaged nodes. A running cluster learns them from the Secret manifest written to
   * `manifest` (relative to the output directory): `kubectl apply -f` it with an admin kubeconfig.
   */
  newTokens: Array<{ id: string; forNode: string; expiration: string; manifest: string }>;
  /** Output files of an earlier render that this one no longer writes, removed (relative to the output directory). */
  removed: string[];
  warnings: string[];
  bootSha256: string;
}

/** nodes.yaml did not validate; `diagnostics` holds every problem. */
export class InventoryError extends InvalidInputError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  }
}

export async function render(opts: RenderOptions, deps: RenderDeps): Promise<RenderReport> {
  const { inventory, diagnostics } = loadInventory(opts.nodesFile, { ...diskDeps, cwd: opts.cwd, now: deps.now });
  if (!inventory) throw new InventoryError(diagnostics);
  const warnings = diagnostics.map(formatDiagnostic);
  checkReimageNames(inventory, opts.reimage);

  const bundle = loadBootBundle(opts.bootBundlePath);
  const { bundle: secrets, created } = await loadOrCreateState(opts.stateDir, inventory, { pki: statePki, now: deps.now, random: deps.random });
  const pin = caCertHash(secrets.ca.cert);
  const now = deps.now();

  const generations = readGenerations(opts.stateDir);
  const newTokens = reimageNodes(inventory, secrets, generations, opts.reimage, now, deps.random);
  const clusterToken = secrets.bootstrapTokens[0]!;
  if (!tokenValidAt(clusterToken, now)) {
    warnings.push(
      `the cluster's bootstrap token ${clusterToken.id} expired at ${clusterToken.expiration}: a node that boots from this render can only join with a fresh token; run \`kgen render --reimage NODE\` for the machines you are (re)installing now`,
    );
  }

  warnings.push(...expiryWarnings(clusterCAs(secrets), inventory.cluster.certificates.validityHours, now));

  const externalEtcd = readExternalEtcd(inventory);
  // Tokens made for reimaged nodes reach the running cluster through their manifest, not the init node.
  const perNode = new Set(Object.values(generations).map((g) => g.tokenId));
  const initTokens = secrets.bootstrapTokens.filter((t) => !perNode.has(t.id));
  const planned = inventory.nodes.map((node) => {
    const own = generations[node.name];
    const generation = generationOf(generations, node.name);
    // A reimaged init node finds its cluster already running: it rejoins as a control-plane member.
    const effective: NodeSpec = node.init && generation > 1 ? { ...node, init: false } : node;
    const joinToken = tokenById(secrets, own?.tokenId) ?? clusterToken;
    const config = bootConfigFor({ inventory, node: effective, bundle: secrets, caCertHash: pin, joinToken, generation, initTokens, externalEtcd });
    return { node: effective, generation, artifacts: nodeArtifacts(effective, config, inventory.cluster.boot, bundle, pin) };
  });

  const meter = new SizeMeter();
  const reports: NodeReport[] = planned.map(({ node, generation, artifacts }) => ({
    name: node.name,
    role: node.role,
    init: node.init,
    generation,
    userData: meter.measure(artifacts.userData),
  }));
  if (opts.target) checkTargetLimit(opts.target, reports);

  // Every check passed: persist what --reimage decided, then write the output.
  for (const t of newTokens) addToken(opts.stateDir, t.token);
  if (opts.reimage.length > 0) writeGenerations(opts.stateDir, generations);
  const removed = writeOutput(opts.outDir, inventory, planned.map((p) => p.artifacts), bundle);
  const tokenManifests = newTokens.map((t) => {
    const manifest = `bootstrap-tokens/${t.token.id}.yaml`;
    writeFileAtomic(join(opts.outDir, manifest), toYaml(bootstrapTokenSecret(t.token)), { mode: 0o600 });
    return { id: t.token.id, forNode: t.node, expiration: t.token.expiration, manifest };
  });

  return {
    nodes: reports,
    stateCreated: created,
    newTokens: tokenManifests,
    removed,
    warnings,
    bootSha256: bundle.sha256,
  };
}

function checkReimageNames(inventory: Inventory, names: string[]): void {
  const known = new Set(inventory.nodes.map((n) => n.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new InvalidInputError(`--reimage names ${unknown.map((n) => `"${n}"`).join(', ')}, not in ${inventory.file}; known nodes: ${[...known].join(', ')}`);
  }
}

/**
 * Bumps each reimaged node's generation. When the token the node would join with does not stay valid for
 * its whole discovery window plus an hour, the node gets a fresh token of its own.
 */
function reimageNodes(inventory: Inventory, secrets: SecretsBundle, generations: Generations, names: string[], now: Date, random?: (n: number) => Buffer) {
  const { cluster } = inventory;
  const created: Array<{ node: string; token: BootstrapToken }> = [];
  for (const name of new Set(names)) {
    const entry = { ...(generations[name] ?? { generation: 1 }) };
    entry.generation += 1;
    const current = tokenById(secrets, entry.tokenId) ?? secrets.bootstrapTokens[0]!;
    if (!tokenValidAt(current, now, cluster.boot.discoveryTimeoutSeconds + 3600)) {
      const token = newBootstrapToken({
        now,
        ttlSeconds: cluster.bootstrapToken.ttlSeconds,
        groups: cluster.bootstrapToken.groups,
        description: `kgen: reimage of ${name}`,
        random,
      });
      created.push({ node: name, token });
      secrets.bootstrapTokens.push(token);
      entry.tokenId = token.id;
    }
    generations[name] = entry;
  }
  return created;
}

function tokenById(secrets: SecretsBundle, id: string | undefined): BootstrapToken | undefined {
  return id === undefined ? undefined : secrets.bootstrapTokens.find((t) => t.id === id);
}

function readExternalEtcd({ cluster }: Inventory) {
  const ext = cluster.etcd.external;
  if (!ext) return undefined;
  const read = (p: string) => readFileSync(p, 'utf8');
  return { ca: read(ext.caFile), cert: read(ext.certFile), key: read(ext.keyFile) };
}

export class TargetLimitError extends InvalidInputError {}

function checkTargetLimit(target: Target, reports: NodeReport[]): void {
  const limit = TARGET_LIMITS[target];
  const over = reports.filter((r) => r.userData.raw > limit);
  if (over.length === 0) return;
  const list = over.map((r) => `  ${r.name}: ${r.userData.raw} bytes`).join('\n');
  throw new TargetLimitError(
    `user-data is over ${target}'s limit of ${limit} bytes for ${over.length} node(s):\n${list}\n` +
      'the embedded boot program is most of it: set cluster.boot.delivery to "url" (nodes download it, sha256-pinned) or "baked" (it is in the image)',
  );
}

/**
 * Writes the output tree and removes what an earlier render wrote that this one did not: the seeds of
 * nodes no longer in nodes.yaml (an old init node's user-data holds the CA keys) and of changed MACs or
 * UUIDs, which a static web server would otherwise go on serving. nodes/ is kgen's alone; in pxe/ only
 * node scripts are. Returns the removed paths.
 */
function writeOutput(outDir: string, inventory: Inventory, artifacts: NodeArtifacts[], bundle: BootBundle): string[] {
  const tree = new TreeWriter(outDir);
  const write = (f: OutFile) => (f.linkTo ? tree.link(f.path, f.linkTo) : tree.write(f.path, f.data, { mode: f.mode }));
  for (const a of artifacts) a.files().forEach(write);
  for (const f of pxeFiles(inventory.cluster, inventory.nodes)) write({ ...f, mode: 0o644 });
  write({ path: 'kgen-boot', data: bundle.bytes, mode: 0o755 });
  write({ path: 'kgen-boot.sha256', data: `${bundle.sha256}  kgen-boot\n`, mode: 0o644 });
  const index = inventory.nodes.map((n) => ({ name: n.name, address: n.address, ...(n.mac ? { mac: n.mac } : {}), ...(n.uuid ? { uuid: n.uuid } : {}) }));
  write({ path: 'nodes.json', data: `${JSON.stringify({ nodes: index }, null, 2)}\n`, mode: 0o644 });
  return [...tree.prune('nodes', () => true), ...tree.prune('pxe', (rel) => isNodeIpxeFileName(rel.slice('pxe/'.length)))];
}
