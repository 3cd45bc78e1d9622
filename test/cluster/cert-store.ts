// The kubelet's client certificate file store (upstream: client-go util/certificate/certificate_store.go
// with pairNamePrefix "kubelet-client" in /var/lib/kubelet/pki): each pair is written as
// kubelet-client-<YYYY-MM-DD-HH-MM-SS>.pem (certificate then key, 0600) and kubelet-client-current.pem
// is a symlink to the newest. One deliberate difference: the symlink target is relative (upstream writes
// an absolute path), because the node's files live under a root directory here.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const KUBELET_CERT_DIR = '/var/lib/kubelet/pki';
export const CURRENT_PAIR = 'kubelet-client-current.pem';
export const CURRENT_PAIR_PATH = `${KUBELET_CERT_DIR}/${CURRENT_PAIR}`;

export interface Pair {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;
const KEY_RE = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/;

/** Parses "certificate(s) + key" PEM; throws when either is missing or they do not match. */
function parsePair(certPem: string, keyPem: string): Pair {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(key)) throw new Error('the certificate does not match the private key');
  return { certPem, keyPem, cert, key };
}

/** The current pair, or undefined when there is none or it cannot be parsed. */
export function currentPair(certDir: string): Pair | undefined {
  const path = join(certDir, CURRENT_PAIR);
  if (!existsSync(path)) return undefined;
  try {
    const text = readFileSync(path, 'utf8');
    const certs = text.match(CERT_RE);
    const key = KEY_RE.exec(text)?.[0];
    if (!certs || !key) return undefined;
    return parsePair(certs.join(''), key);
  } catch {
    return undefined;
  }
}

/** Go's time.Format("2006-01-02-15-04-05") in local time. */
function storeTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/** Writes a new pair and points the current symlink at it (store.Update). */
export function updatePair(certDir: string, certPem: string, keyPem: string): Pair {
  const pair = parsePair(certPem, keyPem);
  mkdirSync(certDir, { recursive: true, mode: 0o755 });
  const file = `kubelet-client-${storeTimestamp(new Date())}.pem`;
  writeFileSync(join(certDir, file), `${certPem.trimEnd()}\n${keyPem.trimEnd()}\n`, { mode: 0o600 });
  const tmpLink = join(certDir, `${CURRENT_PAIR}.tmp`);
  rmSync(tmpLink, { force: true });
  symlinkSync(file, tmpLink);
  renameSync(tmpLink, join(certDir, CURRENT_PAIR));
  return pair;
}
