// What the join phases share beyond the node config (model: kubeadm's joinData, cmd/kubeadm/app/cmd/join.go
// TLSBootstrapCfg, which runs discovery lazily and caches it): the discovered cluster, found once per run and
// kept in memory only, so a resumed run (discovery recorded as done) discovers again before it needs the
// result; and an API client authenticated with the bootstrap token against the discovered, pinned CA.
// cluster-info is fetched through BootData's own transport, so dry runs and tests plug in as for every request.
import type { ApiClient, TlsOptions } from '../../cluster/api-client.js';
import { discover, type DiscoveredCluster, type DiscoveryDeps } from '../../cluster/discovery.js';
import type { NodeBootConfig } from '../../contract/config.js';
import type { Host } from '../host.js';
import type { Logger } from '../log.js';

const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

export interface JoinData {
  /** The token's id, the only part of a bootstrap token that may be printed. */
  readonly tokenID: string;
  /** The cluster this node joins, validated against the token and the CA pins (discovery runs at most once per run). */
  discovered(): Promise<DiscoveredCluster>;
  /** A client for the discovered server, trusting only the pinned CA, authenticated as system:bootstrap:<id>. */
  client(): Promise<ApiClient>;
}

interface JoinDeps {
  config: NodeBootConfig;
  host: Host;
  log: Logger;
  clientFor(tls: TlsOptions): ApiClient;
}

/** Token-based discovery's dependencies: BootData's transport, clock, randomness and logger. */
function discoveryDeps({ host, log, clientFor }: JoinDeps): DiscoveryDeps {
  return {
    async fetchClusterInfo(endpoint, ca) {
      const server = endpoint.startsWith('https://') ? endpoint : `https://${endpoint}`;
      const client = clientFor({ server, ca, insecure: ca === undefined, credentials: { kind: 'anonymous' } });
      const res = await client.probe(CLUSTER_INFO_PATH);
      return { status: res.status, body: res.body };
    },
    clock: { now: () => host.clock.now(), sleep: (ms) => host.clock.sleep(ms) },
    random: () => host.random.float(),
    log: (line) => log.info(line),
  };
}

/** A promise made once and made again after a failure (a retry of the phase tries afresh). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (!p) {
      p = make();
      p.catch(() => (p = undefined));
    }
    return p;
  };
}

/** Everything is lazy: an init node never discovers, and creating its JoinData costs nothing. */
export function createJoinData(deps: JoinDeps): JoinData {
  const discovered = once(() => discover(deps.config.discovery, discoveryDeps(deps)));
  return {
    get tokenID() {
      return deps.config.discovery.token.split('.')[0] ?? '';
    },
    discovered,
    client: once(async () => {
      const cluster = await discovered();
      return deps.clientFor({ server: cluster.server, ca: cluster.caCertPem, credentials: { kind: 'token', token: deps.config.discovery.token } });
    }),
  };
}
