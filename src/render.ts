// `kgen render` as a function: inventory -> secrets state -> per-node boot configs -> files.
// Order matters for "nothing is lost": the inventory, the places (the state is not inside --out, which is
// served; the inventory is not inside the trees render writes and prunes) and an existing state are
// checked before anything is written. The state is one transaction (src/secrets/state.ts): a new one is
// built beside its place and renamed into it, additions are staged, and it is committed only after every
// node passed the size check and the output was written; any failure or SIGINT/SIGTERM before that
// discards it, so afterwards either the previous state is intact or (first render) there is none. Output
// files are written atomically, one node at a time so memory stays flat for large fleets, and recorded in
// nodes.json: the next render removes only files this record lists (src/output-tree.ts). Every side effect
// goes through the operator's door (src/operator-host.ts).
import { join, relative, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Arch, Inventory, NodeSpec } from './inventory/types.js';
import { formatDiagnostic, type Diagnostic } from './inventory/types.js';
import { diskDeps, loadInventory } from './inventory/load.js';
import type { BootstrapToken, SecretsBundle } from './secrets/types.js';
import { openState, type StateTransaction } from './secrets/state.js';
import { statePki } from './secrets/pki-port.js';
import { generationOf, type Generations } from './secrets/generations.js';
import { newBootstrapToken, tokenValidAt } from './secrets/tokens.js';
import { bootConfigFor } from './secrets/for-role.js';
import { caCertHash } from './pki/pin.js';
import { clusterCAs, expiryWarnings } from './pki/expiration.js';
import { InvalidInputError, throwIfInterrupted } from './errors.js';
import { OutputTree, isTreePath } from './output-tree.js';
import { realOperatorHost, type OperatorHost } from './operator-host.js';
import { BOOT_DIR, BOOT_SHA256SUMS, loadBootBundle, loadBootExecutables, sha256sumLines, type BootBundle, type BootFile } from '../generators/boot-bundle.js';
import { nodeArtifacts, type NodeArtifacts, type OutFile } from '../generators/node-artifacts.js';
import { SizeMeter, TARGET_LIMITS, type Sizes, type Target } from '../generators/sizes.js';
import { pxeFiles } from '../generators/pxe.js';
import { bootstrapTokenSecret } from './cluster/bootstrap-token.js';
import { toYaml } from './yaml.js';
import { describeViolations, planNodeVersions, type NodeVersion, type NodeVersionReason } from './upgrade/node-version.js';
import { clusterVersion } from './upgrade/skew.js';
import type { RecordedVersions } from './secrets/versions.js';

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
  /** Where kgen-boot-linux-<arch> are (delivery url); defaults to the build directory beside kgen. */
  bootExecutablesDir?: string;
}

export interface RenderDeps {
  host?: OperatorHost;
  /** SIGINT/SIGTERM: the render stops at the next safe point, discards the state transaction, exit 130/143. */
  signal?: AbortSignal;
}

export interface NodeReport {
  name: string;
  role: NodeSpec['role'];
  init: boolean;
  generation: number;
  /** The Kubernetes version this node is rendered at, and why (src/upgrade/node-version.ts). */
  kubernetesVersion: string;
  versionReason: NodeVersionReason;
  userData: Sizes;
}

export interface RenderReport {
  /** The inventory's cluster.kubernetesVersion: the target of a rollout. */
  kubernetesVersion: string;
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
  /** The boot program files written to DIR/boot/ (the module, and the executables nodes download). */
  bootFiles: Array<{ name: string; sha256: string }>;
}

/** nodes.yaml did not validate; `diagnostics` holds every problem. */
export class InventoryError extends InvalidInputError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  }
}

/** A new kubernetesVersion the fleet cannot move to under the version skew policy; nothing was written. */
export class SkewPolicyError extends InvalidInputError {}

