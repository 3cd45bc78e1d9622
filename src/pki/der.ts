// DER building blocks for X.509 (RFC 5280) and PKCS#10 (RFC 2986) structures, on node-forge's ASN.1 codec.
// Builders return forge nodes; `encode` turns a node into DER bytes. Readers work on forge nodes and on raw
// TLV slices (`elements`), the latter where a signature covers exact bytes (TBSCertificate, subject, SPKI).
// Strings are encoded the way Go's encoding/asn1 does (PrintableString when every character allows it,
// UTF8String otherwise) so that names compare byte-for-byte with kubeadm-issued certificates.
import asn1, { type Asn1Node } from 'node-forge/lib/asn1.js';

export type Node = Asn1Node;

const UNIVERSAL = 0x00;
const CONTEXT = 0x80;

export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BITSTRING: 3,
  OCTETSTRING: 4,
  NULL: 5,
  OID: 6,
  UTF8: 12,
  SEQUENCE: 16,
  SET: 17,
  PRINTABLE: 19,
  UTCTIME: 23,
  GENERALIZEDTIME: 24,
} as const;

const bin = (b: Buffer): string => b.toString('binary');
const buf = (s: string): Buffer => Buffer.from(s, 'binary');

export function encode(node: Node): Buffer {
  return buf(asn1.toDer(node).getBytes());
}

/** Parses one DER element; BIT STRINGs stay opaque (their first byte is the unused-bit count). */
export function decode(der: Buffer): Node {
  return asn1.fromDer(bin(der), { strict: true, decodeBitStrings: false, parseAllBytes: true });
}

export const seq = (...children: Node[]): Node => asn1.create(UNIVERSAL, TAG.SEQUENCE, true, children);

/** SET OF, sorted by encoding as DER requires. */
export function setOf(...children: Node[]): Node {
  const sorted = children.map((c) => ({ c, der: encode(c) })).sort((a, b) => Buffer.compare(a.der, b.der));
  return asn1.create(UNIVERSAL, TAG.SET, true, sorted.map((s) => s.c));
}

export const oid = (dotted: string): Node => asn1.create(UNIVERSAL, TAG.OID, false, asn1.oidToDer(dotted).getBytes());
export const nullValue = (): Node => asn1.create(UNIVERSAL, TAG.NULL, false, '');
export const bool = (v: boolean): Node => asn1.create(UNIVERSAL, TAG.BOOLEAN, false, v ? '\xff' : '\x00');
export const octetString = (b: Buffer): Node => asn1.create(UNIVERSAL, TAG.OCTETSTRING, false, bin(b));

/** INTEGER from unsigned big-endian bytes: minimal, and positive (a 0x00 is prepended when the top bit is set). */
export function unsignedInteger(bytes: Buffer): Node {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = bytes.subarray(i);
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return asn1.create(UNIVERSAL, TAG.INTEGER, false, bin(body));
}

export const smallInteger = (n: number): Node => unsignedInteger(Buffer.from([n]));

export function bitString(bytes: Buffer, unusedBits = 0): Node {
  return asn1.create(UNIVERSAL, TAG.BITSTRING, false, String.fromCharCode(unusedBits) + bin(bytes));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A DirectoryString as Go writes it: PrintableString if possible, else UTF8String. */
export function directoryString(s: string): Node {
  const tag = PRINTABLE.test(s) ? TAG.PRINTABLE : TAG.UTF8;
  return asn1.create(UNIVERSAL, tag, false, bin(Buffer.from(s, 'utf8')));
}

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050; whole seconds. */
export function time(d: Date): Node {
  const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
  return whole.getUTCFullYear() < 2050
    ? asn1.create(UNIVERSAL, TAG.UTCTIME, false, asn1.dateToUtcTime(whole))
    : asn1.create(UNIVERSAL, TAG.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(whole));
}

/** [n] EXPLICIT wrapper. */
export const explicit = (tag: number, child: Node): Node => asn1.create(CONTEXT, tag, true, [child]);
/** [n] IMPLICIT constructed (e.g. CSR attributes). */
export const implicitConstructed = (tag: number, children: Node[]): Node => asn1.create(CONTEXT, tag, true, children);
/** [n] IMPLICIT primitive (e.g. GeneralName dNSName, keyIdentifier). */
export const implicitPrimitive = (tag: number, bytes: Buffer): Node => asn1.create(CONTEXT, tag, false, bin(bytes));

// ---- readers -------------------------------------------------------------------------------------------

export function children(node: Node): Node[] {
  if (!Array.isArray(node.value)) throw new Error(`expected a constructed ASN.1 element, found primitive tag ${node.type}`);
  return node.value;
}

export function bytesOf(node: Node): Buffer {
  if (Array.isArray(node.value)) throw new Error(`expected a primitive ASN.1 element, found constructed tag ${node.type}`);
  return buf(node.value);
}

export const oidOf = (node: Node): string => asn1.derToOid(bytesOf(node).toString('binary'));
export const isContext = (node: Node, tag: number): boolean => node.tagClass === CONTEXT && node.type === tag;

export function stringOf(node: Node): string {
  return bytesOf(node).toString(node.type === TAG.UTF8 ? 'utf8' : 'latin1');
}

export function timeOf(node: Node): Date {
  const s = bytesOf(node).toString('latin1');
  return node.type === TAG.UTCTIME ? asn1.utcTimeToDate(s) : asn1.generalizedTimeToDate(s);
}

/** BIT STRING contents without the unused-bits byte. */
export function bitStringBytes(node: Node): Buffer {
  return bytesOf(node).subarray(1);
}

/** The raw TLVs inside a constructed DER element (exact bytes, for signatures and hashes). */
export function elements(der: Buffer): Buffer[] {
  const { headerLength, length } = header(der, 0);
  const out: Buffer[] = [];
  let pos = headerLength;
  const end = headerLength + length;
  while (pos < end) {
    const h = header(der, pos);
    out.push(der.subarray(pos, pos + h.headerLength + h.length));
    pos += h.headerLength + h.length;
  }
  return out;
}

function header(der: Buffer, pos: number): { headerLength: number; length: number } {
  if (pos + 2 > der.length || (der[pos]! & 0x1f) === 0x1f) throw new Error('malformed DER: truncated or high-tag-number element');
  const first = der[pos + 1]!;
  if (first < 0x80) return check(der, pos, 2, first);
  const n = first & 0x7f;
  if (n === 0 || n > 4 || pos + 2 + n > der.length) throw new Error('malformed DER: unsupported length encoding');
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + der[pos + 2 + i]!;
  return check(der, pos, 2 + n, length);
}

function check(der: Buffer, pos: number, headerLength: number, length: number): { headerLength: number; length: number } {
  if (pos + headerLength + length > der.length) throw new Error('malformed DER: element runs past the end of its container');
  return { headerLength, length };
}
