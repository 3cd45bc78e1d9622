// Requesting a kubelet client certificate through the certificates.k8s.io/v1 API (upstream: client-go
// util/certificate/csr/csr.go RequestCertificate and WaitForCertificate): the request is PEM "CERTIFICATE
// REQUEST" for subject O=system:nodes, CN=system:node:<name>, signer
// kubernetes.io/kube-apiserver-client-kubelet, usages digital signature + client auth (key encipherment
// only for RSA keys: pkg/kubelet/certificate DefaultKubeletClientGetUsages; all keys here are ECDSA).
// With a name, an existing request of that name is adopted when it is for the same key and signer; with
// none, the server generates one (generateName "csr-"). Waiting polls the request until it is Approved
// and carries a certificate; Denied or Failed, or a changed uid, is an error.
import type { KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import forge from 'node-forge';
import { ApiError, type ApiClient } from './api-client.js';
import { makeCertificateRequest, type Subject } from './csr.js';

const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_CLIENT_USAGES = ['digital signature', 'client auth'];
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

export function nodeSubject(nodeName: string): Subject {
  return { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] };
}

function requestPublicKeyDer(requestBase64: string): string {
  const pem = Buffer.from(requestBase64, 'base64').toString('utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const csr = forge.asn1.fromDer(der.toString('binary'));
  const info = (csr.value as forge.asn1.Asn1[])[0]!;
  return forge.asn1.toDer((info.value as forge.asn1.Asn1[])[2]!).getBytes();
}

/** Creates the CSR; returns its name and uid. */
export async function requestCertificate(client: ApiClient, key: KeyObject, subject: Subject, name?: string): Promise<{ name: string; uid: string }> {
  const request = Buffer.from(makeCertificateRequest(key, subject)).toString('base64');
  try {
    const created = await client.request('POST', CSRS, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: name ? { name } : { generateName: 'csr-' },
      spec: { request, signerName: KUBELET_CLIENT_SIGNER, usages: KUBELET_CLIENT_USAGES },
    });
    return { name: created.metadata.name, uid: created.metadata.uid };
  } catch (err) {
    if (!name || !(err instanceof ApiError) || err.status !== 409) throw err;
  }
  const existing = await client.request('GET', `${CSRS}/${name}`);
  if (existing.spec?.signerName !== KUBELET_CLIENT_SIGNER || requestPublicKeyDer(existing.spec.request) !== requestPublicKeyDer(request)) {
    throw new Error(`certificate signing request ${name} already exists and is not compatible with ours`);
  }
  return { name, uid: existing.metadata.uid };
}

/** Polls the CSR until it is approved and issued; returns the certificate PEM. */
export async function waitForCertificate(client: ApiClient, csr: { name: string; uid: string }, o: { signal: AbortSignal; log: (line: string) => void; pollMs?: number }): Promise<string> {
  o.log(`waiting for client certificate to be issued (csr ${csr.name})`);
  for (;;) {
    const current = await client.request('GET', `${CSRS}/${csr.name}`).catch((err: Error) => {
      o.log(`reading csr ${csr.name}: ${err.message}`);
      return undefined;
    });
    if (current) {
      if (current.metadata?.uid !== csr.uid) throw new Error(`csr "${csr.name}" changed UIDs`);
      const conditions: Array<{ type: string; reason?: string; message?: string }> = current.status?.conditions ?? [];
      const bad = conditions.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (bad) throw new Error(`certificate signing request ${csr.name} is ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim());
      if (conditions.some((c) => c.type === 'Approved') && current.status?.certificate) {
        return Buffer.from(current.status.certificate, 'base64').toString('utf8');
      }
    }
    await sleep(o.pollMs ?? 1_000, undefined, { signal: o.signal });
  }
}
