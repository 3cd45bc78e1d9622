// Reading certificates back (RFC 5280 4.1): what kgen needs to decide whether an existing certificate can be
// kept (subject, SANs, usages, validity, issuer, key) and to pin a CA. Raw byte ranges are kept where upstream
// hashes or compares exact bytes: SubjectPublicKeyInfo (kubeadm's pubkeypin), subject (a leaf's issuer).
import { X509Certificate } from 'node:crypto';
import { bytesOf, children, decode, elements, isContext, oidOf, timeOf } from './der.js';
import { decodeExtensions } from './extensions.js';
import { spkiOf } from './keys.js';
import { decodeName, type DistinguishedName } from './name.js';
import type { ExtKeyUsage, KeyUsage } from './oids.js';
import { fromPem } from './pem.js';

export interface ParsedCertificate {
  der: Buffer;
  /** Lower-case hex of the serial number's value bytes. */
  serialNumber: string;
  signatureAlgorithm: string;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** Exact DER of the subject Name (a certificate it issues carries these bytes as its issuer). */
  subjectDer: Buffer;
  issuerDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ips: string[];
  isCA: boolean;
  keyUsages: KeyUsage[];
  /** Known usages by name, others as dotted OIDs. */
  extKeyUsages: Array<ExtKeyUsage | string>;
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  /** Exact DER SubjectPublicKeyInfo. */
  spkiDer: Buffer;
}

/** Parses the first CERTIFICATE block of a PEM text. */
export function parseCertificate(pem: string): ParsedCertificate {
  const der = fromPem(pem, 'CERTIFICATE', 'certificate');
  try {
    return parseCertificateDer(der);
  } catch (cause) {
    throw new Error(`certificate: could not parse the X.509 structure (${(cause as Error).message}); expected a DER certificate in PEM`, { cause });
  }
}

function parseCertificateDer(der: Buffer): ParsedCertificate {
  const [tbs, sigAlg] = elements(der);
  if (!tbs || !sigAlg) throw new Error('a Certificate has three parts');
  const fields = elements(tbs);
  const offset = fields[0] && isContext(decode(fields[0]), 0) ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(offset);
  if (!serial || !issuer || !validity || !subject || !spki) throw new Error('TBSCertificate is missing fields');
  const extensionsWrapper = fields.slice(offset + 6).map(decode).find((n) => isContext(n, 3));
  const ext = decodeExtensions(extensionsWrapper ? children(extensionsWrapper)[0] : undefined);
  const [notBefore, notAfter] = children(decode(validity)).map(timeOf);
  return {
    der,
    serialNumber: bytesOf(decode(serial)).toString('hex').replace(/^(00)+(?=.)/, ''),
    signatureAlgorithm: oidOf(children(decode(sigAlg))[0]!),
    subject: decodeName(decode(subject)),
    issuer: decodeName(decode(issuer)),
    subjectDer: subject,
    issuerDer: issuer,
    notBefore: notBefore!,
    notAfter: notAfter!,
    dnsNames: ext.altNames.dnsNames,
    ips: ext.altNames.ips,
    isCA: ext.isCA,
    keyUsages: ext.keyUsages,
    extKeyUsages: ext.extKeyUsages,
    subjectKeyId: ext.subjectKeyId,
    authorityKeyId: ext.authorityKeyId,
    spkiDer: spki,
  };
}

/** True when the private key (PEM) belongs to the certificate's public key. */
export function certMatchesKey(certPem: string, keyPem: string): boolean {
  return parseCertificate(certPem).spkiDer.equals(spkiOf(keyPem));
}

/** True when `certPem` names `caPem`'s subject as issuer and carries a valid signature by its key. */
export function certSignedBy(certPem: string, caPem: string): boolean {
  const cert = new X509Certificate(fromPem(certPem, 'CERTIFICATE', 'certificate'));
  const ca = new X509Certificate(fromPem(caPem, 'CERTIFICATE', 'CA certificate'));
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}
