// What a dry run prints for a file it does not write (upstream: cmd/kubeadm/app/util/dryrun/dryrun.go
// PrintDryRunFiles: `[dryrun] Would write file "<path>" with content:` and the bytes), with the secrets a
// node's files hold replaced by <redacted>: the body of every PEM private key, and in kubeconfigs and the
// encryption config the values of `client-key-data`, `token` and `secret`.
import { REDACTED } from '../cluster/dry-run-print.js';

const PEM_PRIVATE_KEY = /(-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----)[\s\S]*?(-----END \2-----)/g;
const SECRET_YAML_VALUE = /^(\s*(?:- )?(?:client-key-data|token|secret): *)\S.*$/gm;

/** The file's content as the dry run shows it: text with its secrets redacted, or a byte count for binary data. */
export function fileContentForPrint(data: Buffer): string {
  const text = data.toString('utf8');
  if (text.includes('\uFFFD')) return `<${data.length} bytes of binary data>`;
  return text.replace(PEM_PRIVATE_KEY, `$1\n${REDACTED}\n$3`).replace(SECRET_YAML_VALUE, `$1${REDACTED}`);
}

/** kubeadm's header line, then the content (no trailing newline: each printed line gets one). */
export function describeFileWrite(path: string, data: Buffer): string[] {
  return [`[dryrun] Would write file "${path}" with content:`, fileContentForPrint(data).replace(/\n$/, '')];
}