export async function render(opts: RenderOptions, deps: RenderDeps = {}): Promise<RenderReport> {
  const host = deps.host ?? realOperatorHost;
  const now = host.clock.now();
  const { inventory, diagnostics } = loadInventory(opts.nodesFile, { ...diskDeps, cwd: opts.cwd, now: () => now });
  if (!inventory) throw new InventoryError(diagnostics);
  const warnings = diagnostics.map(formatDiagnostic);
  checkReimageNames(inventory, opts.reimage);
  checkPlaces(opts, inventory, host);
  const programs = loadPrograms(inventory, opts);
  throwIfInterrupted(deps.signal);

  const previous = previousRecord(opts.outDir, host);
  const state = await openState(opts.stateDir, inventory, { pki: statePki, host });
  const tree = new OutputTree(opts.outDir, host.fs);
  try {
    let report: RenderReport;
    try {
      report = await renderWith(state, tree, inventory, programs, opts, host, deps.signal);
      // The commit point: the state first (a failure after it leaves output that the next render completes).
      state.commit();
    } catch (err) {
      state.discard();
      throw err;
    }
    tree.commit();
    const removed = tree.prune(previous);
    writeRecord(opts.outDir, inventory, tree, host);
    return { ...report, removed, warnings: [...warnings, ...state.warnings, ...report.warnings] };
  } finally {
    tree.discard();
    state.close();
  }
}

/** The boot program in the forms this inventory's nodes get: the module, and for delivery url each arch's executable. */
interface BootPrograms {
  module: BootBundle;
  executables: Map<Arch, BootFile>;
}

function loadPrograms(inventory: Inventory, opts: RenderOptions): BootPrograms {
  const module = loadBootBundle(opts.bootBundlePath);
  const arches = inventory.cluster.boot.delivery === 'url' ? new Set(inventory.nodes.map((n) => n.arch)) : [];
  return { module, executables: loadBootExecutables(arches, opts.bootExecutablesDir) };
}

/** Plans every node, checks sizes, stages the state's additions and the output (nothing visible changes). */
async function renderWith(state: StateTransaction, tree: OutputTree, inventory: Inventory, programs: BootPrograms, opts: RenderOptions, host: OperatorHost, signal?: AbortSignal): Promise<RenderReport> {
  const versions = nodeVersions(inventory, state.versions, opts.reimage);
  const secrets = state.bundle;
  const warnings: string[] = [];
  const pin = caCertHash(secrets.ca.cert);
  const now = host.clock.now();
  const generations = { ...state.generations };
  const newTokens = reimageNodes(inventory, secrets, generations, opts.reimage, now, (n) => host.random.bytes(n));
  const clusterToken = secrets.bootstrapTokens[0]!;
  if (!tokenValidAt(clusterToken, now)) {
    warnings.push(
      `the cluster's bootstrap token ${clusterToken.id} expired at ${clusterToken.expiration}: a node that boots from this render can only join with a fresh token; run \`kgen render --reimage NODE\` for the machines you are (re)installing now`,
    );
  }

  warnings.push(...expiryWarnings(clusterCAs(secrets), inventory.cluster.certificates.validityHours, now));

  const externalEtcd = readExternalEtcd(inventory, host);
  // Tokens made for reimaged nodes reach the running cluster through their manifest, not the init node.
  const perNode = new Set(Object.values(generations).map((g) => g.tokenId));
  const initTokens = secrets.bootstrapTokens.filter((t) => !perNode.has(t.id));
  const planned = inventory.nodes.map((node, i) => {
    const { version: kubernetesVersion, reason: versionReason } = versions[i]!;
    const own = generations[node.name];
    const generation = generationOf(generations, node.name);
    // A reimaged init node finds its cluster already running: it rejoins as a control-plane member.
    const effective: NodeSpec = node.init && generation > 1 ? { ...node, init: false } : node;
    const joinToken = tokenById(secrets, own?.tokenId) ?? clusterToken;
    const config = bootConfigFor({ inventory, node: effective, kubernetesVersion, bundle: secrets, caCertHash: pin, joinToken, generation, initTokens, externalEtcd });
    const program = { module: programs.module, executable: programs.executables.get(node.arch) };
    return { node: effective, generation, kubernetesVersion, versionReason, artifacts: nodeArtifacts(effective, config, inventory.cluster, program, pin) };
  });

  const meter = new SizeMeter();
  const reports: NodeReport[] = planned.map(({ node, generation, kubernetesVersion, versionReason, artifacts }) => ({
    name: node.name,
    role: node.role,
    init: node.init,
    generation,
    kubernetesVersion,
    versionReason,
    userData: meter.measure(artifacts.userData),
  }));
  if (opts.target) checkTargetLimit(opts.target, reports);

  // Every check passed: stage what --reimage decided (committed after the output), then write the output.
  for (const t of newTokens) state.addToken(t.token);
  if (opts.reimage.length > 0) state.setGenerations(generations);
  state.setVersions(recordOf(inventory, versions));
  const bootFiles = [programs.module, ...programs.executables.values()];
  await stageOutput(tree, inventory, planned.map((p) => p.artifacts), bootFiles, signal);
  const tokenManifests = newTokens.map((t) => {
    const manifest = `bootstrap-tokens/${t.token.id}.yaml`;
    // Kept until the operator removes it: the next render does not prune it.
    tree.write(manifest, toYaml(bootstrapTokenSecret(t.token)), { mode: 0o600, unrecorded: true });
    return { id: t.token.id, forNode: t.node, expiration: t.token.expiration, manifest };
  });

  return {
    kubernetesVersion: inventory.cluster.kubernetesVersion,
    nodes: reports,
    stateCreated: state.created,
    newTokens: tokenManifests,
    removed: [],
    warnings,
    bootFiles: bootFiles.map(({ name, sha256 }) => ({ name, sha256 })),
  };
}

