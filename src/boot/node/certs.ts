// The node's PKI files under /etc/kubernetes/pki, as kubeadm's certs phase writes them (upstream:
// cmd/kubeadm/app/phases/certs/certs.go): the CAs and the service-account key from the cluster secrets, the
// leaves issued here by src/pki from kubeadm's table (src/pki/certlist.ts KUBEADM_LEAVES), external etcd's
// client material. Existing files are kept when they are still sound (same CA, subject, usages, SANs, within
// validity) so a re-run changes nothing. Init takes the CAs from node.yaml, a joining control-plane node
// from the files download-certs wrote (caFromDisk).
import { CERTIFICATES_DIR, EXTERNAL_ETCD_CA_FILE, EXTERNAL_ETCD_CERT_FILE, EXTERNAL_ETCD_KEY_FILE, PKI, pkiPath } from '../../kube/index.js';
import { KUBEADM_CAS, caProblem, certProblem, createCertAndKey, type KubeadmCAName, type KubeadmCertSpec } from '../../pki/index.js';
import type { CertKeyPair } from '../../pki/types.js';
import type { BootData } from '../data.js';

const TAG = 'certs';

/** A CA's certificate and key files, relative to /etc/kubernetes/pki. */
export function caFiles(name: KubeadmCAName): { cert: string; key: string } {
  const base = KUBEADM_CAS[name].baseName;
  return { cert: `${base}.crt`, key: `${base}.key` };
}

/** The leaf's private key file: the one a certs child generates when it is missing. */
export const leafKeyPath = (spec: KubeadmCertSpec): string => pkiPath(`${spec.baseName}.key`);

/** The CA key pair node.yaml carries for the init node. */
export function caFromConfig(data: BootData, name: KubeadmCAName): CertKeyPair {
  const secrets = data.config.secrets;
  const pair = { ca: secrets?.ca, 'front-proxy-ca': secrets?.frontProxyCA, 'etcd-ca': secrets?.etcdCA }[name];
  if (!pair) throw new Error(`node.yaml has no ${name} key pair; expected it in secrets on the init node (re-render with kgen)`);
  return pair;
}

/** A CA key pair downloaded into /etc/kubernetes/pki by download-certs (control-plane join). */
export async function caFromDisk(data: BootData, name: KubeadmCAName): Promise<CertKeyPair> {
  const { cert, key } = caFiles(name);
  const [c, k] = [await data.host.readTextIfExists(pkiPath(cert)), await data.host.readTextIfExists(pkiPath(key))];
  if (c === undefined || k === undefined) {
    throw new Error(`${pkiPath(cert)} or its key is missing under ${CERTIFICATES_DIR}; expected control-plane-prepare/download-certs to have written it (run \`kgen-boot phase control-plane-prepare/download-certs\`)`);
  }
  return { cert: c, key: k };
}

/** Writes a CA from the cluster secrets; refuses a node that holds another cluster's CA. */
export async function writeCA(data: BootData, name: KubeadmCAName, pair: CertKeyPair): Promise<void> {
  const { host, log } = data;
  const problem = caProblem(pair, host.clock.now());
  if (problem) throw new Error(`the ${name} certificate authority in node.yaml cannot be used: ${problem}; fix the cluster secrets and re-render`);
  const files = caFiles(name);
  const [cert, key] = [await host.readTextIfExists(pkiPath(files.cert)), await host.readTextIfExists(pkiPath(files.key))];
  if (cert === pair.cert && key === pair.key) {
    log.phase(TAG, `Using existing ${name} certificate authority`);
    return;
  }
  if (cert !== undefined && cert !== pair.cert) {
    throw new Error(
      `${pkiPath(files.cert)} exists but is not the cluster's ${name} from node.yaml; this node holds another cluster's PKI. ` +
        `Remove ${CERTIFICATES_DIR} (or reimage the node) and run again`,
    );
  }
  log.phase(TAG, `Writing "${name}" certificate authority from the cluster secrets`);
  await host.writeFile(pkiPath(files.key), pair.key, { mode: 0o600 });
  await host.writeFile(pkiPath(files.cert), pair.cert);
}

/** Issues (or keeps) the leaf certificate `name` of this node's list, signed by `ca`. */
export async function writeLeaf(data: BootData, name: string, ca: CertKeyPair): Promise<void> {
  const { host, log, config } = data;
  const spec = data.certSpec(name);
  const certFile = pkiPath(`${spec.baseName}.crt`);
  const keyFile = leafKeyPath(spec);
  const [cert, key] = [await host.readTextIfExists(certFile), await host.readTextIfExists(keyFile)];
  if (cert !== undefined && key !== undefined) {
    const problem = certProblem({ cert, key }, spec, ca.cert, host.clock.now());
    if (!problem) {
      log.phase(TAG, `Using existing ${name} certificate and key on disk`);
      return;
    }
    log.warn(`existing ${certFile} cannot be reused (${problem}); generating a new one`, TAG);
  }
  log.phase(TAG, `Generating "${name}" certificate and key`);
  if ((spec.dnsNames?.length ?? 0) + (spec.ips?.length ?? 0) > 0) {
    log.phase(TAG, `${name} serving cert is signed for DNS names [${(spec.dnsNames ?? []).join(' ')}] and IPs [${(spec.ips ?? []).join(' ')}]`);
  }
  const pair = await createCertAndKey({ ...spec, algorithm: config.cluster.certificates.keyAlgorithm }, ca, {
    now: host.clock.now(),
    random: (n) => host.random.bytes(n),
    keyPair: () => data.keys.take(),
  });
  await host.writeFile(keyFile, pair.key, { mode: 0o600 });
  await host.writeFile(certFile, pair.cert);
}

/** sa.key and sa.pub from the cluster secrets. */
export async function writeServiceAccountKey(data: BootData): Promise<void> {
  const { host, log, config } = data;
  const sa = config.secrets?.sa;
  if (!sa) throw new Error('node.yaml has no service-account key pair (secrets.sa); re-render with kgen');
  const [key, pub] = [await host.readTextIfExists(pkiPath(PKI.saPrivateKey)), await host.readTextIfExists(pkiPath(PKI.saPublicKey))];
  if (key === sa.key && pub === sa.pub) {
    log.phase(TAG, 'Using the existing "sa" key');
    return;
  }
  log.phase(TAG, 'Writing "sa" key and public key from the cluster secrets');
  await host.writeFile(pkiPath(PKI.saPrivateKey), sa.key, { mode: 0o600 });
  await host.writeFile(pkiPath(PKI.saPublicKey), sa.pub);
}

/** External etcd's CA and the apiserver's client certificate for it (beyond kubeadm, which expects them on disk). */
export async function writeExternalEtcd(data: BootData): Promise<void> {
  const ext = data.config.secrets?.externalEtcd;
  if (!ext) throw new Error('cluster.etcd is external but node.yaml has no secrets.externalEtcd client material; re-render with kgen');
  data.log.phase(TAG, `Writing the external etcd client certificate and key to ${CERTIFICATES_DIR}`);
  await data.host.writeFile(EXTERNAL_ETCD_CA_FILE, ext.ca);
  await data.host.writeFile(EXTERNAL_ETCD_KEY_FILE, ext.key, { mode: 0o600 });
  await data.host.writeFile(EXTERNAL_ETCD_CERT_FILE, ext.cert);
}
