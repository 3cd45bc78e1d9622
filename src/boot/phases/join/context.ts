// What the join phases share beyond BootData (model: kubeadm's joinData, cmd/kubeadm/app/cmd/join.go
// TLSBootstrapCfg, which runs discovery lazily and caches it): the discovered cluster, found once per run and
// kept in memory only, so a resumed run (discovery recorded as done) discovers again before it needs the
// result; and an API client authenticated with the bootstrap token against the discovered, pinned CA.
// cluster-info is fetched through BootData's own transport, so dry runs and tests plug in as for every request.
import { CERTIFICATES_DIR, PKI, pkiPath } from '../../../kube/index.js';
import type { CertKeyPair } from '../../../pki/types.js';
import type { ApiClient } from '../../../cluster/api-client.js';
import { discover, type DiscoveredCluster, type DiscoveryDeps } from '../../../cluster/discovery.js';
import type { BootData } from '../data.js';

const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

const discoveries = new WeakMap<BootData, Promise<DiscoveredCluster>>();
const tokenClients = new WeakMap<BootData, Promise<ApiClient>>();

/** Token-based discovery's dependencies on top of BootData: its transport, clock, randomness and logger. */
export function discoveryDeps(data: BootData): DiscoveryDeps {
  const { host, log } = data;
  return {
    async fetchClusterInfo(endpoint, ca) {
      const server = endpoint.startsWith('https://') ? endpoint : `https://${endpoint}`;
      const client = data.clientFor({ server, ca, insecure: ca === undefined, credentials: { kind: 'anonymous' } });
      const res = await client.probe(CLUSTER_INFO_PATH);
      return { status: res.status, body: res.body };
    },
    clock: { now: () => host.clock.now(), sleep: (ms) => host.clock.sleep(ms) },
    random: () => host.random.float(),
    log: (line) => log.info(line),
  };
}

/** The cluster this node joins, validated against the token and the CA pins (discovery runs at most once per run). */
export function discovered(data: BootData): Promise<DiscoveredCluster> {
  let d = discoveries.get(data);
  if (!d) {
    d = discover(data.config.discovery, discoveryDeps(data));
    d.catch(() => discoveries.delete(data));
    discoveries.set(data, d);
  }
  return d;
}

/** The token's id, the only part of a bootstrap token that may be printed. */
export function tokenID(data: BootData): string {
  return data.config.discovery.token.split('.')[0] ?? '';
}

/** A client for the discovered server, trusting only the pinned CA, authenticated as system:bootstrap:<id>. */
export function bootstrapClient(data: BootData): Promise<ApiClient> {
  let c = tokenClients.get(data);
  if (!c) {
    c = discovered(data).then((cluster) =>
      data.clientFor({ server: cluster.server, ca: cluster.caCertPem, credentials: { kind: 'token', token: data.config.discovery.token } }),
    );
    c.catch(() => tokenClients.delete(data));
    tokenClients.set(data, c);
  }
  return c;
}

export const isControlPlane = (d: BootData): boolean => d.config.node.role === 'control-plane';
export const isLocalEtcd = (d: BootData): boolean => 'local' in d.config.cluster.etcd;

/** A CA key pair downloaded into /etc/kubernetes/pki by download-certs. */
export async function caFromDisk(data: BootData, cert: string, key: string): Promise<CertKeyPair> {
  const [c, k] = [await data.host.readTextIfExists(pkiPath(cert)), await data.host.readTextIfExists(pkiPath(key))];
  if (c === undefined || k === undefined) {
    throw new Error(`${pkiPath(cert)} or its key is missing under ${CERTIFICATES_DIR}; expected control-plane-prepare/download-certs to have written it (run \`kgen-boot phase control-plane-prepare/download-certs\`)`);
  }
  return { cert: c, key: k };
}

export const CA_FILES = {
  ca: [PKI.caCert, PKI.caKey],
  'front-proxy-ca': [PKI.frontProxyCACert, PKI.frontProxyCAKey],
  'etcd-ca': [PKI.etcdCACert, PKI.etcdCAKey],
} as const;
