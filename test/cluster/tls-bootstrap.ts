// Kubelet TLS bootstrap, step for step as the real kubelet does it (upstream:
// pkg/kubelet/certificate/bootstrap/bootstrap.go LoadClientCert, client-go util/certificate/csr and
// util/certificate/certificate_store.go):
//  1. if --kubeconfig holds an unexpired client certificate, nothing to do;
//  2. otherwise load --bootstrap-kubeconfig (missing: an error; the service manager restarts us);
//  3. reuse the key of the cert store's current pair, else load-or-generate an ECDSA P-256 key cached in
//     <certDir>/kubelet-client.key.tmp (so a retry reuses it);
//  4. wait up to a minute for /healthz; POST a CSR named node-csr-<digest> with CN system:node:<name>,
//     O system:nodes, signer kubernetes.io/kube-apiserver-client-kubelet, usages digital signature +
//     client auth (key encipherment only for RSA keys); on 409 reuse the existing, compatible request;
//  5. poll until it is Approved with a certificate (Denied/Failed are errors; a changed uid too);
//  6. write <certDir>/kubelet-client-<YYYY-MM-DD-HH-MM-SS>.pem (certificate then key, 0600) and point the
//     kubelet-client-current.pem symlink at it, drop the cached key, write --kubeconfig referencing it.
// One deliberate difference: the symlink target is relative (upstream writes an absolute path), because
// the node's files live under a root directory here.
import { X509Certificate, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import forge from 'node-forge';
import { toYaml } from '../../src/yaml.js';
import { ApiError, apiClient, type ApiClient } from './api-client.js';
import { makeCertificateRequest, digestedName, type Subject } from './csr.js';
import { bootstrappedKubeconfig, loadKubeconfig } from './kubeconfig.js';

export const KUBELET_CERT_DIR = '/var/lib/kubelet/pki';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const TMP_KEY = 'kubelet-client.key.tmp';
const CURRENT = 'kubelet-client-current.pem';

export interface BootstrapOptions {
  root: string;
  kubeconfig: string;
  bootstrapKubeconfig?: string;
  nodeName: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** How often to re-read the CSR while waiting for approval. */
  pollMs?: number;
}

/** True when `path` exists and holds at least one client certificate, none of them expired. */
export function clientConfigStillValid(root: string, path: string, log: (line: string) => void): boolean {
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

function tryKey(pem: string | undefined): KeyObject | undefined {
  if (!pem) return undefined;
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The key to put in the CSR: the current pair's, else the cached temporary one, else a new ECDSA P-256 key. */
function loadOrGenerateKey(certDir: string): KeyObject {
  const current = tryKey(readIfExists(join(certDir, CURRENT)));
  if (current) return current;
  const cached = tryKey(readIfExists(join(certDir, TMP_KEY)));
  if (cached) return cached;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  mkdirSync(certDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(certDir, TMP_KEY), privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  return privateKey;
}

function requestPublicKeyDer(requestBase64: string): string {
  const pem = Buffer.from(requestBase64, 'base64').toString('utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const csr = forge.asn1.fromDer(der.toString('binary'));
  const info = (csr.value as forge.asn1.Asn1[])[0]!;
  return forge.asn1.toDer((info.value as forge.asn1.Asn1[])[2]!).getBytes();
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

/** Creates the CSR (or adopts a compatible one of the same name); returns its name and uid. */
async function requestCertificate(client: ApiClient, key: KeyObject, subject: Subject, usages: string[]): Promise<{ name: string; uid: string }> {
  const name = digestedName(key, subject, usages);
  const request = Buffer.from(makeCertificateRequest(key, subject)).toString('base64');
  const path = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  try {
    const created = await client.request('POST', path, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: { request, signerName: KUBELET_CLIENT_SIGNER, usages },
    });
    return { name, uid: created.metadata.uid };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) throw err;
  }
  const existing = await client.request('GET', `${path}/${name}`);
  if (existing.spec?.signerName !== KUBELET_CLIENT_SIGNER || requestPublicKeyDer(existing.spec.request) !== requestPublicKeyDer(request)) {
    throw new Error(`certificate signing request ${name} already exists and is not compatible with ours`);
  }
  return { name, uid: existing.metadata.uid };
}

async function waitForCertificate(client: ApiClient, name: string, uid: string, options: BootstrapOptions): Promise<string> {
  options.log(`waiting for client certificate to be issued (csr ${name})`);
  for (;;) {
    const csr = await client.request('GET', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`).catch((err: Error) => {
      options.log(`reading csr ${name}: ${err.message}`);
      return undefined;
    });
    if (csr) {
      if (csr.metadata?.uid !== uid) throw new Error(`csr "${name}" changed UIDs`);
      const conditions: Array<{ type: string; reason?: string; message?: string }> = csr.status?.conditions ?? [];
      const bad = conditions.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (bad) throw new Error(`certificate signing request ${name} is ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim());
      if (conditions.some((c) => c.type === 'Approved') && csr.status?.certificate) {
        return Buffer.from(csr.status.certificate, 'base64').toString('utf8');
      }
    }
    await sleep(options.pollMs ?? 1_000, undefined, { signal: options.signal });
  }
}

/** Go's time.Format("2006-01-02-15-04-05") in local time, as certificate_store.go names pairs. */
function storeTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

function storeUpdate(certDir: string, certPem: string, key: KeyObject): void {
  const cert = new X509Certificate(certPem);
  if (!cert.checkPrivateKey(key)) throw new Error('the issued certificate does not match the private key of the request');
  const file = `kubelet-client-${storeTimestamp(new Date())}.pem`;
  const keyPem = key.export({ type: 'sec1', format: 'pem' }) as string;
  writeFileSync(join(certDir, file), `${certPem.trimEnd()}\n${keyPem}`, { mode: 0o600 });
  const tmpLink = join(certDir, `${CURRENT}.tmp`);
  rmSync(tmpLink, { force: true });
  symlinkSync(file, tmpLink);
  renameSync(tmpLink, join(certDir, CURRENT));
}

/** Runs the bootstrap when needed; resolves once --kubeconfig holds a usable client certificate. */
export async function loadClientCert(options: BootstrapOptions): Promise<void> {
  const { root, log } = options;
  if (clientConfigStillValid(root, options.kubeconfig, log)) {
    log(`kubeconfig ${options.kubeconfig} exists and is valid, skipping bootstrap`);
    return;
  }
  if (!options.bootstrapKubeconfig) throw new Error(`${options.kubeconfig} is not usable and no --bootstrap-kubeconfig was given`);
  if (!existsSync(join(root, options.bootstrapKubeconfig))) {
    throw new Error(`unable to load bootstrap kubeconfig: stat ${options.bootstrapKubeconfig}: no such file or directory`);
  }
  log('using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file');
  const bootstrap = loadKubeconfig(root, options.bootstrapKubeconfig);
  if (!bootstrap.ca) throw new Error(`${options.bootstrapKubeconfig}: the cluster has no certificate authority`);
  const client = apiClient(bootstrap);
  const certDir = join(root, KUBELET_CERT_DIR);
  const key = loadOrGenerateKey(certDir);
  await waitForServer(client, options.signal, log);
  const subject: Subject = { commonName: `system:node:${options.nodeName}`, organizations: ['system:nodes'] };
  const usages = ['digital signature', 'client auth'];
  const { name, uid } = await requestCertificate(client, key, subject, usages);
  const certPem = await waitForCertificate(client, name, uid, options);
  storeUpdate(certDir, certPem, key);
  rmSync(join(certDir, TMP_KEY), { force: true });
  const kubeconfigPath = join(root, options.kubeconfig);
  mkdirSync(dirname(kubeconfigPath), { recursive: true });
  writeFileSync(kubeconfigPath, toYaml(bootstrappedKubeconfig(bootstrap.server, bootstrap.ca, `${KUBELET_CERT_DIR}/${CURRENT}`)), { mode: 0o600 });
  log(`client certificate issued; wrote ${options.kubeconfig}`);
}
