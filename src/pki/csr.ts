// PKCS#10 certificate signing requests (RFC 2986), as Go's x509.CreateCertificateRequest writes them: version 0,
// subject, SubjectPublicKeyInfo, and an extensionRequest attribute carrying the subjectAltName when there are
// alternative names (an empty [0] attribute set otherwise). The kubelet's TLS bootstrap sends one of these for
// CN=system:node:<name>, O=system:nodes; the signer side (signCSR) copies subject and SANs into a certificate
// the way the kube-controller-manager's csrsigning controller does, with the usages the request asked for.
import { createPublicKey, verify } from 'node:crypto';
import type { CertKeyPair } from './types.js';
import {
  bitString,
  bitStringBytes,
  children,
  decode,
  elements,
  encode,
  implicitConstructed,
  oid,
  oidOf,
  seq,
  setOf,
  smallInteger,
  type Node,
} from './der.js';
import { decodeExtensions, encodeExtension, normalizeAltNames, subjectAltNameExtension } from './extensions.js';
import { privateKeyObject, signDer, spkiOf } from './keys.js';
import { decodeName, encodeName, type DistinguishedName } from './name.js';
import { OID } from './oids.js';
import { algorithmIdentifier, signCertificate, type CertificateSpec, type PkiOptions } from './certificate.js';
import { fromPem, toPem } from './pem.js';

export interface CSRRequest {
  commonName: string;
  organizations?: string[];
  /** The private key (PEM) whose public half is requested; it signs the request. */
  keyPem: string;
  dnsNames?: string[];
  ips?: string[];
}

export interface ParsedCSR {
  subject: DistinguishedName;
  /** SPKI PEM of the requested public key. */
  publicKeyPem: string;
  spkiDer: Buffer;
  dnsNames: string[];
  ips: string[];
  /** The self-signature verifies with the enclosed public key. */
  signatureValid: boolean;
}

export function createCSR(req: CSRRequest): string {
  const key = privateKeyObject(req.keyPem);
  const altNames = normalizeAltNames({ dnsNames: req.dnsNames, ips: req.ips });
  const attributes: Node[] = [];
  if (altNames.dnsNames.length + altNames.ips.length > 0) {
    const extensions = seq(encodeExtension(subjectAltNameExtension(altNames)));
    attributes.push(seq(oid(OID.extensionRequest), setOf(extensions)));
  }
  const info = encode(
    seq(
      smallInteger(0),
      encodeName({ commonName: req.commonName, organizations: req.organizations ?? [] }),
      decode(spkiOf(req.keyPem)),
      implicitConstructed(0, attributes),
    ),
  );
  return toPem('CERTIFICATE REQUEST', encode(seq(decode(info), algorithmIdentifier(key), bitString(signDer(info, key)))));
}

export function parseCSR(pem: string): ParsedCSR {
  const der = fromPem(pem, 'CERTIFICATE REQUEST', 'certificate request');
  try {
    const [info, sigAlg, signature] = elements(der);
    if (!info || !sigAlg || !signature) throw new Error('a CertificationRequest has three parts');
    const [, subject, spki, attributes] = elements(info);
    if (!subject || !spki || !attributes) throw new Error('CertificationRequestInfo is missing fields');
    let requested: Node | undefined;
    for (const attr of children(decode(attributes))) {
      const [type, values] = children(attr);
      if (oidOf(type!) === OID.extensionRequest) requested = children(values!)[0];
    }
    const ext = decodeExtensions(requested);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const sigOid = oidOf(children(decode(sigAlg))[0]!);
    const signatureValid =
      (sigOid === OID.sha256WithRSAEncryption || sigOid === OID.ecdsaWithSHA256) &&
      verify('sha256', info, publicKey, bitStringBytes(decode(signature)));
    return {
      subject: decodeName(decode(subject)),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      spkiDer: spki,
      dnsNames: ext.altNames.dnsNames,
      ips: ext.altNames.ips,
      signatureValid,
    };
  } catch (cause) {
    throw new Error(`certificate request: could not parse the PKCS#10 structure (${(cause as Error).message})`, { cause });
  }
}

/** What the signer decides; subject and SANs come from the request. */
export type CSRSigningSpec = Omit<CertificateSpec, 'commonName' | 'organizations' | 'dnsNames' | 'ips'>;

/** Verifies the request's signature and issues a certificate for its key, subject and SANs. */
export function signCSR(csrPem: string, issuer: CertKeyPair, spec: CSRSigningSpec, opts: PkiOptions = {}): string {
  const csr = parseCSR(csrPem);
  if (!csr.signatureValid) {
    throw new Error(`certificate request for "${csr.subject.commonName}" has an invalid signature; the requester must sign it with the requested key`);
  }
  return signCertificate(
    csr.spkiDer,
    { ...spec, commonName: csr.subject.commonName, organizations: csr.subject.organizations, dnsNames: csr.dnsNames, ips: csr.ips },
    issuer,
    opts,
  );
}

