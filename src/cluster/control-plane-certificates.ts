// The certificates a running control plane presents, collected from the operator's seat for expiry checks:
// each control-plane node's API server serving certificate (TLS on its address:6443), its etcd server and
// peer certificates (TLS on :2379 and :2380, presenting an etcd client certificate because kubeadm's etcd
// requires one), and the kubelet client certificates the cluster issued (status.certificate of approved
// kubernetes.io/kube-apiserver-client-kubelet CSRs still in the API, newest per node). What cannot be read
// is reported with its reason, never fatal: a node that is down is exactly what an operator wants to see.
import type { ApiClient, ObjectRef } from './api-client.js';
import { readPeerCertificate } from './peer-certificate.js';
import { API_SERVER_BIND_PORT, ETCD_LISTEN_CLIENT_PORT, ETCD_LISTEN_PEER_PORT } from '../kube/constants.js';
import { parseCertificate } from '../pki/parse.js';

export interface PresentedCertificate {
  /** "<node>/apiserver", "<node>/etcd-server", "<node>/etcd-peer", "<node>/kubelet.conf". */
  name: string;
  node: string;
  /** Where it was read: "tls 10.0.0.11:6443" or "csr csr-abc12". */
  source: string;
  pem: string;
}

export interface UnreadCertificate {
  name: string;
  node: string;
  reason: string;
}

export interface ControlPlaneSurvey {
  found: PresentedCertificate[];
  unread: UnreadCertificate[];
}

interface CertificateSigningRequest extends ObjectRef {
  spec: { signerName?: string };
  status?: { certificate?: string };
}

const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

/**
 * Reads every control-plane node's served certificates; `etcdClient` (signed by the etcd CA) is presented to
 * etcd, whose ports are skipped without it (external etcd). `client`, when the API is reachable, adds kubelet
 * client certificates of the nodes named in `nodes`.
 */
export async function surveyControlPlane(
  controlPlane: ReadonlyArray<{ name: string; address: string }>,
  opts: { etcdClient?: { cert: string; key: string }; client?: ApiClient; nodes: readonly string[] },
): Promise<ControlPlaneSurvey> {
  const survey: ControlPlaneSurvey = { found: [], unread: [] };
  const reads = controlPlane.flatMap((node) => [
    { node, what: 'apiserver', port: API_SERVER_BIND_PORT, client: undefined },
    ...(opts.etcdClient
      ? [
          { node, what: 'etcd-server', port: ETCD_LISTEN_CLIENT_PORT, client: opts.etcdClient },
          { node, what: 'etcd-peer', port: ETCD_LISTEN_PEER_PORT, client: opts.etcdClient },
        ]
      : []),
  ]);
  const results = await Promise.allSettled(reads.map((r) => readPeerCertificate(r.node.address, r.port, { client: r.client })));
  results.forEach((result, i) => {
    const { node, what, port } = reads[i]!;
    const name = `${node.name}/${what}`;
    if (result.status === 'fulfilled') survey.found.push({ name, node: node.name, source: `tls ${node.address}:${port}`, pem: result.value });
    else survey.unread.push({ name, node: node.name, reason: (result.reason as Error).message });
  });
  if (opts.client) {
    try {
      survey.found.push(...(await kubeletClientCertificates(opts.client, opts.nodes)));
    } catch (err) {
      survey.unread.push({ name: '*/kubelet.conf', node: '*', reason: `listing CertificateSigningRequests: ${(err as Error).message}` });
    }
  }
  return survey;
}

/** The newest issued kubelet client certificate per node, from the CSRs the API still holds. */
async function kubeletClientCertificates(client: ApiClient, nodes: readonly string[]): Promise<PresentedCertificate[]> {
  const csrs = await client.list<CertificateSigningRequest>('certificates.k8s.io/v1', 'CertificateSigningRequest');
  const newest = new Map<string, { pem: string; csr: string; notAfter: number }>();
  for (const csr of csrs.items) {
    if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER || !csr.status?.certificate) continue;
    const pem = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
    const cert = parseCertificate(pem);
    const node = cert.subject.commonName.replace(/^system:node:/, '');
    if (!nodes.includes(node)) continue;
    const seen = newest.get(node);
    if (!seen || cert.notAfter.getTime() > seen.notAfter) newest.set(node, { pem, csr: csr.metadata.name, notAfter: cert.notAfter.getTime() });
  }
  return [...newest.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([node, c]) => ({ name: `${node}/kubelet.conf`, node, source: `csr ${c.csr}`, pem: c.pem }));
}
