// What `kgen upgrade plan` and `apply` check besides the version skew, gathered from the operator's seat: the
// expiry of the state's CAs and of the certificates the control plane presents (the same reading as
// `kgen certs check-expiration`), the health of every stacked etcd member, and between two steps of a rollout
// whether each control-plane node's API server answers /readyz on its own address. The judgements are
// src/upgrade/health.ts.
import { ApiClient } from '../cluster/api-client.js';
import { EtcdError } from '../cluster/etcd-client.js';
import { memberHealth } from '../cluster/etcd-removal.js';
import { httpsTransport } from '../cluster/https-transport.js';
import { realClock, realRandom } from '../clock.js';
import type { NodeSpec } from '../inventory/types.js';
import { API_SERVER_BIND_PORT } from '../kube/constants.js';
import { apiServerURL } from '../pki/index.js';
import { etcdHealth, expiryViolations, type HealthViolation } from '../upgrade/health.js';
import { collectExpirations } from './certs.js';
import { adminSpec, ACCESS_CREDENTIAL_HOURS, mintClientCertificate, type OperatorSite } from './cluster-access.js';
import { etcdClientFor, stackedEtcdNodes } from './etcd-access.js';

export interface UpgradeHealth {
  /** One line per etcd member, and what could not be read. */
  lines: string[];
  violations: HealthViolation[];
}

/** etcd members' health (stacked etcd only): lines, and a violation for each member down, or for no answer at all. */
export async function etcdHealthReport(site: OperatorSite, now: Date): Promise<UpgradeHealth> {
  const nodes = stackedEtcdNodes(site);
  if (!nodes) return { lines: ['etcd: external, not checked by kgen'], violations: [] };
  const client = await etcdClientFor(site, nodes, now, { attempts: 2 });
  try {
    return etcdHealth(await memberHealth(client));
  } catch (err) {
    if (!(err instanceof EtcdError)) throw err;
    return { lines: [], violations: [{ rule: 'etcd-health', message: `no etcd member answered the member list (${client.endpoints.join(', ')}): ${err.message}` }] };
  } finally {
    await client.close();
  }
}

/** Certificates and CAs expiring within `windowMs`, and the etcd members' health. */
export async function checkUpgradeHealth(site: OperatorSite, client: ApiClient, now: Date, windowMs: number): Promise<UpgradeHealth> {
  const expirations = await collectExpirations(site, client, now);
  const etcd = await etcdHealthReport(site, now);
  return {
    lines: [...etcd.lines, ...expirations.unread.map((u) => `certificate ${u.name} not read: ${u.reason}`)],
    violations: [...expiryViolations([...expirations.certificateAuthorities, ...expirations.certificates], windowMs), ...etcd.violations],
  };
}

/** The control-plane nodes whose API server does not answer /readyz with 200 on its own address, with why. */
export async function apiServersNotReady(site: OperatorSite, nodes: readonly NodeSpec[], now: Date): Promise<string[]> {
  const spec = adminSpec(site);
  const credential = await mintClientCertificate(site, { commonName: spec.clientName, organizations: spec.organizations }, ACCESS_CREDENTIAL_HOURS, now);
  const answers = await Promise.all(
    nodes.map(async (n) => {
      const server = apiServerURL(n.address, API_SERVER_BIND_PORT);
      const client = new ApiClient({ server, transport: httpsTransport({ server, ca: site.state.ca.cert, credentials: { kind: 'certificate', ...credential } }), clock: realClock, random: realRandom });
      try {
        const res = await client.probe('/readyz');
        return res.status === 200 ? undefined : `${n.name} (${server}/readyz answered ${res.status})`;
      } catch (err) {
        return `${n.name} (${server}: ${(err as Error).message})`;
      }
    }),
  );
  return answers.filter((a): a is string => a !== undefined);
}
