// The test kubelet: what a kubeadm node's kubelet does that kubeadm (and so kgen-boot) depends on, in
// upstream's order (cmd/kubelet/app/server.go run/RunKubelet):
//   1. load --config (KubeletConfiguration) and work out the node name: --hostname-override, else the
//      node's hostname, which here is <root>/etc/hostname (every node shares the machine's UTS namespace),
//      lowercased as upstream's nodeutil.GetHostname does;
//   2. with --kubeconfig: TLS bootstrap (tls-bootstrap.ts): blocking when rotateCertificates is false,
//      else through the certificate manager in the background (client-cert-manager.ts); without it:
//      standalone mode (static pods only); then authentication.x509.clientCAFile must exist;
//   3. serve healthz on healthzBindAddress:healthzPort (kubeadm's kubelet-check polls it);
//   4. run static pods from staticPodPath; register the Node and keep its status and Lease fresh, and
//      its static pods' mirror pods (mirror-pods.ts) in step with them.
// Stopping the kubelet (SIGTERM) stops its static pods too, unlike the real kubelet whose containers
// outlive it: there is no container runtime to keep them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './api-client.js';
import { checkClientCA, loadKubeletConfig, type KubeletConfig } from './kubelet-config.js';
import type { KubeletFlags } from './kubelet-flags.js';
import { loadKubeconfig, type ClientCredentials } from './kubeconfig.js';
import { MirrorPods } from './mirror-pods.js';
import { runNodeStatus } from './node-status.js';
import type { ProgramTable } from './pod-command.js';
import { StaticPodRunner } from './static-pods.js';
import { loadClientCert, loadClientConfig } from './tls-bootstrap.js';
import { ClientCertManager } from './client-cert-manager.js';

export interface KubeletDeps {
  programs: ProgramTable;
  log: (line: string) => void;
  /** Node status and lease period; upstream's defaults are 10s. */
  heartbeatMs?: number;
}

const DEFAULT_CONFIG: KubeletConfig = {
  rotateCertificates: false,
  healthzBindAddress: '127.0.0.1',
  healthzPort: 10248,
  nodeLeaseDurationSeconds: 40,
};

/**
 * --node-ip, else the namespace's first non-loopback IPv4 address (upstream picks the default route's
 * interface; test namespaces have no default route, and one address each).
 */
function nodeAddress(flags: KubeletFlags): string | undefined {
  if (flags.nodeIP) return flags.nodeIP;
  return Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/** --hostname-override, else <root>/etc/hostname; trimmed and lowercased. */
export function nodeHostname(flags: KubeletFlags): string {
  if (flags.hostnameOverride?.trim()) return flags.hostnameOverride.trim().toLowerCase();
  const file = join(flags.root, 'etc/hostname');
  const name = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!name) throw new Error(`cannot tell the node name: no --hostname-override and ${file} is missing or empty`);
  return name.toLowerCase();
}

/** The version the node image's kubelet binary prints (`Kubernetes v1.33.2`), as the real kubelet reports its own. */
function installedKubeletVersion(root: string): string | undefined {
  const binary = join(root, 'usr/bin/kubelet');
  if (!existsSync(binary)) return undefined;
  const printed = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /^Kubernetes (v\S+)/.exec(printed)?.[1];
}

function serveHealthz(config: KubeletConfig): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end(req.url === '/healthz' ? 'ok' : 'not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`healthz on ${config.healthzBindAddress}:${config.healthzPort}: ${err.message}`)));
    server.listen(config.healthzPort, config.healthzBindAddress, () => resolve(server));
  });
}

/** Runs until `signal` aborts; rejects on a startup error (the service manager restarts the kubelet). */
export async function runKubelet(flags: KubeletFlags, deps: KubeletDeps, signal: AbortSignal): Promise<void> {
  const { root } = flags;
  const log = deps.log;
  const config = flags.config ? loadKubeletConfig(root, flags.config) : DEFAULT_CONFIG;
  const hostname = nodeHostname(flags);
  const nodeName = hostname;
  const nodeIP = nodeAddress(flags);
  log(`node name ${nodeName}`);

  let credentials: (() => ClientCredentials) | undefined;
  let certificateReady = Promise.resolve();
  let rotation = Promise.resolve();
  if (flags.kubeconfig) {
    const bootstrap = { root, kubeconfig: flags.kubeconfig, bootstrapKubeconfig: flags.bootstrapKubeconfig, nodeName, signal, log };
    if (config.rotateCertificates) {
      const manager = new ClientCertManager({ ...loadClientConfig(bootstrap), root, nodeName, signal, log });
      rotation = manager.start();
      certificateReady = manager.waitForCertificate();
      credentials = () => manager.credentials();
    } else {
      await loadClientCert(bootstrap);
      const creds = loadKubeconfig(root, flags.kubeconfig);
      credentials = () => creds;
    }
  } else {
    log('no --kubeconfig: standalone mode, static pods only');
  }
  checkClientCA(root, config);

  const healthz = await serveHealthz(config);
  const pods = config.staticPodPath ? new StaticPodRunner({ root, manifestDir: config.staticPodPath, programs: deps.programs, log }) : undefined;
  pods?.start();
  const client = credentials ? apiClient(credentials) : undefined;
  const mirrors = client && pods ? new MirrorPods(client, nodeName, nodeIP) : undefined;
  const status = client
    ? certificateReady.then(() => runNodeStatus(client, {
        nodeName,
        hostname,
        nodeIP,
        labels: flags.nodeLabels,
        kubeletVersion: installedKubeletVersion(root),
        taints: flags.registerWithTaints,
        leaseDurationSeconds: config.nodeLeaseDurationSeconds,
        intervalMs: deps.heartbeatMs ?? 10_000,
        signal,
        log,
        afterHeartbeat: mirrors && pods ? (node) => mirrors.sync(pods.states(), node.metadata.uid) : undefined,
      }), () => undefined)
    : Promise.resolve();

  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  log('shutting down');
  await Promise.all([pods?.stop(), status, rotation, new Promise((r) => healthz.close(r))]);
}
