// Kubelet TLS bootstrap, as cmd/kubelet/app/server.go buildKubeletClientConfig does it, in both of its
// modes (upstream: pkg/kubelet/certificate/bootstrap/bootstrap.go):
//  - rotateCertificates: false -> LoadClientCert, blocking: if --kubeconfig holds an unexpired client
//    certificate, nothing to do; otherwise load --bootstrap-kubeconfig (missing: an error, the service
//    manager restarts us), reuse the store's key or load-or-generate an ECDSA P-256 key cached in
//    <certDir>/kubelet-client.key.tmp, wait up to a minute for /healthz, request a certificate under the
//    CSR name node-csr-<digest> (adopting a compatible existing one), wait for it, store the pair, drop
//    the cached key, and write --kubeconfig referencing the store's current pair;
//  - rotateCertificates: true (what kubeadm, and kgen, always set) -> LoadClientConfig: a valid
//    --kubeconfig is used as is; otherwise --kubeconfig is written at once, pointing at the store's current
//    pair, and the bootstrap kubeconfig becomes the credentials the certificate manager
//    (client-cert-manager.ts) requests the first certificate with, in the background.
import { X509Certificate, generateKeyPairSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toYaml } from '../../src/yaml.js';
import { apiClient, type ApiClient } from './api-client.js';
import { CURRENT_PAIR_PATH, KUBELET_CERT_DIR, currentPair, updatePair } from './cert-store.js';
import { KUBELET_CLIENT_USAGES, nodeSubject, requestCertificate, waitForCertificate } from './csr-client.js';
import { digestedName } from './csr.js';
import { bootstrappedKubeconfig, loadKubeconfig, type ClientCredentials } from './kubeconfig.js';

const TMP_KEY = 'kubelet-client.key.tmp';

export interface BootstrapOptions {
  root: string;
  kubeconfig: string;
  bootstrapKubeconfig?: string;
  nodeName: string;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** True when `path` exists and holds at least one client certificate, none of them expired. */
function clientConfigStillValid(root: string, path: string, log: (line: string) => void): boolean {
  if (!existsSync(join(root, path))) return false;
  try {
    const creds = loadKubeconfig(root, path);
    if (!creds.cert) return false;
    const certs = creds.cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return certs.length > 0 && certs.every((pem) => new Date(new X509Certificate(pem).validTo) > new Date());
  } catch (err) {
    log(`unable to read existing kubeconfig ${path}: ${(err as Error).message}`);
    return false;
  }
}

function loadBootstrap(o: BootstrapOptions): ClientCredentials {
  if (!o.bootstrapKubeconfig) throw new Error(`${o.kubeconfig} is not usable and no --bootstrap-kubeconfig was given`);
  if (!existsSync(join(o.root, o.bootstrapKubeconfig))) {
    throw new Error(`unable to load bootstrap kubeconfig: stat ${o.bootstrapKubeconfig}: no such file or directory`);
  }
  const creds = loadKubeconfig(o.root, o.bootstrapKubeconfig);
  if (!creds.ca) throw new Error(`${o.bootstrapKubeconfig}: the cluster has no certificate authority`);
  return creds;
}

function writeKubeconfigFromBootstrapping(o: BootstrapOptions, bootstrap: ClientCredentials): void {
  const path = join(o.root, o.kubeconfig);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toYaml(bootstrappedKubeconfig(bootstrap.server, bootstrap.ca!, CURRENT_PAIR_PATH)), { mode: 0o600 });
}

/** The key to put in the CSR: the current pair's, else the cached temporary one, else a new ECDSA P-256 key. */
function loadOrGenerateKey(certDir: string): KeyObject {
  const current = currentPair(certDir);
  if (current) return current.key;
  const tmp = join(certDir, TMP_KEY);
  if (existsSync(tmp)) {
    try {
      return createPrivateKey(readFileSync(tmp, 'utf8'));
    } catch {
      // unusable: replace it
    }
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  mkdirSync(certDir, { recursive: true, mode: 0o755 });
  writeFileSync(tmp, privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  return privateKey;
}

async function waitForServer(client: ApiClient, signal: AbortSignal, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      await client.request('GET', '/healthz');
      return;
    } catch (err) {
      log(`failed to connect to apiserver: ${(err as Error).message}`);
    }
    await sleep(2_000, undefined, { signal });
  }
  log('timed out waiting to connect to apiserver');
}

/** rotateCertificates: false. Resolves once --kubeconfig holds a usable client certificate. */
export async function loadClientCert(o: BootstrapOptions): Promise<void> {
  if (clientConfigStillValid(o.root, o.kubeconfig, o.log)) {
    o.log(`kubeconfig ${o.kubeconfig} exists and is valid, skipping bootstrap`);
    return;
  }
  const bootstrap = loadBootstrap(o);
  o.log('using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file');
  const client = apiClient(bootstrap);
  const certDir = join(o.root, KUBELET_CERT_DIR);
  const key = loadOrGenerateKey(certDir);
  await waitForServer(client, o.signal, o.log);
  const subject = nodeSubject(o.nodeName);
  const csr = await requestCertificate(client, key, subject, digestedName(key, subject, KUBELET_CLIENT_USAGES));
  const certPem = await waitForCertificate(client, csr, o);
  updatePair(certDir, certPem, key.export({ type: 'sec1', format: 'pem' }) as string);
  rmSync(join(certDir, TMP_KEY), { force: true });
  writeKubeconfigFromBootstrapping(o, bootstrap);
  o.log(`client certificate issued; wrote ${o.kubeconfig}`);
}

export interface ClientConfigs {
  /** Credentials certificate requests are made with while the store holds no certificate. */
  certConfig: ClientCredentials;
  /** The kubelet's own client config: server and CA, and the kubeconfig's certificate if it embeds one. */
  clientConfig: ClientCredentials;
}

/** rotateCertificates: true (bootstrap.LoadClientConfig). */
export function loadClientConfig(o: BootstrapOptions): ClientConfigs {
  if (!o.bootstrapKubeconfig || clientConfigStillValid(o.root, o.kubeconfig, o.log)) {
    const creds = loadKubeconfig(o.root, o.kubeconfig);
    o.log(`kubeconfig ${o.kubeconfig} exists and is valid, skipping bootstrap`);
    return { certConfig: creds, clientConfig: creds };
  }
  const bootstrap = loadBootstrap(o);
  writeKubeconfigFromBootstrapping(o, bootstrap);
  o.log(`wrote ${o.kubeconfig} pointing at ${CURRENT_PAIR_PATH}; requesting the first client certificate with the bootstrap kubeconfig`);
  return { certConfig: bootstrap, clientConfig: { server: bootstrap.server, ca: bootstrap.ca } };
}
