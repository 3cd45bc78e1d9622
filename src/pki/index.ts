// The PKI library's public surface: keys (node:crypto), certificates and CSRs (DER via node-forge's ASN.1 codec,
// signed by node:crypto), kubeadm's certificate and kubeconfig lists, CA pins, and reuse checks.
export { generateKeyPair, KeyPool, spkiOf, type KeyPairPem } from './keys.js';
export {
  createCA,
  selfSignCA,
  createCertAndKey,
  signCertificate,
  CERTIFICATE_BACKDATE_MS,
  type CASpec,
  type CertificateSpec,
  type PkiOptions,
} from './certificate.js';
export { parseCertificate, certMatchesKey, certSignedBy, type ParsedCertificate } from './parse.js';
export { createCSR, parseCSR, signCSR, type CSRRequest, type ParsedCSR, type CSRSigningSpec } from './csr.js';
export { caCertHash, pinMatches, PIN_PREFIX } from './pin.js';
export { caProblem, certProblem } from './check.js';
export {
  kubeadmCertList,
  kubeadmCAList,
  apiServerVirtualIP,
  isEtcdOnly,
  KUBEADM_CAS,
  KUBEADM_LEAVES,
  type KubeadmLeaf,
  type KubeadmCA,
  type KubeadmCAName,
  type KubeadmCertSpec,
  type CertListInput,
} from './certlist.js';
export {
  buildKubeconfig,
  buildClusterInfoKubeconfig,
  serializeKubeconfig,
  kubeadmKubeconfigSpecs,
  createKubeconfig,
  apiServerURL,
  INIT_KUBECONFIGS,
  JOIN_CONTROL_PLANE_KUBECONFIGS,
  type Kubeconfig,
  type KubeconfigInput,
  type KubeconfigFile,
  type KubeconfigSpec,
  type KubeconfigSpecsInput,
  type KubeconfigIssuer,
} from './kubeconfig.js';
export type { DistinguishedName } from './name.js';
export type { ExtKeyUsage, KeyUsage } from './oids.js';
