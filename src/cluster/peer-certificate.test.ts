// readPeerCertificate against real node:tls servers: it must return what the server presents, expired or not,
// and present a client certificate to a server that requires one (as etcd does).
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, createCertAndKey } from '../pki/certificate.js';
import type { CertKeyPair } from '../pki/types.js';
import { readPeerCertificate } from './peer-certificate.js';

const longAgo = new Date(Date.now() - 400 * 86_400_000);
let ca: CertKeyPair;
let expired: CertKeyPair;
let client: CertKeyPair;
const servers: Server[] = [];

function listen(options: Parameters<typeof createServer>[0]): Promise<number> {
  const server = createServer(options, (socket) => socket.end());
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  ca = await createCA({ commonName: 'etcd-ca', algorithm: 'ECDSA-P256', validityHours: 87600 });
  // Issued 400 days ago for 30 days: long expired.
  expired = await createCertAndKey({ commonName: 'cp1', ips: ['127.0.0.1'], usages: ['serverAuth'], algorithm: 'ECDSA-P256', validityHours: 720 }, ca, { now: longAgo });
  client = await createCertAndKey({ commonName: 'kube-apiserver-etcd-client', usages: ['clientAuth'], algorithm: 'ECDSA-P256', validityHours: 1 }, ca);
});

afterAll(() => {
  for (const s of servers) s.close();
});

describe('readPeerCertificate', () => {
  it('returns an expired serving certificate as the server presents it', async () => {
    const port = await listen({ cert: expired.cert, key: expired.key });
    expect(await readPeerCertificate('127.0.0.1', port)).toBe(expired.cert);
  });

  it('presents the client certificate to a server that requires one', async () => {
    const port = await listen({ cert: expired.cert, key: expired.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true });
    expect(await readPeerCertificate('127.0.0.1', port, { client })).toBe(expired.cert);
  });

  it('names the address and the connection error when nothing listens', async () => {
    const port = await listen({ cert: expired.cert, key: expired.key });
    const server = servers.pop()!;
    await new Promise((closed) => server.close(closed));
    await expect(readPeerCertificate('127.0.0.1', port)).rejects.toThrow(`127.0.0.1:${port}: ECONNREFUSED`);
  });
});
