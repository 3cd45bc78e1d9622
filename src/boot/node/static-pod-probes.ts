// The health probes `certs renew --restart-static-pods` waits on (src/boot/node/static-pod-restart.ts), the same
// endpoints kgen-boot's wait-control-plane phase polls (src/boot/node/wait-control-plane.ts, after kubeadm's
// WaitForControlPlaneComponents: anonymous, unverified GETs of kube-apiserver /livez on the advertise address,
// kube-controller-manager /healthz and kube-scheduler /livez on their secure ports, success = 200), and for
// stacked etcd GET /health on this member's client URL with the etcd/healthcheck-client certificate, as
// `kgen-boot reset` checks members (src/cluster/etcd-client.ts health, as `etcdctl endpoint health`).
// A 200 says the pod answers, not that it runs with the renewed files: for kube-apiserver and etcd, whose serving
// certificates are among those renewed, `servesRenewed` also compares the certificate the server presents in
// its TLS handshake with the one on disk. kube-controller-manager and kube-scheduler serve certificates they
// generate themselves (kubeadm passes them none), so theirs say nothing about the renewal.
import { EtcdClient } from '../../cluster/etcd-client.js';
import { servedCertificate } from '../../cluster/served-certificate.js';
import type { TlsOptions, Transport } from '../../cluster/api-client.js';
import type { NodeBootConfig } from '../../contract/config.js';
import { PKI, etcdClientURL, pkiPath } from '../../kube/index.js';
import { fromPem } from '../../pki/pem.js';
import { kubeCluster } from '../data.js';
import type { Host } from '../host.js';
import type { StaticPod, StaticPodProbe } from './static-pod-restart.js';
import { controlPlaneEndpoints, url, type HealthEndpoint } from './wait-control-plane.js';

export interface StaticPodProbes {
  probes: Partial<Record<StaticPod, StaticPodProbe>>;
  /** Closes the probes' connections. */
  close(): Promise<void>;
}

/** A probe the certs command cannot build (etcd's client certificate is missing): nothing is restarted. */
export class ProbeUnavailableError extends Error {}

/** An anonymous, unverified GET of the endpoint (as wait-control-plane's); healthy on 200. */
export function httpProbe(endpoint: HealthEndpoint, transport: (tls: TlsOptions) => Transport): StaticPodProbe {
  const send = transport({ server: endpoint.server, insecure: true, credentials: { kind: 'anonymous' } });
  return { describe: url(endpoint), healthy: async () => (await send({ method: 'GET', path: endpoint.path })).status === 200 };
}

/** Whether `server` presents the certificate in the node file `certFile` (read at each call: the renewal rewrote it). */
export function servesCertificateFile(host: Host, server: string, certFile: string, client?: { cert: string; key: string }): () => Promise<boolean> {
  return async () => {
    const onDisk = fromPem(await host.readText(certFile), 'CERTIFICATE', certFile);
    return (await servedCertificate(server, client, 4_000).catch(() => undefined))?.equals(onDisk) ?? false;
  };
}

/** The probes for `pods` on this node, from node.yaml and the node's files. */
export async function staticPodProbes(
  config: NodeBootConfig,
  host: Host,
  pods: readonly StaticPod[],
  transport: (tls: TlsOptions) => Transport,
): Promise<StaticPodProbes> {
  const probes: Partial<Record<StaticPod, StaticPodProbe>> = {};
  const closers: Array<() => Promise<void>> = [];
  for (const e of controlPlaneEndpoints({ config, cluster: kubeCluster(config) })) {
    const pod = e.name as StaticPod;
    if (!pods.includes(pod)) continue;
    probes[pod] = httpProbe(e, transport);
    if (pod === 'kube-apiserver') probes[pod].servesRenewed = servesCertificateFile(host, e.server, pkiPath(PKI.apiServerCert));
  }
  if (pods.includes('etcd')) {
    const files = [PKI.etcdCACert, PKI.etcdHealthcheckClientCert, PKI.etcdHealthcheckClientKey].map(pkiPath);
    const [ca, cert, key] = await Promise.all(files.map((f) => host.readTextIfExists(f)));
    if (ca === undefined || cert === undefined || key === undefined) {
      throw new ProbeUnavailableError(`cannot probe etcd without ${files.join(', ')}; nothing restarted`);
    }
    const endpoint = etcdClientURL(config.node.address);
    const client = new EtcdClient([endpoint], { ca, cert, key }, { requestTimeoutMs: 4_000, attempts: 1 });
    probes.etcd = {
      describe: `etcd at ${endpoint}/health`,
      healthy: () => client.health(),
      servesRenewed: servesCertificateFile(host, endpoint, pkiPath(PKI.etcdServerCert), { cert, key }),
    };
    closers.push(() => client.close());
  }
  return { probes, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
