// The certificate a TLS server presents, as `openssl s_client -showcerts` reads it: for checks that a server
// runs with the certificate a node holds on disk (src/boot/node/static-pod-probes.ts).
import { connect } from 'node:tls';

/**
 * The DER certificate `server` (https://host:port) presents, read from a TLS handshake and not verified: it is
 * compared byte for byte with a file this node trusts. `client` is a client certificate for servers that ask
 * for one (etcd's --client-cert-auth).
 */
export function servedCertificate(server: string, client: { cert: string; key: string } | undefined, timeoutMs: number): Promise<Buffer> {
  const { hostname, port } = new URL(server);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), rejectUnauthorized: false, ...client }, () => {
      const { raw } = socket.getPeerCertificate();
      socket.destroy();
      if (raw) resolve(raw);
      else reject(new Error(`${server} presented no certificate`));
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake with ${server} within ${timeoutMs} ms`)));
    socket.on('error', reject);
  });
}
