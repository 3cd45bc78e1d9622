// BootData: what the runner hands every phase (model: kubeadm's initData, cmd/kubeadm/app/cmd/init.go).
// The node config, the Host (fs, exec, services, clock, randomness; dry-run already applied), the logger,
// and API clients built from kubeconfigs on the node through one injected transport factory, so a
// dry run, a test, or the real HTTPS transport plug in without phases knowing.
// On the init node, as upstream initData.Client() does, the first admin client makes sure the
// kubeadm:cluster-admins ClusterRoleBinding exists, creating it with super-admin.conf (system:masters) when
// admin.conf cannot (upstream: cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go EnsureAdminClusterRoleBinding),
// after waiting for the apiserver's /livez. A joining node has no super-admin.conf (kubeadm join writes none)
// and the binding exists since init: its admin client is admin.conf as it is (upstream joinData.Client()).
// Every client reports its retries and reconnects to the log, so a wait on the API server is never silent.
// BootData also carries what several phases share, typed: this node's certificate list (kubeadm's table
// filled in for this node), the join data (discovery and the bootstrap-token client, src/boot/node/join.ts),
// and the key pre-generation for the planned phases (src/boot/node/keys.ts).
import { ADMIN_KUBECONFIG, CLUSTER_ADMINS_BINDING, SUPER_ADMIN_KUBECONFIG, clusterAdminsBinding, type KubeClusterSpec } from '../kube/index.js';
import { ApiClient, ApiError, tlsFromKubeconfig, type TlsOptions, type Transport } from '../cluster/api-client.js';
import type { NodeBootConfig } from '../contract/config.js';
import { nodeRole } from './node-config.js';
import { KeyPool, kubeadmCertList, type KubeadmCertSpec } from '../pki/index.js';
import type { Host } from './host.js';
import type { Logger } from './log.js';
import { pollUntil } from './wait.js';
import { createJoinData, type JoinData } from './node/join.js';
import { plannedKeyCount } from './node/keys.js';