/**
 * The version each node is rendered at (in inventory order), from what the state recorded and the inventory's
 * target; a move the version skew policy forbids is refused before anything is staged.
 */
export function nodeVersions(inventory: Inventory, recorded: RecordedVersions | undefined, reimage: string[]): NodeVersion[] {
  const target = inventory.cluster.kubernetesVersion;
  const inputs = inventory.nodes.map((n) => ({ name: n.name, role: n.role, recorded: recorded?.nodes[n.name], reimaged: reimage.includes(n.name) }));
  const { nodes, violations } = planNodeVersions(inputs, target);
  if (violations.length > 0) {
    const from = recorded ? `the cluster's ${recorded.clusterVersion}` : 'the recorded versions';
    throw new SkewPolicyError(`${inventory.file}: cluster.kubernetesVersion ${target} cannot be rendered from ${from}; nothing was written:\n${describeViolations(violations)}`);
  }
  return nodes;
}

/** versions.yaml for this render: every inventory node's version, and the oldest control-plane node's. */
function recordOf(inventory: Inventory, versions: NodeVersion[]): RecordedVersions {
  const controlPlane = versions.filter((_, i) => inventory.nodes[i]!.role === 'control-plane');
  const oldest = clusterVersion(controlPlane.map((v) => ({ component: 'kube-apiserver', node: v.name, version: v.version })));
  return { clusterVersion: oldest ?? inventory.cluster.kubernetesVersion, nodes: Object.fromEntries(versions.map((v) => [v.name, v.version])) };
}

/** The trees of --out that render writes into (and prunes). */
const PRUNED_TREES = ['nodes', 'pxe', BOOT_DIR];

/**
 * Refuses, before anything is written, a state directory inside --out (or --out inside the state): --out is
 * what a web server hands to machines; and an inventory inside a tree render writes and prunes.
 */
