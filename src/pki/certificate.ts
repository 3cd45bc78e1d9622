// Issuing certificates the way kubeadm does (upstream cmd/kubeadm/app/util/pkiutil/pki_helpers.go
// NewSelfSignedCACert / NewSignedCert, cmd/kubeadm/app/phases/certs/certlist.go GetConfig):
//   - serial: uniform random in [1, 2^63-1];
//   - NotBefore: now minus 5 minutes (kubeadm's CertificateBackdate) for CAs and leaves;
//   - NotAfter: now plus the validity; a leaf never outlives its CA (capped at the CA's NotAfter);
//   - key usage digitalSignature + keyEncipherment (+ keyCertSign for a CA), critical, for every key type —
//     kubeadm does not drop keyEncipherment for ECDSA keys, and neither does kgen;
//   - CA: basicConstraints CA:TRUE critical, subjectKeyIdentifier, a DNS SAN equal to its CN, no AKI;
//   - leaf: basicConstraints CA:FALSE critical, authorityKeyIdentifier = the CA's SKI, SANs as given.
// The TBSCertificate is DER-encoded with node-forge's ASN.1 codec and signed by node:crypto.
import { randomBytes, type KeyObject } from 'node:crypto';
import type { CertKeyPair, KeyAlgorithm } from './types.js';
import { bitString, decode, encode, explicit, nullValue, oid, seq, smallInteger, time, unsignedInteger, type Node } from './der.js';
import {
  authorityKeyIdExtension,
  basicConstraintsExtension,
  encodeExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  normalizeAltNames,
  subjectAltNameExtension,
  subjectKeyId,
  subjectKeyIdExtension,
  type AltNames,
  type Extension,
} from './extensions.js';
import { generateKeyPair, privateKeyObject, signatureAlgorithmOf, signDer, spkiOf, type KeyPairPem } from './keys.js';
import { encodeName, type DistinguishedName } from './name.js';
import { OID, type ExtKeyUsage, type KeyUsage } from './oids.js';
import { parseCertificate } from './parse.js';
import { toPem } from './pem.js';

/** Clock and randomness for issuing; real ones by default. */
export interface PkiOptions {
  now?: Date;
  random?: (n: number) => Buffer;
  /** Where new key pairs come from (a KeyPool that generated them ahead); default: generate now. */
  keyPair?: (algorithm: KeyAlgorithm) => Promise<KeyPairPem>;
}

/** kubeadm constants.CertificateBackdate. */
export const CERTIFICATE_BACKDATE_MS = 5 * 60 * 1000;
const HOUR_MS = 3600 * 1000;

export interface CASpec {
  commonName: string;
  algorithm: KeyAlgorithm;
  validityHours: number;
}

export interface CertificateSpec {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
  /** Extended key usages (kubeadm requires at least one for a leaf). */
  usages: ExtKeyUsage[];
  /** Default: digitalSignature + keyEncipherment, as kubeadm. */
  keyUsages?: KeyUsage[];
  validityHours: number;
}

const LEAF_KEY_USAGES: KeyUsage[] = ['digitalSignature', 'keyEncipherment'];
const CA_KEY_USAGES: KeyUsage[] = ['digitalSignature', 'keyEncipherment', 'keyCertSign'];

