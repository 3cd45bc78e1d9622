// Object identifiers used by kgen's certificates and CSRs (RFC 5280, RFC 2986, RFC 3279, RFC 5758),
// with the names Go's crypto/x509 and OpenSSL print for them.

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

export const EXT_KEY_USAGE_OID: Record<ExtKeyUsage, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** KeyUsage bits in RFC 5280 order (bit 0 first). */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'contentCommitment',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsage = (typeof KEY_USAGE_BITS)[number];
