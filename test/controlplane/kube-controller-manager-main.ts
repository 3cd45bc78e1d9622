// Test kube-controller-manager: started by the test kubelet from the kube-controller-manager static
// pod manifest with kubeadm's flags (cmd/kubeadm/app/phases/controlplane/manifests.go
// getControllerManagerCommand). Talks to the API server only through --kubeconfig; with
// --leader-elect only the holder of Lease kube-system/kube-controller-manager acts. Runs, by polling
// every 300 ms: csrapproving, csrsigning, garbagecollector (ownerReferences), nodeipam (with
// --allocate-node-cidrs), nodelifecycle, namespace, root-ca-cert-publisher, serviceaccount — default on — and
// bootstrapsigner, tokencleaner (off unless named in
// --controllers, as upstream). Other upstream controller names are accepted and not run.
// /healthz, /livez and /readyz answer on --secure-port (default 10257; 0 disables) over TLS.
//
//   node build/test/kube-controller-manager.mjs --kubeconfig=/etc/kubernetes/controller-manager.conf \
//     --controllers=*,bootstrapsigner,tokencleaner --cluster-signing-cert-file=... --cluster-signing-key-file=... \
//     --use-service-account-credentials=true --leader-elect=true ...
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { hostname } from 'node:os';
import { syncBootstrapSigner } from './bootstrapsigner.js';
import { loadSigningCA, selfSignedServing, type SigningCA } from './cert-signer.js';
import { ControllerClients, type ControllerContext } from './controller-client.js';
import { syncApprover, syncSigner } from './csr-controllers.js';
import { syncGarbageCollector } from './garbage-collector.js';
import { syncNamespaces } from './namespace-controller.js';
import { syncRootCAPublisher, syncServiceAccounts } from './namespace-publishers.js';
import { parseCidr, syncNodeIpam } from './node-ipam.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { discoverResources, type MappedResource } from './rest-mapper.js';
import { FlagError, parseFlags, type FlagSpecs } from './flags.js';
import { KubeClient } from './kube-client.js';
import { LeaderElector } from './leader-election.js';
import { syncTokenCleaner } from './tokencleaner.js';

const S = { kind: 'string' } as const;

const FLAGS: FlagSpecs = {
  kubeconfig: S,
  'authentication-kubeconfig': S,
  'authorization-kubeconfig': S,
  'bind-address': { kind: 'string', default: '0.0.0.0' },
  'secure-port': { kind: 'int', default: '10257' },
  'client-ca-file': S,
  'cluster-name': { kind: 'string', default: 'kubernetes' },
  'cluster-signing-cert-file': S,
  'cluster-signing-key-file': S,
  'cluster-signing-duration': { kind: 'string', default: '8760h0m0s' },
  controllers: { kind: 'list', default: '*' },
  'leader-elect': { kind: 'bool', default: 'true' },
  'requestheader-client-ca-file': S,
  'root-ca-file': S,
  'service-account-private-key-file': S,
  'use-service-account-credentials': { kind: 'bool', default: 'false' },
  'allocate-node-cidrs': { kind: 'bool' },
  'cluster-cidr': S,
  'service-cluster-ip-range': S,
  'node-cidr-mask-size': { kind: 'int' },
  'node-cidr-mask-size-ipv4': { kind: 'int' },
  'node-cidr-mask-size-ipv6': { kind: 'int' },
  'feature-gates': S,
  profiling: { kind: 'bool' },
  v: { kind: 'int' },
  'node-monitor-grace-period': S,
  'node-startup-grace-period': S,
  'node-monitor-period': S,
  'terminated-pod-gc-threshold': { kind: 'int' },
  'horizontal-pod-autoscaler-sync-period': S,
  'leader-elect-lease-duration': S,
  'leader-elect-renew-deadline': S,
  'leader-elect-retry-period': S,
  'cloud-provider': S,
  'configure-cloud-routes': { kind: 'bool' },
  'tls-min-version': S,
  'tls-cipher-suites': { kind: 'list' },
};

const FILE_FLAGS = [
  'kubeconfig',
  'authentication-kubeconfig',
  'authorization-kubeconfig',
  'client-ca-file',
  'cluster-signing-cert-file',
  'cluster-signing-key-file',
  'requestheader-client-ca-file',
  'root-ca-file',
  'service-account-private-key-file',
];