interface Tbs {
  subject: DistinguishedName;
  spkiDer: Buffer;
  issuerDer: Buffer | 'self';
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

function serialNumber(random: (n: number) => Buffer): Buffer {
  const bytes = Buffer.from(random(8));
  bytes[0] = bytes[0]! & 0x7f;
  if (bytes.every((b) => b === 0)) bytes[7] = 1;
  return bytes;
}

/** The signature AlgorithmIdentifier for a signing key: RSA ones carry NULL parameters (RFC 4055), ECDSA none (RFC 5758). */
export function algorithmIdentifier(signingKey: KeyObject): Node {
  const sigOid = signatureAlgorithmOf(signingKey);
  return sigOid === OID.sha256WithRSAEncryption ? seq(oid(sigOid), nullValue()) : seq(oid(sigOid));
}

function signTbs(tbs: Tbs, signingKey: KeyObject, random: (n: number) => Buffer): string {
  const subject = encodeName(tbs.subject);
  const sigAlg = algorithmIdentifier(signingKey);
  const tbsDer = encode(
    seq(
      explicit(0, smallInteger(2)),
      unsignedInteger(serialNumber(random)),
      sigAlg,
      tbs.issuerDer === 'self' ? subject : decode(tbs.issuerDer),
      seq(time(tbs.notBefore), time(tbs.notAfter)),
      subject,
      decode(tbs.spkiDer),
      explicit(3, seq(...tbs.extensions.map(encodeExtension))),
    ),
  );
  const signature = signDer(tbsDer, signingKey);
  return toPem('CERTIFICATE', encode(seq(decode(tbsDer), sigAlg, bitString(signature))));
}

function defaults(opts: PkiOptions): { now: Date; random: (n: number) => Buffer } {
  return { now: opts.now ?? new Date(), random: opts.random ?? randomBytes };
}

/** A self-signed CA for an existing private key (PEM). */
export function selfSignCA(spec: Omit<CASpec, 'algorithm'>, keyPem: string, opts: PkiOptions = {}): string {
  const { now, random } = defaults(opts);
  const key = privateKeyObject(keyPem);
  const spkiDer = spkiOf(keyPem);
  return signTbs(
    {
      subject: { commonName: spec.commonName, organizations: [] },
      spkiDer,
      issuerDer: 'self',
      notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
      notAfter: new Date(now.getTime() + spec.validityHours * HOUR_MS),
      extensions: [
        keyUsageExtension(CA_KEY_USAGES),
        basicConstraintsExtension(true),
        subjectKeyIdExtension(subjectKeyId(spkiDer)),
        subjectAltNameExtension({ dnsNames: [spec.commonName], ips: [] }),
      ],
    },
    key,
    random,
  );
}

/** A new key and self-signed CA certificate (kubeadm NewCertificateAuthority). */
export async function createCA(spec: CASpec, opts: PkiOptions = {}): Promise<CertKeyPair> {
  const { key } = await generateKeyPair(spec.algorithm);
  return { cert: selfSignCA(spec, key, opts), key };
}

/** Signs a certificate for a public key (PEM SPKI, a private key PEM, or DER SPKI) with the issuer CA. */
export function signCertificate(publicKey: string | Buffer, spec: CertificateSpec, issuer: CertKeyPair, opts: PkiOptions = {}): string {
  const { now, random } = defaults(opts);
  const ca = parseCertificate(issuer.cert);
  if (!ca.isCA) throw new Error(`cannot issue "${spec.commonName}": the issuer certificate "${ca.subject.commonName}" is not a CA (basicConstraints CA:FALSE)`);
  const caKey = privateKeyObject(issuer.key);
  if (!ca.spkiDer.equals(spkiOf(issuer.key))) {
    throw new Error(`cannot issue "${spec.commonName}": the CA key does not belong to the CA certificate "${ca.subject.commonName}"; restore the matching key pair`);
  }
  if (!spec.commonName) throw new Error('cannot issue a certificate without a CommonName');
  const notAfter = Math.min(now.getTime() + spec.validityHours * HOUR_MS, ca.notAfter.getTime());
  const altNames: AltNames = normalizeAltNames({ dnsNames: spec.dnsNames, ips: spec.ips });
  const extensions = [keyUsageExtension(spec.keyUsages ?? LEAF_KEY_USAGES)];
  if (spec.usages.length > 0) extensions.push(extKeyUsageExtension(spec.usages));
  extensions.push(basicConstraintsExtension(false));
  if (ca.subjectKeyId) extensions.push(authorityKeyIdExtension(ca.subjectKeyId));
  if (altNames.dnsNames.length + altNames.ips.length > 0) extensions.push(subjectAltNameExtension(altNames));
  return signTbs(
    {
      subject: { commonName: spec.commonName, organizations: spec.organizations ?? [] },
      spkiDer: Buffer.isBuffer(publicKey) ? publicKey : spkiOf(publicKey),
      issuerDer: ca.subjectDer,
      notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
      notAfter: new Date(notAfter),
      extensions,
    },
    caKey,
    random,
  );
}

/** A new key and a certificate for it signed by the issuer (kubeadm NewCertAndKey). */
export async function createCertAndKey(spec: CertificateSpec & { algorithm: KeyAlgorithm }, issuer: CertKeyPair, opts: PkiOptions = {}): Promise<CertKeyPair> {
  if (spec.usages.length === 0) throw new Error(`cannot issue "${spec.commonName}": specify at least one extended key usage (serverAuth, clientAuth)`);
  const { key, pub } = await (opts.keyPair ?? generateKeyPair)(spec.algorithm);
  return { cert: signCertificate(pub, spec, issuer, opts), key };
}
