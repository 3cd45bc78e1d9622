// kubeadm's certificate expiry report, shared by `kgen certs check-expiration` (the operator's seat) and
// `kgen-boot certs check-expiration` (the node's own files) (upstream: cmd/kubeadm/app/cmd/certs.go
// newCmdCertsExpiration and its text printer): the EXPIRES column in Go's "Jan 02, 2006 15:04 MST", RESIDUAL TIME
// as apimachinery's short human duration, the two tables' columns, and the JSON form of one row.
import type { CertificateExpiration } from '../pki/expiration.js';
import { rfc3339 } from '../secrets/tokens.js';
import { shortHumanDuration } from './durations.js';
import { tabwriterTable } from './table.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Go's "Jan 02, 2006 15:04 MST" in UTC, kubeadm's EXPIRES format. */
export function kubeadmExpiryTime(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())}, ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** A certificate the report names but could not find (kubeadm prints `!MISSING! <name>`). */
export interface MissingCertificate {
  name: string;
  missing: true;
}

/** kubeadm's two tables: the certificates (missing ones as `!MISSING! <name>` rows), then the CAs. */
export function expirationTables(certificates: ReadonlyArray<CertificateExpiration | MissingCertificate>, cas: readonly CertificateExpiration[]): string {
  const rows = certificates.map((c) =>
    'missing' in c
      ? [`!MISSING! ${c.name}`]
      : [c.name, kubeadmExpiryTime(c.notAfter), shortHumanDuration(c.residualMs), c.certificateAuthority ?? '<unknown>', yesNo(c.externallyManaged)],
  );
  const caRows = cas.map((c) => [c.name, kubeadmExpiryTime(c.notAfter), shortHumanDuration(c.residualMs), yesNo(c.externallyManaged)]);
  return (
    tabwriterTable(['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED'], rows) +
    '\n' +
    tabwriterTable(['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED'], caRows)
  );
}

/** One row as `--json` prints it. */
export function expirationJson(c: CertificateExpiration): Record<string, unknown> {
  return {
    name: c.name,
    expirationDate: rfc3339(c.notAfter),
    residualTimeSeconds: Math.trunc(c.residualMs / 1000),
    ...(c.certificateAuthority === undefined ? {} : { certificateAuthority: c.certificateAuthority }),
    externallyManaged: c.externallyManaged,
  };
}
