// X.509 v3 extensions kubeadm's certificates carry, encoded as Go's crypto/x509 buildCertExtensions does
// (order: keyUsage, extKeyUsage, basicConstraints, subjectKeyIdentifier, authorityKeyIdentifier,
// subjectAltName), and read back for parseCertificate / parseCSR.
// Alternative names are normalised like kubeadm's pkiutil.RemoveDuplicateAltNames: DNS names sorted and
// de-duplicated, IPs de-duplicated in order (upstream cmd/kubeadm/app/util/pkiutil/pki_helpers.go).
import { createHash } from 'node:crypto';
import { formatIP, parseIP } from '../net.js';
import {
  bitString,
  bitStringBytes,
  bool,
  bytesOf,
  children,
  decode,
  encode,
  implicitPrimitive,
  isContext,
  octetString,
  oid,
  oidOf,
  seq,
  TAG,
  type Node,
} from './der.js';
import { EXT_KEY_USAGE_OID, KEY_USAGE_BITS, OID, type ExtKeyUsage, type KeyUsage } from './oids.js';

export interface AltNames {
  dnsNames: string[];
  ips: string[];
}

const GN_DNS = 2;
const GN_IP = 7;

function ipBytes(text: string): Buffer {
  const ip = parseIP(text);
  if (!ip) throw new Error(`"${text}" is not an IP address; expected IPv4 (10.0.0.1) or IPv6 (fd00::1) without brackets or zone`);
  const hex = ip.value.toString(16).padStart(ip.family === 4 ? 8 : 32, '0');
  return Buffer.from(hex, 'hex');
}

function ipText(bytes: Buffer): string {
  if (bytes.length !== 4 && bytes.length !== 16) return `<${bytes.length}-byte address>`;
  return formatIP({ family: bytes.length === 4 ? 4 : 6, value: BigInt(`0x${bytes.toString('hex')}`) });
}

export function normalizeAltNames(names: Partial<AltNames>): AltNames {
  const dnsNames = [...new Set(names.dnsNames ?? [])].sort();
  const seen = new Set<string>();
  const ips: string[] = [];
  for (const ip of names.ips ?? []) {
    const canonical = ipText(ipBytes(ip));
    if (!seen.has(canonical)) ips.push(canonical);
    seen.add(canonical);
  }
  return { dnsNames, ips };
}

export interface Extension {
  oid: string;
  critical: boolean;
  value: Node;
}

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING } */
export function encodeExtension(e: Extension): Node {
  return seq(oid(e.oid), ...(e.critical ? [bool(true)] : []), octetString(encode(e.value)));
}

export function keyUsageExtension(usages: readonly KeyUsage[]): Extension {
  if (usages.length === 0) throw new Error('a key usage extension needs at least one usage');
  const indexes = usages.map((u) => KEY_USAGE_BITS.indexOf(u));
  // Bit 0 is the most significant bit of the first byte; trailing zero bits are not encoded (DER).
  const bitLength = Math.max(...indexes) + 1;
  const bytes = Buffer.alloc(Math.ceil(bitLength / 8));
  for (const i of indexes) bytes[i >> 3] = bytes[i >> 3]! | (0x80 >> (i & 7));
  return { oid: OID.keyUsage, critical: true, value: bitString(bytes, bytes.length * 8 - bitLength) };
}

export function extKeyUsageExtension(usages: readonly ExtKeyUsage[]): Extension {
  return { oid: OID.extKeyUsage, critical: false, value: seq(...usages.map((u) => oid(EXT_KEY_USAGE_OID[u]))) };
}

/** cA is omitted for leaves (DEFAULT FALSE), no pathLenConstraint (Go's MaxPathLen -1). */
export function basicConstraintsExtension(isCA: boolean): Extension {
  return { oid: OID.basicConstraints, critical: true, value: isCA ? seq(bool(true)) : seq() };
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function subjectKeyId(spkiDer: Buffer): Buffer {
  const [, publicKey] = children(decode(spkiDer));
  return createHash('sha1').update(bitStringBytes(publicKey!)).digest();
}

export function subjectKeyIdExtension(keyId: Buffer): Extension {
  return { oid: OID.subjectKeyIdentifier, critical: false, value: octetString(keyId) };
}

export function authorityKeyIdExtension(keyId: Buffer): Extension {
  return { oid: OID.authorityKeyIdentifier, critical: false, value: seq(implicitPrimitive(0, keyId)) };
}

export function subjectAltNameExtension(names: AltNames): Extension {
  const general = [
    ...names.dnsNames.map((d) => implicitPrimitive(GN_DNS, Buffer.from(d, 'ascii'))),
    ...names.ips.map((ip) => implicitPrimitive(GN_IP, ipBytes(ip))),
  ];
  return { oid: OID.subjectAltName, critical: false, value: seq(...general) };
}

// ---- reading -------------------------------------------------------------------------------------------

export interface DecodedExtensions {
  isCA: boolean;
  keyUsages: KeyUsage[];
  extKeyUsages: Array<ExtKeyUsage | string>;
  altNames: AltNames;
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
}

/** Reads the extensions kgen cares about from a SEQUENCE OF Extension; unknown ones are skipped. */
export function decodeExtensions(list: Node | undefined): DecodedExtensions {
  const out: DecodedExtensions = { isCA: false, keyUsages: [], extKeyUsages: [], altNames: { dnsNames: [], ips: [] } };
  for (const ext of list ? children(list) : []) {
    const parts = children(ext);
    const id = oidOf(parts[0]!);
    const value = decode(bytesOf(parts[parts.length - 1]!));
    switch (id) {
      case OID.basicConstraints: {
        const first = children(value)[0];
        out.isCA = first !== undefined && first.type === TAG.BOOLEAN && bytesOf(first)[0] !== 0;
        break;
      }
      case OID.keyUsage: {
        const bytes = bitStringBytes(value);
        out.keyUsages = KEY_USAGE_BITS.filter((_, i) => ((bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
        break;
      }
      case OID.extKeyUsage: {
        const names = Object.entries(EXT_KEY_USAGE_OID);
        out.extKeyUsages = children(value).map((n) => {
          const o = oidOf(n);
          return (names.find(([, v]) => v === o)?.[0] as ExtKeyUsage | undefined) ?? o;
        });
        break;
      }
      case OID.subjectAltName:
        for (const gn of children(value)) {
          if (isContext(gn, GN_DNS)) out.altNames.dnsNames.push(bytesOf(gn).toString('ascii'));
          else if (isContext(gn, GN_IP)) out.altNames.ips.push(ipText(bytesOf(gn)));
        }
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyId = bytesOf(value);
        break;
      case OID.authorityKeyIdentifier: {
        const keyId = children(value).find((n) => isContext(n, 0));
        if (keyId) out.authorityKeyId = bytesOf(keyId);
        break;
      }
    }
  }
  return out;
}