// Controller names of kube-controller-manager (cmd/kube-controller-manager/names), and which are
// off unless named.
const KNOWN_CONTROLLERS = new Set([
  'attachdetach', 'bootstrapsigner', 'cloud-node-lifecycle', 'clusterrole-aggregation', 'cronjob', 'csrapproving', 'csrcleaner',
  'csrsigning', 'daemonset', 'deployment', 'disruption', 'endpoint', 'endpointslice', 'endpointslicemirroring', 'ephemeral-volume',
  'garbagecollector', 'horizontalpodautoscaling', 'job', 'legacy-serviceaccount-token-cleaner', 'namespace', 'nodeipam',
  'nodelifecycle', 'persistentvolume-binder', 'persistentvolume-expander', 'podgc', 'pv-protection', 'pvc-protection', 'replicaset',
  'replicationcontroller', 'resourcequota', 'root-ca-cert-publisher', 'route', 'service', 'serviceaccount', 'serviceaccount-token',
  'statefulset', 'tokencleaner', 'ttl', 'ttl-after-finished', 'taint-eviction-controller', 'validatingadmissionpolicy-status',
  'storageversion-gc', 'service-cidr-controller', 'selinux-warning-controller', 'resourceclaim-controller', 'device-taint-eviction-controller',
]);
const DISABLED_BY_DEFAULT = new Set(['bootstrapsigner', 'tokencleaner', 'selinux-warning-controller']);

/** --controllers semantics (app.IsControllerEnabled): "*" = all default-on, "foo" on, "-foo" off. */
function enabledControllers(list: string[]): (name: string) => boolean {
  for (const c of list) {
    const name = c.replace(/^-/, '').replace(/-controller$/, '').replace(/^bootstrap-signer$/, 'bootstrapsigner').replace(/^token-cleaner$/, 'tokencleaner');
    if (c !== '*' && !KNOWN_CONTROLLERS.has(name) && !KNOWN_CONTROLLERS.has(c.replace(/^-/, ''))) {
      throw new FlagError(`kube-controller-manager: --controllers: "${c}" is not in the list of known controllers`);
    }
  }
  return (name) => {
    if (list.includes(name)) return true;
    if (list.includes(`-${name}`)) return false;
    return list.includes('*') && !DISABLED_BY_DEFAULT.has(name);
  };
}

/** A Go duration like 8760h0m0s or 720h, in milliseconds. */
function parseDuration(flag: string, s: string): number {
  const units: Record<string, number> = { h: 3600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let consumed = '';
  for (let m; (m = re.exec(s)); ) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0];
  }
  if (!consumed || consumed !== s) throw new FlagError(`kube-controller-manager: --${flag}=${s}: expected a duration such as 8760h0m0s`);
  return total;
}

