// Reads the certificate a TLS server presents (the API server's serving certificate, etcd's client and peer
// certificates), for expiry checks. Verification is off on purpose: an expired or foreign certificate is
// exactly what the check must be able to show; the caller decides which CA signed it. A client certificate
// can be presented for servers that require one (etcd's --client-cert-auth, --peer-client-cert-auth).
import { connect } from 'node:tls';
import { describeConnectionError } from './api-client.js';
import { toPem } from '../pki/pem.js';

export interface PeerCertificateOptions {
  /** Client certificate and key (PEM) to present. */
  client?: { cert: string; key: string };
  timeoutMs?: number;
}

/** The server's leaf certificate as PEM; rejects with the connection error described. */
export function readPeerCertificate(host: string, port: number, opts: PeerCertificateOptions = {}): Promise<string> {
  return new Promise((resolvePem, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(opts.client ?? {}), timeout: opts.timeoutMs ?? 5000 });
    const fail = (err: unknown) => {
      socket.destroy();
      reject(new Error(`${host}:${port}: ${describeConnectionError(err)}`, { cause: err }));
    };
    socket.once('secureConnect', () => {
      const der = socket.getPeerCertificate(false).raw;
      socket.end();
      if (!der) return fail(new Error('the server presented no certificate'));
      resolvePem(toPem('CERTIFICATE', der));
    });
    socket.once('timeout', () => fail(Object.assign(new Error(`no TLS handshake within ${opts.timeoutMs ?? 5000} ms`), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
  });
}
