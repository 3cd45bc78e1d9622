// The kubelet's client certificate manager with rotation on (upstream: client-go
// util/certificate/certificate_manager.go, built by cmd/kubelet/app/server.go
// buildClientCertificateManager and pkg/kubelet/certificate/kubelet.go
// NewKubeletClientCertificateManager):
//  - start from the store's current pair if it is unexpired;
//  - else, if the kubeconfig embeds a certificate and key (kubeadm's init node), store that pair and
//    rotate it out at once ("kubeadm passes a high powered certificate and expects it to be rotated out
//    immediately");
//  - else rotate at once with no certificate;
//  - a rotation makes a new ECDSA P-256 key and a CSR (generateName csr-) with the current certificate's
//    credentials, or the bootstrap kubeconfig's while there is none, waits for the certificate, stores
//    the pair; failures back off 2s, 4s, ... capped at 32s.
// Rotation at 70-90% of a certificate's lifetime is not implemented: test certificates outlive tests.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient } from './api-client.js';
import { KUBELET_CERT_DIR, currentPair, updatePair, type Pair } from './cert-store.js';
import { nodeSubject, requestCertificate, waitForCertificate } from './csr-client.js';
import type { ClientConfigs } from './tls-bootstrap.js';
import type { ClientCredentials } from './kubeconfig.js';

export interface CertManagerOptions extends ClientConfigs {
  root: string;
  nodeName: string;
  signal: AbortSignal;
  log: (line: string) => void;
}

export class ClientCertManager {
  private pair?: Pair;
  private readonly certDir: string;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly o: CertManagerOptions) {
    this.certDir = join(o.root, KUBELET_CERT_DIR);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  /** Credentials for the kubelet's API client: server and CA from the kubeconfig, the current pair. */
  credentials(): ClientCredentials {
    return this.pair ? { ...this.o.clientConfig, cert: this.pair.certPem, key: this.pair.keyPem } : this.o.clientConfig;
  }

  /** Resolves once a client certificate is available (rejects only when the kubelet stops). */
  waitForCertificate(): Promise<void> {
    return Promise.race([
      this.ready,
      new Promise<void>((_, reject) => this.o.signal.addEventListener('abort', () => reject(this.o.signal.reason), { once: true })),
    ]);
  }

  /** Loads or seeds the store; runs the forced rotation in the background when one is due. */
  start(): Promise<void> {
    const stored = currentPair(this.certDir);
    if (stored && new Date(stored.cert.validTo) > new Date()) {
      this.use(stored);
      return Promise.resolve();
    }
    const { cert, key } = this.o.clientConfig;
    if (cert && key) {
      this.use(updatePair(this.certDir, cert, key));
      this.o.log('stored the kubeconfig\'s client certificate; rotating it out');
    }
    return this.rotateUntilDone();
  }

  private use(pair: Pair): void {
    this.pair = pair;
    this.markReady();
  }

  private async rotateUntilDone(): Promise<void> {
    for (let attempt = 0; !this.o.signal.aborted; attempt++) {
      try {
        await this.rotate();
        return;
      } catch (err) {
        if (this.o.signal.aborted) return;
        const backoff = Math.min(32_000, 2_000 * 2 ** attempt);
        this.o.log(`certificate rotation failed: ${(err as Error).message}; retrying in ${backoff / 1000}s`);
        await sleep(backoff, undefined, { signal: this.o.signal }).catch(() => {});
      }
    }
  }

  private async rotate(): Promise<void> {
    this.o.log('rotating certificates');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const client = apiClient(this.pair ? this.credentials() : this.o.certConfig);
    const csr = await requestCertificate(client, privateKey, nodeSubject(this.o.nodeName));
    const certPem = await waitForCertificate(client, csr, this.o);
    this.use(updatePair(this.certDir, certPem, privateKey.export({ type: 'sec1', format: 'pem' }) as string));
    this.o.log(`client certificate rotated (csr ${csr.name})`);
  }
}
