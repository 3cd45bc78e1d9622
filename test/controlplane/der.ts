// A minimal DER reader that keeps exact byte ranges (needed to verify signatures over the signed
// part of a CSR as received) plus OID decoding via node-forge's ASN.1 module.
import forge from 'node-forge';

export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number). */
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  /** Contents only. */
  body: Buffer;
}

export function readTlv(buf: Buffer, offset = 0): Tlv {
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error(`DER: unsupported length encoding at byte ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    header += n;
  }
  const end = offset + header + len;
  if (end > buf.length) throw new Error(`DER: element at byte ${offset} runs past the end of the data`);
  return { tag, raw: buf.subarray(offset, end), body: buf.subarray(offset + header, end) };
}

/** The elements inside a constructed element. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < t.body.length; ) {
    const child = readTlv(t.body, off);
    out.push(child);
    off += child.raw.length;
  }
  return out;
}

export const oidOf = (t: Tlv): string => forge.asn1.derToOid(t.body.toString('binary'));

// DER writing: just the primitives a certificate needs.
function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
};
export const seq = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const bitString = (b: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), b);
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
export const oid = (dotted: string): Buffer => tlv(0x06, Buffer.from(forge.asn1.oidToDer(dotted).getBytes(), 'binary'));
/** A non-negative INTEGER from big-endian magnitude bytes. */
export const unsignedInt = (magnitude: Buffer): Buffer => {
  let m = magnitude;
  while (m.length > 1 && m[0] === 0 && m[1]! < 0x80) m = m.subarray(1);
  return tlv(0x02, m[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m);
};
/** [n] EXPLICIT */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
export const time = (d: Date): Buffer => {
  const iso = d.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
};