export interface Timeouts {
  /** How long wait-control-plane waits for the kubelet and each component (kubeadm: 4m). */
  controlPlaneMs: number;
  /** How long phases wait for an object another component creates (the Node object). */
  apiObjectMs: number;
  /** Interval between health polls. */
  pollMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { controlPlaneMs: 240_000, apiObjectMs: 240_000, pollMs: 1000 };

export interface BootData {
  readonly config: NodeBootConfig;
  /** The cluster as src/kube's builders take it (etcd narrowed to local or external). */
  readonly cluster: KubeClusterSpec;
  readonly host: Host;
  readonly log: Logger;
  readonly timeouts: Timeouts;
  /** Key pairs for the certificates this node issues, generated ahead by phases that issue several. */
  readonly keys: KeyPool;
  /** Full names of the phases this invocation runs (warmKeys looks ahead over them). */
  readonly plan: ReadonlySet<string>;
  /** Discovery and the bootstrap-token client, for joining nodes. */
  readonly join: JoinData;
  /** kubeadm's leaf certificates for this node (src/pki/certlist.ts), in kubeadm's order. */
  certSpecs(): readonly KubeadmCertSpec[];
  /** One of certSpecs() by kubeadm's name ("apiserver"). */
  certSpec(name: string): KubeadmCertSpec;
  /** Starts generating every key the planned certs and kubeconfig phases will take (src/boot/node/keys.ts). */
  warmKeys(): Promise<void>;
  /** A client for the kubeconfig at this node path (cached). */
  client(kubeconfigPath: string): Promise<ApiClient>;
  /** The admin client (admin.conf), after ensuring the kubeadm:cluster-admins binding exists. */
  admin(): Promise<ApiClient>;
  /** A client for explicit TLS settings (health probes of local components, discovery); one per settings. */
  clientFor(tls: TlsOptions): ApiClient;
}

export interface BootDataOptions {
  config: NodeBootConfig;
  host: Host;
  log: Logger;
  /** Builds the transport for a server; `log` receives its reconnects. */
  transport: (tls: TlsOptions, log?: (message: string) => void) => Transport;
  timeouts?: Timeouts;
  /** Unknown kinds mapped without discovery (dry runs). */
  guessUnknownKinds?: boolean;
  /** See BootData.plan; default none. */
  plan?: Iterable<string>;
}

/** node.yaml's cluster with etcd narrowed for src/kube (node-config checked one of the two is present). */
export function kubeCluster(config: NodeBootConfig): KubeClusterSpec {
  const { etcd, ...rest } = config.cluster;
  if ('local' in etcd && etcd.local) return { ...rest, etcd: { local: etcd.local } };
  if ('external' in etcd) return { ...rest, etcd: { external: etcd.external } };
  throw new Error('node.yaml cluster.etcd has neither local nor external; re-render with kgen');
}

export const isLocalEtcd = (d: BootData): boolean => 'local' in d.config.cluster.etcd;
export const isControlPlane = (d: BootData): boolean => d.config.node.role === 'control-plane';

export function createBootData(options: BootDataOptions): BootData {
  const { host } = options;
  const clients = new Map<string, Promise<ApiClient>>();
  let admin: Promise<ApiClient> | undefined;

  const apiLog = (message: string) => options.log.phase('apiclient', message);
  // One client, so one connection, per server and credentials for the whole run, whichever phase asks.
  const byTls = new Map<string, ApiClient>();
  const clientFor = (tls: TlsOptions) => {
    const key = JSON.stringify([tls.server, tls.ca, tls.insecure, tls.credentials]);
    let c = byTls.get(key);
    if (!c) {
      c = new ApiClient({
        server: tls.server,
        transport: options.transport(tls, apiLog),
        clock: host.clock,
        random: host.random,
        onRetry: apiLog,
        guessUnknownKinds: options.guessUnknownKinds,
      });
      byTls.set(key, c);
    }
    return c;
  };

  const client = (path: string) => {
    let c = clients.get(path);
    if (!c) {
      c = host
        .readTextIfExists(path)
        .then(async (text) => {
          if (text === undefined) throw new Error(`${path} does not exist; expected the kubeconfig phase to have written it (run \`kgen-boot phase kubeconfig\`)`);
          return clientFor(await tlsFromKubeconfig(text, path, (p) => host.readText(p)));
        });
      c.catch(() => clients.delete(path));
      clients.set(path, c);
    }
    return c;
  };

  const ensureClusterAdmins = async (): Promise<ApiClient> => {
    const adminClient = await client(ADMIN_KUBECONFIG);
    // After a reboot the phases that follow wait-control-plane resume while the apiserver may still be
    // starting: wait for it here rather than fail on the first request.
    const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    const progress = apiLog;
    await pollUntil(`kube-apiserver at ${adminClient.server}/livez`, { clock: host.clock, timeoutMs: timeouts.controlPlaneMs, intervalMs: timeouts.pollMs, progress }, async () => {
      const res = await adminClient.probe('/livez');
      if (res.status === 200) return true;
      throw new Error(`/livez answered HTTP ${res.status}`);
    });
    if (nodeRole(options.config) !== 'init') return adminClient;
    try {
      // admin.conf may already hold the binding (a re-run); reading it needs no extra rights once it exists,
      // and 403 means it does not exist yet (kubeadm stops on Forbidden too), not a server still starting.
      const binding = await adminClient.getIfExists('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', CLUSTER_ADMINS_BINDING, undefined, { forbiddenIsFinal: true });
      if (binding) return adminClient;
    } catch (err) {
      // 403 before the binding exists is expected; anything but "forbidden" is a real failure.
      if (!(err instanceof ApiError && err.status === 403)) throw err;
    }
    const superAdmin = await client(SUPER_ADMIN_KUBECONFIG);
    await superAdmin.createOrUpdate(clusterAdminsBinding());
    return adminClient;
  };

  // The list depends only on node.yaml: built on first use, once per run.
  let certList: KubeadmCertSpec[] | undefined;
  const certSpecs = () => {
    const { node, cluster } = options.config;
    certList ??= kubeadmCertList({ nodeName: node.name, advertiseAddress: node.address, localEtcd: 'local' in cluster.etcd, cluster });
    return certList;
  };

  return {
    config: options.config,
    cluster: kubeCluster(options.config),
    host,
    log: options.log,
    timeouts: options.timeouts ?? DEFAULT_TIMEOUTS,
    keys: new KeyPool(options.config.cluster.certificates.keyAlgorithm),
    plan: new Set(options.plan),
    join: createJoinData({ config: options.config, host, log: options.log, clientFor }),
    certSpecs,
    certSpec(name) {
      const spec = certSpecs().find((s) => s.name === name);
      if (!spec) throw new Error(`kubeadm's certificate list has no "${name}" for this cluster`);
      return spec;
    },
    // A method on `this`, so a copy of the data with another key pool (tests) warms that pool.
    async warmKeys() {
      this.keys.warm(await plannedKeyCount(this));
    },
    client,
    clientFor,
    admin() {
      if (!admin) {
        admin = ensureClusterAdmins();
        admin.catch(() => (admin = undefined));
      }
      return admin;
    },
  };
}
