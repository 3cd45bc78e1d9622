// PKCS#10 certificate requests as the certificates API handles them: parsed independently of kgen's
// src/pki (DER walked here, signature checked with node:crypto), and the request shapes the
// built-in signers accept (pkg/apis/certificates/helpers.go IsKubeletClientCSR /
// ValidateKubeletClientCSR, ValidateKubeletServingCSR; pkg/controller/certificates/signer/signer.go).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { children, oidOf, readTlv, type Tlv } from './der.js';

export interface ParsedCsr {
  commonName: string;
  organizations: string[];
  /** The subject Name exactly as encoded in the request. */
  subjectDer: Buffer;
  /** SubjectPublicKeyInfo exactly as encoded. */
  spkiDer: Buffer;
  publicKey: KeyObject;
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SAN = '2.5.29.17';

const SIGNATURE_HASHES: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

export class CsrError extends Error {}

function nameAttributes(name: Tlv): Array<{ oid: string; value: string }> {
  return children(name).flatMap((rdn) =>
    children(rdn).map((atv) => {
      const [type, value] = children(atv);
      return { oid: oidOf(type!), value: value!.body.toString('utf8') };
    }),
  );
}

function ipFromBytes(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // RFC 5952: compress the longest run (length >= 2) of zero groups.
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** Parses a PEM "CERTIFICATE REQUEST" and checks its self-signature. */
export function parseCsr(pem: string): ParsedCsr {
  const m = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]+?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new CsrError('PEM block type must be CERTIFICATE REQUEST');
  const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  let info: Tlv, sigAlg: Tlv, sig: Tlv;
  try {
    [info, sigAlg, sig] = children(readTlv(der)) as [Tlv, Tlv, Tlv];
  } catch (err) {
    throw new CsrError(`certificate request is not valid DER: ${(err as Error).message}`);
  }
  const [, subject, spki, attributes] = children(info) as [Tlv, Tlv, Tlv, Tlv | undefined];
  const publicKey = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
  const algOid = oidOf(children(sigAlg)[0]!);
  if (!(algOid in SIGNATURE_HASHES)) throw new CsrError(`unsupported CSR signature algorithm ${algOid}`);
  // BIT STRING: first content byte is the number of unused bits (0 for signatures).
  if (!verify(SIGNATURE_HASHES[algOid]!, info.raw, publicKey, sig.body.subarray(1))) {
    throw new CsrError('certificate request signature does not verify with its own public key');
  }
  const attrs = nameAttributes(subject);
  const out: ParsedCsr = {
    commonName: attrs.find((a) => a.oid === OID_CN)?.value ?? '',
    organizations: attrs.filter((a) => a.oid === OID_O).map((a) => a.value),
    subjectDer: subject.raw,
    spkiDer: spki.raw,
    publicKey,
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
  };
  for (const attr of attributes ? children(attributes) : []) {
    const [type, values] = children(attr);
    if (oidOf(type!) !== OID_EXTENSION_REQUEST) continue;
    for (const ext of children(children(values!)[0]!)) {
      const parts = children(ext);
      if (oidOf(parts[0]!) !== OID_SAN) continue;
      const names = children(readTlv(parts[parts.length - 1]!.body));
      for (const n of names) {
        const tagNo = n.tag & 0x1f;
        if (tagNo === 2) out.dnsNames.push(n.body.toString('latin1'));
        else if (tagNo === 7) out.ipAddresses.push(ipFromBytes(n.body));
        else if (tagNo === 1) out.emailAddresses.push(n.body.toString('latin1'));
        else if (tagNo === 6) out.uris.push(n.body.toString('latin1'));
      }
    }
  }
  return out;
}

const setEquals = (a: Set<string>, b: readonly string[]): boolean => a.size === b.length && b.every((x) => a.has(x));

/** ValidateKubeletClientCSR: the only shape kube-apiserver-client-kubelet accepts. Returns the problem, or undefined. */
export function kubeletClientProblem(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (csr.dnsNames.length || csr.emailAddresses.length || csr.ipAddresses.length || csr.uris.length) {
    return 'DNS, email, IP or URI subjectAltNames are not allowed';
  }
  if (!csr.commonName.startsWith('system:node:') || csr.commonName === 'system:node:') return 'subject common name does not begin with system:node:';
  const u = new Set(usages);
  if (!setEquals(u, ['digital signature', 'key encipherment', 'client auth']) && !setEquals(u, ['digital signature', 'client auth'])) {
    return `usages did not match [client auth digital signature] or [client auth digital signature key encipherment]: ${[...u].sort().join(' ')}`;
  }
  return undefined;
}

/** ValidateKubeletServingCSR. */
export function kubeletServingProblem(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (csr.dnsNames.length + csr.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (csr.emailAddresses.length || csr.uris.length) return 'Email and URI subjectAltNames are not allowed';
  if (!csr.commonName.startsWith('system:node:') || csr.commonName === 'system:node:') return 'subject common name does not begin with system:node:';
  const allowed = new Set(['digital signature', 'key encipherment', 'server auth']);
  if (!usages.includes('server auth') || usages.some((x) => !allowed.has(x))) {
    return `usages must include server auth and only digital signature, key encipherment, server auth: ${usages.join(' ')}`;
  }
  return undefined;
}

/** signer.go isKubeAPIServerClient: client auth required, nothing beyond signature/encipherment. */
export function apiServerClientProblem(_csr: ParsedCsr, usages: readonly string[]): string | undefined {
  const allowed = new Set(['digital signature', 'key encipherment', 'client auth']);
  if (!usages.includes('client auth') || usages.some((x) => !allowed.has(x))) {
    return `invalid usage for client certificate: ${usages.join(' ')}`;
  }
  return undefined;
}
