// How an operator command reaches the running cluster, from the workstation that holds the inventory and the
// state: with `--kubeconfig FILE` (any kubeconfig kubectl would take), or by default with a short-lived admin
// client certificate minted from the state's cluster CA, for the inventory's controlPlaneEndpoint (the same
// identity as kubeadm's admin.conf: CN=kubernetes-admin, O=kubeadm:cluster-admins). Nothing is written: the
// credential lives in memory for the command's run. Before any call, one unauthenticated-safe GET of /readyz
// tells "unreachable" (exit 1, naming the endpoint, the cause and what to check) from everything else.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CliIO } from '../command/command.js';
import { ApiClient, ApiError, describeConnectionError, tlsFromKubeconfig, type RetryPolicy, type TlsOptions } from '../cluster/api-client.js';
import { httpsTransport } from '../cluster/https-transport.js';
import { realClock, realRandom } from '../clock.js';
import { InvalidInputError } from '../errors.js';
import { diskDeps, loadInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/types.js';
import { apiServerURL, createCertAndKey, kubeadmKubeconfigSpecs, type KubeconfigSpec } from '../pki/index.js';
import { InventoryError } from '../render.js';
import { readOperatorState, type OperatorState } from '../secrets/read-state.js';
import type { CertKeyPair } from '../pki/types.js';

/** parseFlags options shared by every operator command. */
export const SITE_FLAGS = {
  nodes: { type: 'string', default: 'nodes.yaml' },
  state: { type: 'string' },
} as const;
export const ACCESS_FLAGS = { ...SITE_FLAGS, kubeconfig: { type: 'string' } } as const;

export const SITE_HELP = [
  '  --nodes FILE       the inventory (default: nodes.yaml)',
  '  --state DIR        cluster secrets directory (default: .kgen beside the inventory); only read',
];
export const ACCESS_HELP = [
  ...SITE_HELP,
  '  --kubeconfig FILE  talk to the cluster with this kubeconfig; default: a short-lived admin certificate',
  '                     minted from the state for the inventory\'s controlPlaneEndpoint (nothing is written)',
];

/** An operator command's calls give up sooner than a booting node's: a person is waiting. */
const OPERATOR_RETRY: RetryPolicy = { budgetMs: 15_000, baseMs: 250, maxMs: 1000 };
/** Lifetime of the in-memory admin certificate an operator command talks with. */
export const ACCESS_CREDENTIAL_HOURS = 1;

/** The inventory and the state it belongs to, read only. */
export interface OperatorSite {
  inventory: Inventory;
  state: OperatorState;
  /** https URL of the control-plane endpoint. */
  server: string;
}

export function loadSite(flags: { nodes: string; state?: string }, io: CliIO, now: Date): OperatorSite {
  const { inventory, diagnostics } = loadInventory(flags.nodes, { ...diskDeps, cwd: io.cwd, now: () => now });
  if (!inventory) throw new InventoryError(diagnostics);
  const stateDir = resolve(io.cwd, flags.state ?? join(dirname(flags.nodes), '.kgen'));
  const { host, port } = inventory.cluster.controlPlaneEndpoint;
  return { inventory, state: readOperatorState(stateDir, inventory.cluster.name), server: apiServerURL(host, port) };
}

/** kubeadm's admin.conf identity for this cluster (CN=kubernetes-admin, O=kubeadm:cluster-admins). */
export function adminSpec(site: OperatorSite): KubeconfigSpec {
  const init = site.inventory.nodes.find((n) => n.init)!;
  const { controlPlaneEndpoint, kubernetesVersion } = site.inventory.cluster;
  return kubeadmKubeconfigSpecs({ nodeName: init.name, advertiseAddress: init.address, controlPlaneEndpoint, kubernetesVersion }, ['admin.conf'])[0]!;
}

/** A client certificate and key signed by `issuer` (default: the state's cluster CA), valid for `validityHours`. */
export function mintClientCertificate(
  site: OperatorSite,
  subject: { commonName: string; organizations: string[] },
  validityHours: number,
  now: Date,
  issuer: CertKeyPair = site.state.ca,
): Promise<CertKeyPair> {
  const { keyAlgorithm } = site.inventory.cluster.certificates;
  return createCertAndKey({ ...subject, usages: ['clientAuth'], algorithm: keyAlgorithm, validityHours }, issuer, { now });
}

/** The cluster could not be reached at all: a user-side problem (exit 1). */
export class ClusterUnreachableError extends InvalidInputError {}

export interface ClusterAccess {
  client: ApiClient;
  /** How the command authenticated, for messages: "kubeconfig FILE" or "admin certificate from DIR". */
  via: string;
  server: string;
  /** PEM CA bundle the server is verified against (its pin goes into join commands). */
  caPem?: string;
  /** The site, when the access was derived from the inventory and state (absent with --kubeconfig). */
  site?: OperatorSite;
}

/** Connects as the flags say and checks that the API server answers; `loaded` saves reading the site twice. */
export async function connectCluster(
  flags: { nodes: string; state?: string; kubeconfig?: string },
  io: CliIO,
  now: Date = realClock.now(),
  loaded?: OperatorSite,
): Promise<ClusterAccess> {
  let tls: TlsOptions;
  let site: OperatorSite | undefined;
  let via: string;
  if (flags.kubeconfig !== undefined) {
    const path = resolve(io.cwd, flags.kubeconfig);
    const read = (p: string) => {
      try {
        return readFileSync(resolve(dirname(path), p), 'utf8');
      } catch (err) {
        throw new InvalidInputError(`cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check --kubeconfig`);
      }
    };
    try {
      tls = await tlsFromKubeconfig(read(path), flags.kubeconfig, async (p) => read(p));
    } catch (err) {
      if (err instanceof InvalidInputError) throw err;
      throw new InvalidInputError((err as Error).message, { cause: err });
    }
    via = `kubeconfig ${flags.kubeconfig}`;
  } else {
    site = loaded ?? loadSite(flags, io, now);
    const spec = adminSpec(site);
    const credential = await mintClientCertificate(site, { commonName: spec.clientName, organizations: spec.organizations }, ACCESS_CREDENTIAL_HOURS, now);
    tls = { server: site.server, ca: site.state.ca.cert, credentials: { kind: 'certificate', ...credential } };
    via = `admin certificate from ${site.state.dir}`;
  }
  const transport = httpsTransport(tls);
  const client = new ApiClient({ server: tls.server, transport, clock: realClock, random: realRandom, retry: OPERATOR_RETRY, onRetry: (m) => io.stderr(`${m}\n`) });
  try {
    await client.probe('/readyz');
  } catch (err) {
    throw new ClusterUnreachableError(
      `cannot reach the cluster at ${tls.server} (with the ${via}): ${describeConnectionError(err)}; ` +
        'check that the control-plane endpoint is up and reachable from this machine (load balancer, firewall, routes) ' +
        `and that its certificate is signed by the cluster CA${flags.kubeconfig === undefined ? ', or pass --kubeconfig FILE' : ''}`,
    );
  }
  return { client, via, server: tls.server, caPem: tls.ca, site };
}

/**
 * Runs the command's API work; the API server refusing the credential (401) or its rights (403) is the
 * operator's to fix (exit 1), not a kgen failure.
 */
export async function withRights<T>(access: ClusterAccess, work: (client: ApiClient) => Promise<T>): Promise<T> {
  try {
    return await work(access.client);
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
    throw new InvalidInputError(
      `${err.message}\nthe API server at ${access.server} refused the ${access.via}; check that its user is bound to a role that allows this (kubeadm's admin: \`kgen kubeconfig admin\`)`,
    );
  }
}
