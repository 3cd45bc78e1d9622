// init phase "certs": one child per certificate, in kubeadm's order (each CA, then the leaves it signs,
// then the service-account key). The CAs and the service-account key come from node.yaml (kgen renders
// them once for the cluster); leaves are issued here by src/pki. Existing files are kept when they are
// still sound (same CA, subject, usages, SANs, within validity) so a re-run changes nothing
// (upstream: cmd/kubeadm/app/cmd/phases/init/certs.go, cmd/kubeadm/app/phases/certs/certs.go).
import type { CertKeyPair } from '../../../pki/types.js';
import { caProblem, certProblem, kubeadmCertList, type KubeadmCAName, type KubeadmCertSpec } from '../../../pki/index.js';
import { createCertAndKey } from '../../../pki/index.js';
import { CERTIFICATES_DIR, EXTERNAL_ETCD_CA_FILE, EXTERNAL_ETCD_CERT_FILE, EXTERNAL_ETCD_KEY_FILE, PKI, pkiPath } from '../../../kube/index.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../data.js';
import { KUBECONFIG_CHILDREN, missingKubeconfigKeys } from './kubeconfig.js';

const TAG = 'certs';

const CA_FILES: Record<KubeadmCAName, { cert: string; key: string; secret: (d: BootData) => CertKeyPair | undefined; long: string }> = {
  ca: { cert: PKI.caCert, key: PKI.caKey, secret: (d) => d.config.secrets?.ca, long: 'self-signed Kubernetes CA to provision identities for other Kubernetes components' },
  'front-proxy-ca': { cert: PKI.frontProxyCACert, key: PKI.frontProxyCAKey, secret: (d) => d.config.secrets?.frontProxyCA, long: 'self-signed CA to provision identities for front proxy' },
  'etcd-ca': { cert: PKI.etcdCACert, key: PKI.etcdCAKey, secret: (d) => d.config.secrets?.etcdCA, long: 'self-signed CA to provision identities for etcd' },
};

/** kubeadm's certs children: [name, signing CA, short description], in kubeadm's order. */
export const LEAVES: Array<[string, KubeadmCAName, string]> = [
  ['apiserver', 'ca', 'certificate for serving the Kubernetes API'],
  ['apiserver-kubelet-client', 'ca', 'certificate for the API server to connect to kubelet'],
  ['front-proxy-client', 'front-proxy-ca', 'certificate for the front proxy client'],
  ['etcd-server', 'etcd-ca', 'certificate for serving etcd'],
  ['etcd-peer', 'etcd-ca', 'certificate for etcd nodes to communicate with each other'],
  ['etcd-healthcheck-client', 'etcd-ca', 'certificate for liveness probes to healthcheck etcd'],
  ['apiserver-etcd-client', 'etcd-ca', 'certificate the apiserver uses to access etcd'],
];

export const isLocalEtcd = (d: BootData) => 'local' in d.config.cluster.etcd;
export const ETCD_ONLY = new Set(['etcd-ca', 'etcd-server', 'etcd-peer', 'etcd-healthcheck-client', 'apiserver-etcd-client']);

function caPair(data: BootData, name: KubeadmCAName): CertKeyPair {
  const pair = CA_FILES[name].secret(data);
  if (!pair) throw new Error(`node.yaml has no ${name} key pair; expected it in secrets on the init node (re-render with kgen)`);
  return pair;
}

// Every certs child asks for its spec; the list depends only on node.yaml, so it is built once per run.
const certLists = new WeakMap<BootData, KubeadmCertSpec[]>();

function specFor(data: BootData, name: string): KubeadmCertSpec {
  let list = certLists.get(data);
  if (!list) {
    const { node, cluster } = data.config;
    list = kubeadmCertList({ nodeName: node.name, advertiseAddress: node.address, localEtcd: isLocalEtcd(data), cluster });
    certLists.set(data, list);
  }
  const spec = list.find((s) => s.name === name);
  if (!spec) throw new Error(`kubeadm's certificate list has no "${name}" for this cluster`);
  return spec;
}

