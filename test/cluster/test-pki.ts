// Certificates for cluster tests, made with the openssl CLI (a real, independent peer): a CA and leaf
// certificates signed by it, with the subjects, SANs and usages the test asks for. Test-only material
// in a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export interface LeafOptions {
  /** e.g. "/CN=kube-etcd" or "/O=system:nodes/CN=system:node:n1" */
  subject: string;
  /** e.g. ["DNS:localhost", "IP:127.0.0.1"] */
  sans?: string[];
  /** extendedKeyUsage, e.g. ["serverAuth", "clientAuth"] */
  usages: string[];
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCA(commonName: string): Pem {
  const dir = mkdtempSync(join(tmpdir(), 'kgen-test-ca-'));
  try {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
    return { cert: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeLeaf(ca: Pem, options: LeafOptions): Pem {
  const dir = mkdtempSync(join(tmpdir(), 'kgen-test-leaf-'));
  try {
    return leafIn(dir, ca, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function leafIn(dir: string, ca: Pem, options: LeafOptions): Pem {
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  writeFileSync(join(dir, 'ca.key'), ca.key, { mode: 0o600 });
  const ext = [
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${options.usages.join(',')}`,
    ...(options.sans?.length ? [`subjectAltName=${options.sans.join(',')}`] : []),
  ];
  writeFileSync(join(dir, 'ext.cnf'), `${ext.join('\n')}\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', options.subject, '-keyout', 'leaf.key', '-out', 'leaf.csr'], dir);
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'leaf.crt'], dir);
  return { cert: readFileSync(join(dir, 'leaf.crt'), 'utf8'), key: readFileSync(join(dir, 'leaf.key'), 'utf8') };
}
