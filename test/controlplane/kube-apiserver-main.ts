// Test kube-apiserver: started by the test kubelet from the kube-apiserver static pod manifest kubeadm
// (and kgen) writes, with that manifest's flags (cmd/kubeadm/app/phases/controlplane/manifests.go
// getAPIServerCommand). Unknown flags and unreadable files are startup errors, as for the real binary.
// State lives in the etcd cluster given by --etcd-servers; see apiserver.ts for what is served.
//
//   node build/test/kube-apiserver.mjs --advertise-address=10.0.0.10 --secure-port=6443 \
//     --tls-cert-file=... --tls-private-key-file=... --client-ca-file=... --etcd-servers=https://127.0.0.1:2379 \
//     --etcd-cafile=... --etcd-certfile=... --etcd-keyfile=... --authorization-mode=Node,RBAC ...
//
// The reported /version is v1.32.0 unless KGEN_TEST_KUBE_VERSION names another (the real binary's
// version comes from its image; the test kubelet may pass the manifest's image tag this way).
import { readFileSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { createApiServer } from './apiserver.js';
import { Authenticator } from './authn.js';
import { AUTHORIZATION_MODES, type AuthorizationMode, Authorizer, storePolicySource } from './authz.js';
import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, NAMESPACE_ROLE_BINDINGS, NAMESPACE_ROLES, SYSTEM_NAMESPACES } from './bootstrap-policy.js';
import { EncryptionConfigError, identity, loadEncryptionConfig } from './encryption.js';
import { EtcdClient } from './etcd.js';
import { FlagError, parseFlags, type FlagSpecs } from './flags.js';
import { findResource, type ResourceInfo } from './resources.js';
import { Rest } from './rest.js';
import { publicKeysFromPem, TokenIssuer } from './sa-token.js';
import { parseServiceRange } from './service-ip.js';
import { ApiError } from './status.js';
import { type KubeObject, Store } from './store.js';

const S = { kind: 'string' } as const;
const B = { kind: 'bool' } as const;

/** kube-apiserver flags this program accepts: those it implements and those it accepts without effect. */
const FLAGS: FlagSpecs = {
  'advertise-address': S,
  'secure-port': { kind: 'int', default: '6443' },
  'bind-address': { kind: 'string', default: '0.0.0.0' },
  'tls-cert-file': S,
  'tls-private-key-file': S,
  'client-ca-file': S,
  'etcd-servers': { kind: 'list' },
  'etcd-cafile': S,
  'etcd-certfile': S,
  'etcd-keyfile': S,
  'enable-bootstrap-token-auth': { kind: 'bool', default: 'false' },
  'anonymous-auth': { kind: 'bool', default: 'true' },
  'authorization-mode': { kind: 'list' },
  'authorization-config': S,
  'service-account-key-file': { kind: 'list' },
  'service-account-signing-key-file': S,
  'service-account-issuer': { kind: 'list' },
  'api-audiences': { kind: 'list' },
  'service-cluster-ip-range': S,
  'encryption-provider-config': S,
  'etcd-prefix': { kind: 'string', default: '/registry' },
  'encryption-provider-config-automatic-reload': B,
  // Files that must exist and be readable, though the test server does not use them.
  'requestheader-client-ca-file': S,
  'proxy-client-cert-file': S,
  'proxy-client-key-file': S,
  'kubelet-client-certificate': S,
  'kubelet-client-key': S,
  // Accepted, no effect here.
  'requestheader-username-headers': { kind: 'list' },
  'requestheader-group-headers': { kind: 'list' },
  'requestheader-extra-headers-prefix': { kind: 'list' },
  'requestheader-allowed-names': { kind: 'list' },
  'allow-privileged': B,
  'enable-admission-plugins': { kind: 'list' },
  'disable-admission-plugins': { kind: 'list' },
  'kubelet-preferred-address-types': { kind: 'list' },
  'feature-gates': S,
  'runtime-config': S,
  'profiling': B,
  'v': { kind: 'int' },
  'service-node-port-range': S,
  'endpoint-reconciler-type': S,
  'tls-min-version': S,
  'tls-cipher-suites': { kind: 'list' },
  'audit-log-path': S,
  'audit-policy-file': S,
  'audit-log-maxage': { kind: 'int' },
  'audit-log-maxbackup': { kind: 'int' },
  'audit-log-maxsize': { kind: 'int' },
  'audit-log-format': S,
  'audit-log-compress': B,
  'max-requests-inflight': { kind: 'int' },
  'max-mutating-requests-inflight': { kind: 'int' },
  'default-not-ready-toleration-seconds': { kind: 'int' },
  'default-unreachable-toleration-seconds': { kind: 'int' },
  'goaway-chance': S,
  'oidc-issuer-url': S,
  'oidc-client-id': S,
  'oidc-username-claim': S,
  'oidc-groups-claim': S,
  'event-ttl': S,
};