async function writeCA(data: BootData, name: KubeadmCAName): Promise<void> {
  const { host, log } = data;
  const pair = caPair(data, name);
  const problem = caProblem(pair, host.clock.now());
  if (problem) throw new Error(`the ${name} certificate authority in node.yaml cannot be used: ${problem}; fix the cluster secrets and re-render`);
  const files = CA_FILES[name];
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

async function writeLeaf(data: BootData, name: string): Promise<void> {
  await writeLeafFrom(data, name, caPair(data, specFor(data, name).ca));
}

/**
 * Issues (or keeps) one leaf certificate signed by `ca`: the init node passes the CA from node.yaml, a
 * joining control-plane node the CA it downloaded from kubeadm-certs (join's control-plane-prepare/certs).
 */
export async function writeLeafFrom(data: BootData, name: string, ca: CertKeyPair): Promise<void> {
  const { host, log, config } = data;
  const spec = specFor(data, name);
  const certFile = pkiPath(`${spec.baseName}.crt`);
  const keyFile = pkiPath(`${spec.baseName}.key`);
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

async function writeServiceAccountKey(data: BootData): Promise<void> {
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

async function writeExternalEtcd(data: BootData): Promise<void> {
  const ext = data.config.secrets?.externalEtcd;
  if (!ext) throw new Error('cluster.etcd is external but node.yaml has no secrets.externalEtcd client material; re-render with kgen');
  data.log.phase(TAG, `Writing the external etcd client certificate and key to ${CERTIFICATES_DIR}`);
  await data.host.writeFile(EXTERNAL_ETCD_CA_FILE, ext.ca);
  await data.host.writeFile(EXTERNAL_ETCD_KEY_FILE, ext.key, { mode: 0o600 });
  await data.host.writeFile(EXTERNAL_ETCD_CERT_FILE, ext.cert);
}

/** How many leaf keys are not on disk yet: the keys the children will take from the pool. */
export async function missingLeafKeys(data: BootData): Promise<number> {
  const local = isLocalEtcd(data);
  let missing = 0;
  for (const [name] of LEAVES) {
    if (!local && ETCD_ONLY.has(name)) continue;
    if (!(await data.host.exists(pkiPath(`${specFor(data, name).baseName}.key`)))) missing++;
  }
  return missing;
}

export function certsPhase(): Phase<BootData> {
  const etcdOnly = (name: string) => (ETCD_ONLY.has(name) ? { runIf: isLocalEtcd } : {});
  const children: Phase<BootData>[] = [];
  for (const ca of ['ca', 'front-proxy-ca', 'etcd-ca'] as const) {
    children.push({ name: ca, short: `Write the ${CA_FILES[ca].long}`, run: (d) => writeCA(d, ca), ...etcdOnly(ca) });
    for (const [name, signer, short] of LEAVES.filter(([, signer]) => signer === ca)) {
      children.push({ name, short: `Generate the ${short}`, run: (d) => writeLeaf(d, name), dependsOn: [`certs/${signer}`], ...etcdOnly(name) });
    }
  }
  children.push({ name: 'sa', short: 'Write the private key for signing service account tokens along with its public key', run: writeServiceAccountKey });
  children.push({
    name: 'external-etcd',
    short: 'Write the external etcd CA and client certificate (external etcd only; beyond kubeadm)',
    runIf: (d) => !isLocalEtcd(d),
    run: writeExternalEtcd,
  });
  return {
    name: 'certs',
    short: 'Certificate generation',
    phases: children,
    run: async (d) => {
      d.log.phase(TAG, `Using certificateDir folder "${CERTIFICATES_DIR}"`);
      // The children sign as keys arrive. In a run, the kubeconfig phase's keys start now too: one batch keeps
      // every core busy to the end of both phases, where two batches each end with a core idle on their last
      // RSA key.
      const files = KUBECONFIG_CHILDREN.map(([, file]) => file);
      d.keys.warm((await missingLeafKeys(d)) + (d.plan.has('kubeconfig') ? await missingKubeconfigKeys(d, files) : 0));
    },
  };
}