function checkPlaces(opts: RenderOptions, inventory: Inventory, host: OperatorHost): void {
  const out = host.fs.realpath(opts.outDir);
  const state = host.fs.realpath(opts.stateDir);
  const within = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);
  if (within(state, out)) {
    throw new InvalidInputError(
      `the state directory ${opts.stateDir} is inside the output directory ${opts.outDir}, which is served to machines; keep the cluster secrets outside it (--state DIR)`,
    );
  }
  if (within(out, state)) {
    throw new InvalidInputError(`the output directory ${opts.outDir} is inside the state directory ${opts.stateDir}; choose an --out outside it`);
  }
  const file = host.fs.realpath(inventory.file);
  for (const tree of PRUNED_TREES) {
    if (within(file, join(out, tree))) {
      throw new InvalidInputError(
        `the inventory ${opts.nodesFile} is inside ${join(opts.outDir, tree)}, which kgen render writes and prunes; move it out (e.g. beside ${relative(opts.cwd, opts.outDir) || '.'})`,
      );
    }
  }
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

function readExternalEtcd({ cluster }: Inventory, host: OperatorHost) {
  const ext = cluster.etcd.external;
  if (!ext) return undefined;
  const read = (p: string) => host.fs.readFile(p).toString('utf8');
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
 * Stages the output tree. After the commit, the files the previous render recorded as written and this one
 * did not are removed: the seeds of nodes no longer in nodes.yaml (an old init node's user-data holds the CA
 * keys) and of changed MACs or UUIDs, which a static web server would otherwise go on serving. Nothing else
 * below --out is touched. Yields between nodes so SIGINT/SIGTERM are seen.
 */
async function stageOutput(tree: OutputTree, inventory: Inventory, artifacts: NodeArtifacts[], bootFiles: BootFile[], signal?: AbortSignal): Promise<void> {
  const write = (f: OutFile) => (f.linkTo ? tree.link(f.path, f.linkTo) : tree.write(f.path, f.data, { mode: f.mode }));
  for (const a of artifacts) {
    await nextTurn();
    throwIfInterrupted(signal);
    a.files().forEach(write);
  }
  for (const f of pxeFiles(inventory.cluster, inventory.nodes)) write({ ...f, mode: 0o644 });
  // DIR/boot/: what delivery url downloads (kgen serve answers it to anyone: nothing in it is secret).
  for (const f of bootFiles) write({ path: `${BOOT_DIR}/${f.name}`, data: f.bytes, mode: 0o755 });
  write({ path: `${BOOT_DIR}/${BOOT_SHA256SUMS}`, data: sha256sumLines(bootFiles), mode: 0o644 });
  await nextTurn();
  throwIfInterrupted(signal);
}

/** nodes.json, written last: the node index `kgen serve` reads and the record of what this render wrote. */
function writeRecord(outDir: string, inventory: Inventory, tree: OutputTree, host: OperatorHost): void {
  const index = inventory.nodes.map((n) => ({ name: n.name, address: n.address, ...(n.mac ? { mac: n.mac } : {}), ...(n.uuid ? { uuid: n.uuid } : {}) }));
  const record: OutputRecord = { nodes: index, written: tree.record() };
  host.fs.writeAtomic(join(outDir, NODES_JSON), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
}

const NODES_JSON = 'nodes.json';

/** DIR/nodes.json: the node index `kgen serve` reads and the files this render wrote. */
interface OutputRecord {
  nodes: Array<{ name: string; address: string; mac?: string; uuid?: string }>;
  written: string[];
}

/** What the previous render recorded as written; nothing when there is no usable record. */
function previousRecord(outDir: string, host: OperatorHost): string[] {
  if (!host.fs.lstat(join(outDir, NODES_JSON))?.isFile()) return [];
  try {
    const written = (JSON.parse(host.fs.readFile(join(outDir, NODES_JSON)).toString('utf8')) as Partial<OutputRecord>).written;
    return Array.isArray(written) ? written.filter(isTreePath) : [];
  } catch {
    return [];
  }
}
