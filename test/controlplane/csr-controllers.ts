// The CSR controllers of kube-controller-manager:
// - csrapproving (pkg/controller/certificates/approver/sarapprove.go): a pending CSR for signer
//   kubernetes.io/kube-apiserver-client-kubelet that is a valid kubelet client request is approved
//   when a SubjectAccessReview for the requester (spec.username/groups) allows `create` on
//   certificatesigningrequests/selfnodeclient (renewal: CN equals the requester) or .../nodeclient;
// - csrsigning (pkg/controller/certificates/signer/signer.go): an approved, not failed CSR for a
//   built-in signer is checked against that signer's rules (failing it with SignerValidationFailure
//   if they are not met) and signed with the cluster CA, honouring spec.usages and
//   spec.expirationSeconds (capped by --cluster-signing-duration).
import { signCertificate, type SigningCA } from './cert-signer.js';
import { apiServerClientProblem, kubeletClientProblem, kubeletServingProblem, parseCsr, type ParsedCsr } from './csr.js';
import type { ControllerContext } from './controller-client.js';

const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

interface Csr {
  metadata: { name: string; resourceVersion?: string };
  spec: { request: string; signerName: string; usages?: string[]; username?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]>; expirationSeconds?: number };
  status?: { certificate?: string; conditions?: Array<{ type: string; status?: string; reason?: string; message?: string }> };
}

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

/** List items come without apiVersion/kind; writes carry them. */
const typed = (csr: Csr) => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', ...csr });

const hasCondition = (csr: Csr, type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status ?? 'True') === 'True');

function decodeRequest(csr: Csr): ParsedCsr | undefined {
  try {
    return parseCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

const RECOGNIZERS = [
  {
    subresource: 'selfnodeclient',
    recognize: (csr: Csr, x: ParsedCsr) => csr.spec.username === x.commonName && isNodeClientCert(csr, x),
    message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    subresource: 'nodeclient',
    recognize: (csr: Csr, x: ParsedCsr) => isNodeClientCert(csr, x),
    message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

function isNodeClientCert(csr: Csr, x: ParsedCsr): boolean {
  return csr.spec.signerName === KUBELET_CLIENT_SIGNER && kubeletClientProblem(x, csr.spec.usages ?? []) === undefined;
}

/** One pass of csrapproving; returns the names it approved. */
export async function syncApprover({ informer, client }: ControllerContext): Promise<string[]> {
  const approved: string[] = [];
  for (const csr of (await informer.call('GET', CSR_PATH)).items as Csr[]) {
    if (csr.status?.certificate || hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied')) continue;
    const x = decodeRequest(csr);
    if (!x) continue;
    for (const r of RECOGNIZERS) {
      if (!r.recognize(csr, x)) continue;
      const sar = await client.call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: csr.spec.username,
          uid: csr.spec.uid,
          groups: csr.spec.groups,
          extra: csr.spec.extra,
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: r.subresource },
        },
      });
      if (!sar.status?.allowed) continue;
      const conditions = [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.message }];
      await client.call('PUT', `${CSR_PATH}/${csr.metadata.name}/approval`, { ...typed(csr), status: { ...csr.status, conditions } });
      approved.push(csr.metadata.name);
      break;
    }
  }
  return approved;
}

const SIGNER_RULES: Record<string, (x: ParsedCsr, usages: string[]) => string | undefined> = {
  'kubernetes.io/kube-apiserver-client-kubelet': kubeletClientProblem,
  'kubernetes.io/kubelet-serving': kubeletServingProblem,
  'kubernetes.io/kube-apiserver-client': apiServerClientProblem,
};

/** One pass of csrsigning; returns the names it signed. */
export async function syncSigner({ informer, client }: ControllerContext, ca: SigningCA, maxTtlMs: number, now: () => Date): Promise<string[]> {
  const signed: string[] = [];
  for (const csr of (await informer.call('GET', CSR_PATH)).items as Csr[]) {
    if (!hasCondition(csr, 'Approved') || hasCondition(csr, 'Failed') || csr.status?.certificate) continue;
    const rules = SIGNER_RULES[csr.spec.signerName];
    if (!rules) continue;
    const x = decodeRequest(csr);
    const usages = csr.spec.usages ?? [];
    const problem = x ? rules(x, usages) : 'unable to parse csr';
    if (problem || !x) {
      const conditions = [...(csr.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem }];
      await client.call('PUT', `${CSR_PATH}/${csr.metadata.name}/status`, { ...typed(csr), status: { ...csr.status, conditions } });
      continue;
    }
    const requested = csr.spec.expirationSeconds ? csr.spec.expirationSeconds * 1000 : Infinity;
    const pem = signCertificate(ca, x, usages, Math.min(requested, maxTtlMs), now());
    await client.call('PUT', `${CSR_PATH}/${csr.metadata.name}/status`, { ...typed(csr), status: { ...csr.status, certificate: Buffer.from(pem).toString('base64') } });
    signed.push(csr.metadata.name);
  }
  return signed;
}
