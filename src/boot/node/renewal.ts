// Certificate expiry and renewal on a control-plane node, as `kubeadm certs check-expiration` and
// `kubeadm certs renew` do it from the node's own files (upstream: cmd/kubeadm/app/phases/certs/renewal/
// manager.go NewManager, RenewUsingLocalCA, certToConfig; renewal/filerenewer.go; renewal/readwriter.go for
// the kubeconfig files). The renewable certificates are kubeadm's leaves (src/pki/certlist.ts KUBEADM_LEAVES)
// and the client certificates embedded in admin.conf, super-admin.conf, controller-manager.conf and
// scheduler.conf (kubelet.conf is the kubelet's own, rotated by the kubelet). As kubeadm, a renewal takes
// its subject, SANs and usages from the existing certificate (not from node.yaml, so a certificate issued
// with other SANs keeps them) and is signed by the CA on disk; a certificate whose CA key is not on the
// node is externally managed and left alone.
// Beyond kubeadm, whose FileRenewer issues a new key pair each time (pkiutil.NewCertAndKey), the existing
// private key is kept unless `newKey` is asked for: the running components' keys do not change under them.
import { KUBEADM_CAS, KUBEADM_LEAVES, certMatchesKey, createCertAndKey, parseCertificate, signCertificate, type KubeadmCAName } from '../../pki/index.js';
import { caExpiration, certificateExpiration, type CertificateExpiration, type KnownCA } from '../../pki/expiration.js';
import type { CertificateSpec } from '../../pki/certificate.js';
import type { CertKeyPair, KeyAlgorithm } from '../../pki/types.js';
import { KUBERNETES_DIR, pkiPath } from '../../kube/index.js';
import { parse } from '../../yaml-input.js';
import { toYaml } from '../../yaml.js';
import type { Host } from '../host.js';

/** One certificate `certs renew` knows, by kubeadm's name. */
export interface Renewable {
  /** kubeadm's name: "apiserver", "admin.conf". */
  name: string;
  /** kubeadm's long name ("certificate for serving the Kubernetes API"). */
  longName: string;
  /** The certificate file, or the kubeconfig that embeds it. */
  path: string;
  /** The private key file (leaves only; a kubeconfig embeds its key). */
  keyPath?: string;
  ca: KubeadmCAName;
}

const kubeconfigRenewable = (file: string, whom: string): Renewable => ({
  name: file,
  longName: `certificate embedded in the kubeconfig file for ${whom}`,
  path: `${KUBERNETES_DIR}/${file}`,
  ca: 'ca',
});

/** Every renewable certificate in kubeadm's renew order: the leaves, then the kubeconfigs (manager.go NewManager). */
export const RENEWABLES: readonly Renewable[] = [
  ...KUBEADM_LEAVES.map((leaf) => ({ name: leaf.name, longName: leaf.longName, path: pkiPath(`${leaf.baseName}.crt`), keyPath: pkiPath(`${leaf.baseName}.key`), ca: leaf.ca })),
  kubeconfigRenewable('admin.conf', 'the admin to use and for kubeadm itself'),
  kubeconfigRenewable('super-admin.conf', 'the super-admin'),
  kubeconfigRenewable('controller-manager.conf', 'the controller manager to use'),
  kubeconfigRenewable('scheduler.conf', 'the scheduler manager to use'),
];

export class RenewalError extends Error {}

/** The node's CAs from /etc/kubernetes/pki (key included when present), missing ones left out. */
export async function readNodeCAs(host: Host): Promise<Map<KubeadmCAName, KnownCA>> {
  const cas = new Map<KubeadmCAName, KnownCA>();
  for (const ca of Object.values(KUBEADM_CAS)) {
    const cert = await host.readTextIfExists(pkiPath(`${ca.baseName}.crt`));
    if (cert === undefined) continue;
    cas.set(ca.name, { name: ca.name, pair: { cert, key: await host.readTextIfExists(pkiPath(`${ca.baseName}.key`)) } });
  }
  return cas;
}

interface KubeconfigUserEntry {
  name: string;
  user: Record<string, unknown>;
}

/** The kubeconfig's document and its current user's entry (the one whose certificate is renewed). */
function currentUser(text: string, path: string): { doc: Record<string, unknown>; user: Record<string, unknown> } {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new RenewalError(`${path} is not valid YAML (${(err as Error).message.split('\n')[0]}); expected a kubeconfig`, { cause: err });
  }
  const contexts = (doc?.contexts ?? []) as Array<{ name: string; context: { user: string } }>;
  const context = contexts.find((c) => c.name === doc['current-context'])?.context;
  const entry = ((doc?.users ?? []) as KubeconfigUserEntry[]).find((u) => u.name === context?.user);
  if (!entry?.user) throw new RenewalError(`${path}: the current context names no user; expected a kubeconfig as kubeadm writes it`);
  if (typeof entry.user['client-certificate-data'] !== 'string' || typeof entry.user['client-key-data'] !== 'string') {
    throw new RenewalError(`${path}: the current user has no embedded client-certificate-data and client-key-data; kgen-boot renews embedded client certificates only`);
  }
  return { doc, user: entry.user };
}

