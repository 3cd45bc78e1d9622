// BootData: what the runner hands every phase (model: kubeadm's initData, cmd/kubeadm/app/cmd/init.go).
// The node config, the Host (fs, exec, services, clock, randomness; dry-run already applied), the logger,
// and API clients built from kubeconfigs on the node through one injected transport factory, so a
// dry run, a test, or the real HTTPS transport plug in without phases knowing.
// As upstream initData.Client() does, the first admin client makes sure the kubeadm:cluster-admins
// ClusterRoleBinding exists, creating it with super-admin.conf (system:masters) when admin.conf cannot
// (upstream: cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go EnsureAdminClusterRoleBinding), after
// waiting for the apiserver's /livez.
import { ADMIN_KUBECONFIG, CLUSTER_ADMINS_BINDING, SUPER_ADMIN_KUBECONFIG, clusterAdminsBinding, type KubeClusterSpec } from '../../kube/index.js';
import { ApiClient, ApiError, tlsFromKubeconfig, type TlsOptions, type Transport } from '../../cluster/api-client.js';
import type { NodeBootConfig } from '../../contract/config.js';
import { KeyPool } from '../../pki/index.js';
import type { Host } from '../host.js';
import type { Logger } from '../log.js';
import { pollUntil } from '../wait.js';

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
  /** Full names of the phases this invocation runs (phases warm keys for later ones in it). */
  readonly plan: ReadonlySet<string>;
  /** A client for the kubeconfig at this node path (cached). */
  client(kubeconfigPath: string): Promise<ApiClient>;
  /** The admin client (admin.conf), after ensuring the kubeadm:cluster-admins binding exists. */
  admin(): Promise<ApiClient>;
  /** A client for explicit TLS settings (health probes of local components). */
  clientFor(tls: TlsOptions): ApiClient;
}

export interface BootDataOptions {
  config: NodeBootConfig;
  host: Host;
  log: Logger;
  transport: (tls: TlsOptions) => Transport;
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

export function createBootData(options: BootDataOptions): BootData {
  const { host } = options;
  const clients = new Map<string, Promise<ApiClient>>();
  let admin: Promise<ApiClient> | undefined;

  const clientFor = (tls: TlsOptions) =>
    new ApiClient({ server: tls.server, transport: options.transport(tls), clock: host.clock, random: host.random, guessUnknownKinds: options.guessUnknownKinds });

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
    await pollUntil(`kube-apiserver at ${adminClient.server}/livez`, { clock: host.clock, timeoutMs: timeouts.controlPlaneMs, intervalMs: timeouts.pollMs }, async () => {
      const res = await adminClient.probe('/livez');
      if (res.status === 200) return true;
      throw new Error(`/livez answered HTTP ${res.status}`);
    });
    try {
      // admin.conf may already hold the binding (a re-run); reading it needs no extra rights once it exists.
      if (await adminClient.getIfExists('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', CLUSTER_ADMINS_BINDING)) return adminClient;
    } catch (err) {
      // 403 before the binding exists is expected; anything but "forbidden" is a real failure.
      if (!(err instanceof ApiError && err.status === 403)) throw err;
    }
    const superAdmin = await client(SUPER_ADMIN_KUBECONFIG);
    await superAdmin.createOrUpdate(clusterAdminsBinding());
    return adminClient;
  };

  return {
    config: options.config,
    cluster: kubeCluster(options.config),
    host,
    log: options.log,
    timeouts: options.timeouts ?? DEFAULT_TIMEOUTS,
    keys: new KeyPool(options.config.cluster.certificates.keyAlgorithm),
    plan: new Set(options.plan),
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
