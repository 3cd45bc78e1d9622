// Issues X.509 certificates for approved CSRs the way kube-controller-manager's csrsigning
// controller does with --cluster-signing-cert-file/--cluster-signing-key-file
// (pkg/controller/certificates/authority/authority.go and policies.go PermissiveSigningPolicy):
// subject, public key and subjectAltNames from the request; key usages from spec.usages;
// basicConstraints CA:false (critical); authorityKeyIdentifier = the CA's subjectKeyIdentifier;
// random 128-bit serial; notBefore = now - 5m (backdate); notAfter = now + ttl (- backdate when
// ttl >= 8h), never past the CA's notAfter. The DER is assembled here and signed with node:crypto,
// independently of kgen's src/pki.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { ParsedCsr } from './csr.js';
import { bitString, bool, children, explicit, octets, oid, oidOf, readTlv, seq, time, tlv, unsignedInt, nullValue } from './der.js';

const KEY_USAGE_BITS: Record<string, number> = {
  signing: 0,
  'digital signature': 0,
  'content commitment': 1,
  'key encipherment': 2,
  'data encipherment': 3,
  'key agreement': 4,
  'cert sign': 5,
  'crl sign': 6,
  'encipher only': 7,
  'decipher only': 8,
};

const EXT_KEY_USAGE_OIDS: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

export class SigningError extends Error {}

const BACKDATE_MS = 5 * 60_000;
const SHORT_MS = 8 * 3600_000;

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** keyUsage as Go's marshalKeyUsage writes it: bit 0 first, trailing zero bits dropped. */
function keyUsageValue(bits: number[]): Buffer {
  const bytes = Buffer.alloc(bits.some((b) => b >= 8) ? 2 : 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const last = bytes[bytes.length - 1]!;
  let unused = 0;
  while (unused < 8 && last !== 0 && ((last >> unused) & 1) === 0) unused++;
  return bitString(bytes, last === 0 ? 0 : unused);
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

export interface SigningCA {
  notAfter: Date;
  key: KeyObject;
  subjectDer: Buffer;
  subjectKeyId?: Buffer;
}

export function loadSigningCA(certPem: string, keyPem: string): SigningCA {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(key)) throw new SigningError('the cluster signing key does not match the cluster signing certificate');
  const tbs = children(children(readTlv(cert.raw))[0]!);
  const offset = tbs[0]!.tag === 0xa0 ? 1 : 0;
  const subjectDer = tbs[offset + 4]!.raw;
  const extsWrapper = tbs.find((t) => t.tag === 0xa3);
  let subjectKeyId: Buffer | undefined;
  for (const ext of extsWrapper ? children(children(extsWrapper)[0]!) : []) {
    const parts = children(ext);
    if (oidOf(parts[0]!) === '2.5.29.14') subjectKeyId = readTlv(parts[parts.length - 1]!.body).body;
  }
  return { notAfter: new Date(cert.validTo), key, subjectDer, subjectKeyId };
}

/**
 * A self-signed serving certificate for 127.0.0.1/localhost, as the controller-manager makes for
 * its secure port when given no --tls-cert-file (apiserver's MaybeDefaultWithSelfSignedCerts).
 */
export function selfSignedServing(cn: string, now: Date): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subjectDer = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));
  const self: SigningCA = { notAfter: new Date(now.getTime() + 366 * 24 * 3600_000), key: privateKey, subjectDer };
  const request: ParsedCsr = {
    commonName: cn,
    organizations: [],
    subjectDer,
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
    publicKey,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    emailAddresses: [],
    uris: [],
  };
  const cert = signCertificate(self, request, ['digital signature', 'key encipherment', 'server auth'], 365 * 24 * 3600_000, now);
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function signatureAlgorithm(key: KeyObject): { algId: Buffer; hash: string } {
  if (key.asymmetricKeyType === 'rsa') return { algId: seq(oid('1.2.840.113549.1.1.11'), nullValue()), hash: 'sha256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return { algId: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
    return { algId: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
  }
  throw new SigningError(`unsupported CA key type ${key.asymmetricKeyType}; expected RSA or ECDSA`);
}

/** Returns the PEM certificate for `csr`, valid for `ttlMs` from `now` within the CA's lifetime. */
export function signCertificate(ca: SigningCA, csr: ParsedCsr, usages: readonly string[], ttlMs: number, now: Date): string {
  const bits: number[] = [];
  const ekus: string[] = [];
  for (const u of usages) {
    if (u in KEY_USAGE_BITS) bits.push(KEY_USAGE_BITS[u]!);
    else if (u in EXT_KEY_USAGE_OIDS) ekus.push(EXT_KEY_USAGE_OIDS[u]!);
    else throw new SigningError(`unrecognized usage: ${u}`);
  }
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + (ttlMs < SHORT_MS ? ttlMs : ttlMs - BACKDATE_MS));
  if (notAfter >= ca.notAfter) notAfter = ca.notAfter;
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const { algId, hash } = signatureAlgorithm(ca.key);

  const exts: Buffer[] = [];
  if (bits.length) exts.push(extension('2.5.29.15', true, keyUsageValue([...new Set(bits)])));
  if (ekus.length) exts.push(extension('2.5.29.37', false, seq(...[...new Set(ekus)].map(oid))));
  exts.push(extension('2.5.29.19', true, seq()));
  if (ca.subjectKeyId) exts.push(extension('2.5.29.35', false, seq(tlv(0x80, ca.subjectKeyId))));
  const sans = [
    ...csr.emailAddresses.map((e) => tlv(0x81, Buffer.from(e))),
    ...csr.dnsNames.map((d) => tlv(0x82, Buffer.from(d))),
    ...csr.uris.map((u) => tlv(0x86, Buffer.from(u))),
    ...csr.ipAddresses.map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  if (sans.length) exts.push(extension('2.5.29.17', false, seq(...sans)));

  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([2]))),
    unsignedInt(serial),
    algId,
    ca.subjectDer,
    seq(time(notBefore), time(notAfter)),
    csr.subjectDer,
    csr.spkiDer,
    explicit(3, seq(...exts)),
  );
  const signature = sign(hash, tbs, ca.key);
  const der = seq(tbs, algId, bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}


