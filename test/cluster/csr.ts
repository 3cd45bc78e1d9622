// PKCS#10 certificate requests for ECDSA keys (RFC 2986), as client-go's certutil.MakeCSR produces for
// the kubelet: subject O then CN (Go's pkix.Name order), no extensions, signed ecdsa-with-SHA256.
// node-forge only signs with RSA, so the DER is assembled with forge.asn1 and signed with node:crypto.
// Also the CSR object name the kubelet derives from its request (upstream:
// pkg/kubelet/certificate/bootstrap/bootstrap.go digestedName).
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const OID_ORGANIZATION = '2.5.4.10';
const OID_COMMON_NAME = '2.5.4.3';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export interface Subject {
  commonName: string;
  organizations: string[];
}

function attribute(oid: string, value: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(value)),
    ]),
  ]);
}

function spkiDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/** PEM "CERTIFICATE REQUEST" for an ECDSA private key. */
export function makeCertificateRequest(privateKey: KeyObject, subject: Subject): string {
  if (privateKey.asymmetricKeyType !== 'ec') throw new Error(`expected an ECDSA key, got ${privateKey.asymmetricKeyType}`);
  const name = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    ...subject.organizations.map((o) => attribute(OID_ORGANIZATION, o)),
    attribute(OID_COMMON_NAME, subject.commonName),
  ]);
  const info = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(0).getBytes()),
    name,
    asn1.fromDer(spkiDer(privateKey).toString('binary')),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, []),
  ]);
  const infoDer = Buffer.from(asn1.toDer(info).getBytes(), 'binary');
  const signature = sign('sha256', infoDer, privateKey);
  const request = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    info,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_ECDSA_WITH_SHA256).getBytes()),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${signature.toString('binary')}`),
  ]);
  const der = Buffer.from(asn1.toDer(request).getBytes(), 'binary');
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** "node-csr-" + base64url(SHA-512/256 over base64url(field) + "|" for spki, CN, each O, each usage). */
export function digestedName(privateKey: KeyObject, subject: Subject, usages: readonly string[]): string {
  const hash = createHash('sha512-256');
  for (const field of [spkiDer(privateKey), subject.commonName, ...subject.organizations, ...usages]) {
    hash.update(Buffer.from(field).toString('base64url'));
    hash.update('|');
  }
  return `node-csr-${hash.digest('base64url')}`;
}
