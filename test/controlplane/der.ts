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
