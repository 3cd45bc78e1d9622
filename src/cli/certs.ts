// `kgen certs check-expiration`: kubeadm's expiry report (upstream: cmd/kubeadm/app/cmd/certs.go
// newCmdCertsExpiration, its two tables and their columns) from the operator's seat: the state's CAs, and the
// certificates the control plane presents (src/cluster/control-plane-certificates.ts). A cluster that cannot
// be reached is not an error here: the CAs are still reported, with a warning saying what was not read.
import { commandGroup, EXIT_OK, parseFlags, type CliIO, type Command } from '../command/command.js';
import { expirationJson, expirationTables } from '../command/expiration-report.js';
import { surveyControlPlane, type UnreadCertificate } from '../cluster/control-plane-certificates.js';
import { caExpiration, certificateExpiration, clusterCAs, type CertificateExpiration } from '../pki/expiration.js';
import type { ApiClient } from '../cluster/api-client.js';
import { ACCESS_CREDENTIAL_HOURS, ACCESS_FLAGS, ACCESS_HELP, ClusterUnreachableError, connectCluster, loadSite, mintClientCertificate, type OperatorSite } from './cluster-access.js';

/** The client identity kubeadm's API server uses towards etcd (apiserver-etcd-client.crt). */
const ETCD_CLIENT_SUBJECT = { commonName: 'kube-apiserver-etcd-client', organizations: [] };

interface Report {
  certificates: Array<CertificateExpiration & { node: string; source: string }>;
  certificateAuthorities: CertificateExpiration[];
  unread: UnreadCertificate[];
  /** Why the API was not used (kubelet client certificates need it), when it was not. */
  apiUnreachable?: string;
}

/** The certificates the control plane presents and the state's CAs, with their expiry at `now`; `client` reads the kubelet CSRs. */
export async function collectExpirations(site: OperatorSite, client: ApiClient | undefined, now: Date): Promise<Omit<Report, 'apiUnreachable'>> {
  const cas = clusterCAs(site.state);
  const etcdCA = site.state.etcdCA;
  const etcdClient = etcdCA && (await mintClientCertificate(site, ETCD_CLIENT_SUBJECT, ACCESS_CREDENTIAL_HOURS, now, etcdCA));
  const { nodes } = site.inventory;
  const survey = await surveyControlPlane(
    nodes.filter((n) => n.role === 'control-plane'),
    { etcdClient, client, nodes: nodes.map((n) => n.name) },
  );
  return {
    certificates: survey.found.map((c) => ({ ...certificateExpiration(c.name, c.pem, cas, now), node: c.node, source: c.source })),
    certificateAuthorities: cas.map((ca) => caExpiration(ca, now)),
    unread: survey.unread,
  };
}

async function collect(flags: { nodes: string; state?: string; kubeconfig?: string }, io: CliIO, now: Date): Promise<Report> {
  const site = loadSite(flags, io, now);
  let apiUnreachable: string | undefined;
  const access = await connectCluster(flags, io, now, site).catch((err: unknown) => {
    if (!(err instanceof ClusterUnreachableError)) throw err;
    apiUnreachable = err.message;
    return undefined;
  });
  return { ...(await collectExpirations(site, access?.client, now)), apiUnreachable };
}

const checkExpirationCommand: Command = {
  name: 'certs check-expiration',
  summary: 'expiry of the state\'s CAs and of the certificates the control plane presents',
  help: [
    'Usage: kgen certs check-expiration [--json] [--kubeconfig FILE | --nodes FILE [--state DIR]]',
    '',
    'Prints kubeadm\'s two tables: the certificates every control-plane node presents (API server serving',
    'certificate read over TLS from <address>:6443, etcd server and peer certificates from :2379 and :2380,',
    'kubelet client certificates from the CSRs the API still holds), then the state\'s CAs. RESIDUAL TIME is',
    '<invalid> once a certificate has expired. What cannot be read is listed as a warning; the CAs are always',
    'reported, also when the cluster cannot be reached.',
    '',
    'Flags:',
    '  --json             print {"certificates", "certificateAuthorities", "unread"} instead of the tables',
    ...ACCESS_HELP,
    '',
    'Exit codes: 0 reported (also with expired certificates), 1 invalid input (inventory, state, flags), 2 internal error.',
    '',
    'Example:',
    '  kgen certs check-expiration --nodes nodes.yaml',
    '',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, { ...ACCESS_FLAGS, json: { type: 'boolean', default: false } });
    const report = await collect(flags, io, new Date());
    if (report.apiUnreachable) io.stderr(`warning: kubelet client certificates not read: ${report.apiUnreachable}\n`);
    for (const u of report.unread) io.stderr(`warning: ${u.name} not read: ${u.reason}\n`);
    if (flags.json) {
      const out = {
        certificates: report.certificates.map((c) => ({ ...expirationJson(c), node: c.node, source: c.source })),
        certificateAuthorities: report.certificateAuthorities.map(expirationJson),
        unread: report.unread,
      };
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      io.stdout(expirationTables(report.certificates, report.certificateAuthorities));
    }
    return EXIT_OK;
  },
};

export const certsCommand = commandGroup('certs', 'check certificate expiry (as kubeadm certs)', [checkExpirationCommand]);