const fromB64 = (v: unknown) => Buffer.from(String(v), 'base64').toString('utf8');

/** The certificate and key a renewable holds on this node, or undefined when its file is missing. */
export async function readRenewable(host: Host, r: Renewable): Promise<CertKeyPair | undefined> {
  const text = await host.readTextIfExists(r.path);
  if (text === undefined) return undefined;
  if (!r.keyPath) {
    const { user } = currentUser(text, r.path);
    return { cert: fromB64(user['client-certificate-data']), key: fromB64(user['client-key-data']) };
  }
  const key = await host.readTextIfExists(r.keyPath);
  if (key === undefined) throw new RenewalError(`${r.path} exists but its key ${r.keyPath} does not; restore the key or remove both and re-run \`kgen-boot phase certs\``);
  return { cert: text, key };
}

/** kubeadm's check-expiration over this node's files: each renewable (or missing), then the CAs. */
export async function nodeExpirations(host: Host, now: Date): Promise<{ certificates: Array<CertificateExpiration | { name: string; missing: true }>; cas: CertificateExpiration[] }> {
  const cas = await readNodeCAs(host);
  const known = [...cas.values()];
  const certificates: Array<CertificateExpiration | { name: string; missing: true }> = [];
  // kubeadm lists them sorted by name (renewal manager Certificates()).
  for (const r of [...RENEWABLES].sort((a, b) => a.name.localeCompare(b.name))) {
    const pair = await readRenewable(host, r);
    certificates.push(pair ? certificateExpiration(r.name, pair.cert, known, now) : { name: r.name, missing: true });
  }
  return { certificates, cas: [...cas.values()].sort((a, b) => a.name.localeCompare(b.name)).map((ca) => caExpiration(ca, now)) };
}

/** certToConfig: the existing certificate's subject, SANs and usages, with the configured validity. */
function specFrom(certPem: string, validityHours: number): CertificateSpec {
  const c = parseCertificate(certPem);
  return {
    commonName: c.subject.commonName,
    organizations: c.subject.organizations,
    dnsNames: c.dnsNames,
    ips: c.ips,
    usages: c.extKeyUsages.filter((u): u is 'serverAuth' | 'clientAuth' => u === 'serverAuth' || u === 'clientAuth'),
    validityHours,
  };
}

export interface RenewOptions {
  now: Date;
  random: (n: number) => Buffer;
  validityHours: number;
  /** Issue a new key pair of this algorithm instead of keeping the existing key. */
  newKey?: KeyAlgorithm;
}

/**
 * Renews one certificate with its CA from /etc/kubernetes/pki and writes it atomically (keys 0600). Returns
 * false when its file is missing (nothing to renew); throws when its CA key is not on the node.
 */
export async function renewCertificate(host: Host, r: Renewable, cas: ReadonlyMap<KubeadmCAName, KnownCA>, opts: RenewOptions): Promise<boolean> {
  const current = await readRenewable(host, r);
  if (!current) return false;
  const ca = cas.get(r.ca)?.pair;
  if (ca?.key === undefined) {
    throw new RenewalError(`${r.name} is signed by ${r.ca}, whose key ${pkiPath(`${KUBEADM_CAS[r.ca].baseName}.key`)} is not on this node: it is externally managed and cannot be renewed here`);
  }
  if (!certMatchesKey(current.cert, current.key)) throw new RenewalError(`${r.path}: the certificate does not match its private key; renew it with --new-key`);
  const spec = specFrom(current.cert, opts.validityHours);
  const pki = { now: opts.now, random: opts.random };
  const signer = { cert: ca.cert, key: ca.key };
  const renewed = opts.newKey ? await createCertAndKey({ ...spec, algorithm: opts.newKey }, signer, pki) : { cert: signCertificate(current.key, spec, signer, pki), key: current.key };
  if (r.keyPath) {
    // The key first: a crash between the two writes leaves a key the next renewal (which keeps it) signs.
    if (renewed.key !== current.key) await host.writeFile(r.keyPath, renewed.key, { mode: 0o600 });
    await host.writeFile(r.path, renewed.cert);
    return true;
  }
  const text = await host.readText(r.path);
  const { doc, user } = currentUser(text, r.path);
  user['client-certificate-data'] = Buffer.from(renewed.cert).toString('base64');
  user['client-key-data'] = Buffer.from(renewed.key).toString('base64');
  await host.writeFile(r.path, toYaml(doc), { mode: 0o600 });
  return true;
}