const FILE_FLAGS = [
  'tls-cert-file',
  'tls-private-key-file',
  'client-ca-file',
  'etcd-cafile',
  'etcd-certfile',
  'etcd-keyfile',
  'service-account-key-file',
  'service-account-signing-key-file',
  'encryption-provider-config',
  'requestheader-client-ca-file',
  'proxy-client-cert-file',
  'proxy-client-key-file',
  'kubelet-client-certificate',
  'kubelet-client-key',
  'audit-policy-file',
  'authorization-config',
];

function readFlagFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new FlagError(`kube-apiserver: --${flag}=${path}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The first address of the service CIDR: the `kubernetes` Service's ClusterIP (IPv4 only). */
function firstServiceIP(cidr: string): string | undefined {
  const [addr] = cidr.split(',')[0]!.split('/');
  if (!addr || !isIPv4(addr)) return undefined;
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * The authorizer chain from --authorization-mode (default AlwaysAllow) or from a structured
 * --authorization-config file (AuthorizationConfiguration, apiserver.config.k8s.io); the two flags
 * exclude each other, as upstream (pkg/kubeapiserver/options/authorization.go).
 */
function authorizationModes(flagModes: string[], configPath: string | undefined): AuthorizationMode[] {
  if (configPath && flagModes.length) {
    throw new FlagError('kube-apiserver: --authorization-config can not be specified when --authorization-mode is specified');
  }
  let modes = flagModes.length ? flagModes : ['AlwaysAllow'];
  if (configPath) {
    const doc = parseYaml(readFileSync(configPath, 'utf8')) as { kind?: string; authorizers?: Array<{ type?: string }> };
    if (doc?.kind !== 'AuthorizationConfiguration' || !Array.isArray(doc.authorizers)) {
      throw new FlagError(`kube-apiserver: --authorization-config=${configPath}: expected kind AuthorizationConfiguration with an authorizers list`);
    }
    modes = doc.authorizers.map((a) => a.type ?? '');
  }
  for (const m of modes) {
    if (!AUTHORIZATION_MODES.includes(m as AuthorizationMode)) {
      throw new FlagError(`kube-apiserver: authorization mode ${m} is not supported by the test API server; expected one of ${AUTHORIZATION_MODES.join(', ')}`);
    }
  }
  return modes as AuthorizationMode[];
}

const minorOf = (gitVersion: string): number => Number(/^v1\.(\d+)\./.exec(gitVersion)?.[1] ?? 0);

/** One gate from --feature-gates=A=true,B=false, else its default for this version. */
function featureGate(flag: string | undefined, name: string, byDefault: boolean): boolean {
  const entry = (flag ?? '').split(',').map((s) => s.trim().split('=')).find(([k]) => k === name);
  if (!entry) return byDefault;
  if (entry[1] !== 'true' && entry[1] !== 'false') throw new FlagError(`kube-apiserver: --feature-gates: invalid value of ${name}: ${entry[1]}, err: expected true or false`);
  return entry[1] === 'true';
}

async function ensure(store: Store, res: ResourceInfo, obj: KubeObject): Promise<void> {
  try {
    await store.create(res, obj, new Date());
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

async function bootstrapObjects(store: Store, advertise: string | undefined, port: number, serviceCIDR: string | undefined): Promise<void> {
  const res = (group: string, resource: string) => findResource(group, 'v1', resource)!;
  for (const name of SYSTEM_NAMESPACES) await ensure(store, res('', 'namespaces'), { metadata: { name } });
  for (const o of CLUSTER_ROLES) await ensure(store, res('rbac.authorization.k8s.io', 'clusterroles'), o);
  for (const o of CLUSTER_ROLE_BINDINGS) await ensure(store, res('rbac.authorization.k8s.io', 'clusterrolebindings'), o);
  for (const o of NAMESPACE_ROLES) await ensure(store, res('rbac.authorization.k8s.io', 'roles'), o);
  for (const o of NAMESPACE_ROLE_BINDINGS) await ensure(store, res('rbac.authorization.k8s.io', 'rolebindings'), o);
  const clusterIP = serviceCIDR ? firstServiceIP(serviceCIDR) : undefined;
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await ensure(store, res('', 'services'), {
    metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], ...(clusterIP ? { clusterIP, clusterIPs: [clusterIP] } : {}) },
  });
  if (!advertise) return;
  // Each API server adds its address to the `kubernetes` Endpoints (the lease reconciler's result).
  const endpoints = res('', 'endpoints');
  await ensure(store, endpoints, { metadata: { name: 'kubernetes', namespace: 'default', labels }, subsets: [] });
  await store.guaranteedUpdate(endpoints, 'default', 'kubernetes', (ep) => {
    const subsets = (ep.subsets ?? []) as Array<{ addresses?: Array<{ ip: string }> }>;
    const addresses = new Set([...subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)), advertise]);
    ep.subsets = [{ addresses: [...addresses].sort().map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }];
    return ep;
  });
}

async function main(argv: string[]): Promise<void> {
  const flags = parseFlags('kube-apiserver', argv, FLAGS);
  const files = new Map<string, Buffer[]>();
  for (const f of FILE_FLAGS) {
    const paths = FLAGS[f]!.kind === 'list' ? flags.list(f) : [flags.string(f)].filter((p): p is string => !!p);
    files.set(f, paths.map((p) => readFlagFile(f, p)));
  }
  const file = (f: string) => files.get(f)?.[0];
  const cert = file('tls-cert-file');
  const key = file('tls-private-key-file');
  const clientCA = file('client-ca-file');
  if (!cert || !key) throw new FlagError('kube-apiserver: --tls-cert-file and --tls-private-key-file are required by the test API server');
  if (!clientCA) throw new FlagError('kube-apiserver: --client-ca-file is required by the test API server');
  const etcdServers = flags.list('etcd-servers');
  if (etcdServers.length === 0) throw new FlagError('kube-apiserver: --etcd-servers must be specified');
  const modes = authorizationModes(flags.list('authorization-mode'), flags.string('authorization-config'));
  // Required since v1.20 (pkg/kubeapiserver/options/authentication.go).
  const issuers = flags.list('service-account-issuer');
  const signingKey = file('service-account-signing-key-file');
  if (!signingKey || issuers.length === 0) {
    throw new FlagError('kube-apiserver: --service-account-signing-key-file and --service-account-issuer are required flags');
  }
  // Without --service-account-key-file the serving key verifies tokens, as upstream defaults it.
  const saKeyFiles = files.get('service-account-key-file')?.length ? files.get('service-account-key-file')! : [key];
  const saKeys = saKeyFiles.flatMap((b) => publicKeysFromPem(b.toString('utf8')));
  const encryptionPath = flags.string('encryption-provider-config');
  const transformers = encryptionPath ? loadEncryptionConfig(encryptionPath) : () => identity;

  const log = (line: string) => process.stderr.write(`kube-apiserver: ${line}\n`);
  const etcd = new EtcdClient(etcdServers, { caFile: flags.string('etcd-cafile'), certFile: flags.string('etcd-certfile'), keyFile: flags.string('etcd-keyfile') });
  const store = new Store(etcd, (r) => transformers(r.resource, r.group), flags.string('etcd-prefix')!);
  const now = () => new Date();
  const apiAudiences = flags.list('api-audiences').length ? flags.list('api-audiences') : issuers;
  const authn = new Authenticator(
    store,
    { bootstrapTokenAuth: flags.bool('enable-bootstrap-token-auth'), serviceAccountKeys: saKeys, serviceAccountIssuers: issuers, apiAudiences, anonymous: flags.bool('anonymous-auth') },
    now,
  );
  const gitVersion = process.env.KGEN_TEST_KUBE_VERSION ?? 'v1.32.0';
  const authz = new Authorizer(modes, storePolicySource(store), featureGate(flags.string('feature-gates'), 'AuthorizeNodeWithSelectors', minorOf(gitVersion) >= 32));
  const rest = new Rest({
    store,
    authorizer: authz,
    now,
    tokens: new TokenIssuer(signingKey.toString('utf8'), issuers[0]!),
    apiAudiences,
    serviceRange: parseServiceRange(flags.string('service-cluster-ip-range')),
    authenticateToken: (token) => authn.authenticateToken(token),
  });

  const port = flags.int('secure-port')!;
  if (port < 1 || port > 65535) throw new FlagError(`kube-apiserver: --secure-port ${port} must be between 1 and 65535, inclusive`);
  const advertise = flags.string('advertise-address');
  if (advertise !== undefined && isIP(advertise) === 0) throw new FlagError(`kube-apiserver: --advertise-address=${advertise}: expected an IP address`);
  if (isIP(flags.string('bind-address')!) === 0) throw new FlagError(`kube-apiserver: --bind-address=${flags.string('bind-address')}: expected an IP address`);
  for (let attempt = 1; ; attempt++) {
    try {
      await bootstrapObjects(store, advertise, port, flags.string('service-cluster-ip-range'));
      break;
    } catch (err) {
      if (attempt % 10 === 1) log(`waiting for etcd at ${etcdServers.join(',')}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const bind = flags.string('bind-address')!;
  const server = createApiServer(
    { tls: { cert, key, clientCA }, advertise: `${advertise ?? bind}:${port}`, gitVersion, startupWindowMs: startupWindowMs() },
    { etcd, authn, authz, rest, log },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => resolve());
  });
  log(`Serving securely on ${bind.includes(':') ? `[${bind}]` : bind}:${port}`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void etcd.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** KGEN_TEST_APISERVER_STARTUP_WINDOW_MS: see ServerConfig.startupWindowMs (no flag: the manifest is kubeadm's). */
function startupWindowMs(): number {
  const text = process.env.KGEN_TEST_APISERVER_STARTUP_WINDOW_MS ?? '0';
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0) throw new FlagError(`kube-apiserver: KGEN_TEST_APISERVER_STARTUP_WINDOW_MS=${text}: expected a whole number of milliseconds`);
  return ms;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof FlagError || err instanceof EncryptionConfigError ? err.message : `kube-apiserver: ${(err as Error).stack ?? err}`}\n`);
  process.exit(1);
});