async function main(argv: string[]): Promise<void> {
  const flags = parseFlags('kube-controller-manager', argv, FLAGS);
  for (const f of FILE_FLAGS) {
    const path = flags.string(f);
    if (!path) continue;
    try {
      readFileSync(path);
    } catch (err) {
      throw new FlagError(`kube-controller-manager: --${f}=${path}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const enabled = enabledControllers(flags.list('controllers'));
  const signingTtl = parseDuration('cluster-signing-duration', flags.string('cluster-signing-duration')!);
  const certFile = flags.string('cluster-signing-cert-file');
  const keyFile = flags.string('cluster-signing-key-file');
  const ca: SigningCA | undefined = certFile && keyFile ? loadSigningCA(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')) : undefined;
  const root = KubeClient.fromKubeconfig(flags.require('kubeconfig'));
  const clients = new ControllerClients(root, flags.bool('use-service-account-credentials'), Date.now);
  const elector = new LeaderElector(root, 'kube-controller-manager', `${hostname()}_${randomUUID()}`, () => new Date());
  const log = (line: string) => process.stderr.write(`kube-controller-manager: ${line}\n`);

  const controllers: Array<{ name: string; serviceAccount: string; run: (c: ControllerContext) => Promise<unknown> }> = [];
  if (enabled('csrapproving')) controllers.push({ name: 'csrapproving', serviceAccount: 'certificate-controller', run: (c) => syncApprover(c) });
  if (enabled('csrsigning') && ca) {
    controllers.push({ name: 'csrsigning', serviceAccount: 'certificate-controller', run: (c) => syncSigner(c, ca, signingTtl, () => new Date()) });
  }
  if (enabled('bootstrapsigner')) controllers.push({ name: 'bootstrapsigner', serviceAccount: 'bootstrap-signer', run: (c) => syncBootstrapSigner(c, new Date()) });
  if (enabled('tokencleaner')) controllers.push({ name: 'tokencleaner', serviceAccount: 'token-cleaner', run: (c) => syncTokenCleaner(c, new Date()) });
  const rootCA = flags.string('root-ca-file');
  if (enabled('root-ca-cert-publisher') && rootCA) {
    const pem = readFileSync(rootCA, 'utf8');
    controllers.push({ name: 'root-ca-cert-publisher', serviceAccount: 'root-ca-cert-publisher', run: (c) => syncRootCAPublisher(c, pem) });
  }
  if (enabled('serviceaccount')) controllers.push({ name: 'serviceaccount', serviceAccount: 'service-account-controller', run: (c) => syncServiceAccounts(c) });
  if (enabled('nodelifecycle')) {
    // The default grace period is 50s from v1.32 (40s before); the image's version comes in as for the API server.
    const minor = Number(/^v1\.(\d+)\./.exec(process.env.KGEN_TEST_KUBE_VERSION ?? 'v1.32.0')?.[1] ?? 32);
    const grace = parseDuration('node-monitor-grace-period', flags.string('node-monitor-grace-period') ?? (minor >= 32 ? '50s' : '40s'));
    const startup = parseDuration('node-startup-grace-period', flags.string('node-startup-grace-period') ?? '1m0s');
    const lifecycle = new NodeLifecycle(grace, startup, () => new Date());
    controllers.push({ name: 'nodelifecycle', serviceAccount: 'node-controller', run: (c) => lifecycle.sync(c) });
  }
  if (enabled('namespace')) {
    let resources: MappedResource[] | undefined;
    controllers.push({
      name: 'namespace',
      serviceAccount: 'namespace-controller',
      run: async (c) => {
        resources ??= await discoverResources(c.client);
        return syncNamespaces(c, resources);
      },
    });
  }
  if (enabled('garbagecollector')) {
    let resources: MappedResource[] | undefined;
    let last = 0;
    controllers.push({
      name: 'garbagecollector',
      serviceAccount: 'generic-garbage-collector',
      // The garbage collector reads through its own identity's metadata informers (it may get/list all).
      run: async ({ client }) => {
        if (Date.now() - last < 2000) return;
        last = Date.now();
        resources ??= await discoverResources(client);
        return syncGarbageCollector(client, resources);
      },
    });
  }
  if (enabled('nodeipam') && flags.bool('allocate-node-cidrs')) {
    const clusterCidr = parseCidr(flags.require('cluster-cidr').split(',')[0]!);
    if (!clusterCidr) throw new FlagError(`kube-controller-manager: --cluster-cidr=${flags.string('cluster-cidr')}: expected an IPv4 CIDR`);
    const mask = flags.int('node-cidr-mask-size-ipv4') ?? flags.int('node-cidr-mask-size') ?? 24;
    const serviceRange = parseCidr(flags.string('service-cluster-ip-range')?.split(',')[0] ?? '');
    controllers.push({ name: 'nodeipam', serviceAccount: 'node-controller', run: (c) => syncNodeIpam(c, clusterCidr, mask, serviceRange) });
  }
  log(`starting controllers: ${controllers.map((c) => c.name).join(', ') || '(none)'}`);

  // /healthz, /livez, /readyz on the secure port (self-signed; always-allowed paths upstream).
  const port = flags.int('secure-port')!;
  const serving = selfSignedServing(`localhost@${Math.floor(Date.now() / 1000)}`, new Date());
  const health = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const ok = ['/healthz', '/livez', '/readyz'].includes(new URL(req.url ?? '/', 'https://x').pathname);
    res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'ok' : 'forbidden');
  });
  if (port !== 0) {
    await new Promise<void>((resolve, reject) => {
      health.once('error', reject);
      health.listen(port, flags.string('bind-address'), () => resolve());
    });
    log(`Serving securely on ${flags.string('bind-address')}:${port}`);
  }

  let stopped = false;
  const stop = () => {
    stopped = true;
    health.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const lastError = new Map<string, string>();
  let leading: boolean | undefined;
  let lastElection = 0;
  while (!stopped) {
    // Candidates retry and the leader renews every 2 s (client-go's RetryPeriod default).
    if (Date.now() - lastElection >= 2000) {
      lastElection = Date.now();
      try {
        const lead = !flags.bool('leader-elect') || (await elector.tryAcquireOrRenew());
        if (lead !== leading) log(lead ? 'became leader' : 'not the leader; waiting');
        leading = lead;
      } catch (err) {
        log(`leader election: ${(err as Error).message}`);
        leading = false;
      }
    }
    if (leading) {
      for (const c of controllers) {
        try {
          await c.run({ informer: root, client: await clients.for(c.serviceAccount) });
          lastError.delete(c.name);
        } catch (err) {
          const msg = (err as Error).message;
          if (lastError.get(c.name) !== msg) log(`${c.name}: ${msg}`);
          lastError.set(c.name, msg);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await clients.close();
  await root.close();
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof FlagError ? err.message : `kube-controller-manager: ${(err as Error).stack ?? err}`}\n`);
    process.exit(1);
  },
);
