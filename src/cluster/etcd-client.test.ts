// EtcdClient against real etcd 3.4 processes on 127.0.0.1 (client and peer TLS with client-certificate
// authentication, certificates from src/pki): list, idempotent learner add, a second member started with
// --initial-cluster-state=existing and promoted once in sync, failover across endpoints, removal; member IDs
// are checked against etcdctl's hex output so none was rounded through a float.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, createCertAndKey } from '../pki/index.js';
import { EtcdClient, EtcdError, memberIdHex, type EtcdTls } from './etcd-client.js';
import { freePort } from '../../test/helpers.js';
import { fromPem } from '../pki/pem.js';
import { servedCertificate } from './served-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'kgen-etcd-client-'));
const procs: ChildProcess[] = [];
let tls: EtcdTls;
let serverPair: { cert: string; key: string };
const files = { ca: join(dir, 'ca.crt'), server: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'), client: join(dir, 'client.crt'), clientKey: join(dir, 'client.key') };

interface Node {
  name: string;
  clientURL: string;
  peerURL: string;
  proc?: ChildProcess;
}

async function node(name: string): Promise<Node> {
  return { name, clientURL: `https://127.0.0.1:${await freePort()}`, peerURL: `https://127.0.0.1:${await freePort()}` };
}

function startEtcd(n: Node, initialCluster: string, state: 'new' | 'existing'): void {
  const proc = spawn(
    'etcd',
    [
      `--name=${n.name}`,
      `--data-dir=${join(dir, n.name)}`,
      `--listen-client-urls=${n.clientURL}`,
      `--advertise-client-urls=${n.clientURL}`,
      `--listen-peer-urls=${n.peerURL}`,
      `--initial-advertise-peer-urls=${n.peerURL}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--cert-file=${files.server}`,
      `--key-file=${files.serverKey}`,
      '--client-cert-auth=true',
      `--trusted-ca-file=${files.ca}`,
      `--peer-cert-file=${files.server}`,
      `--peer-key-file=${files.serverKey}`,
      '--peer-client-cert-auth=true',
      `--peer-trusted-ca-file=${files.ca}`,
      '--listen-metrics-urls=http://127.0.0.1:0',
      '--snapshot-count=10000',
    ],
    { stdio: ['ignore', 'ignore', openSync(join(dir, `${n.name}.log`), 'w')] },
  );
  procs.push(proc);
  n.proc = proc;
}

/** etcdctl member list (hex IDs, as operators see them): "id, status, name, peer, client, isLearner". */
function etcdctlMembers(endpoint: string): string[][] {
  const r = spawnSync('etcdctl', ['--endpoints', endpoint, '--cacert', files.ca, '--cert', files.client, '--key', files.clientKey, '--command-timeout=5s', 'member', 'list']);
  if (r.status !== 0) throw new Error(`etcdctl member list: ${r.stderr}`);
  return r.stdout.toString().trim().split('\n').map((l) => l.split(', '));
}

let a: Node;
let b: Node;
let client: EtcdClient;
const logs: string[] = [];

beforeAll(async () => {
  const ca = await createCA({ commonName: 'etcd-ca', algorithm: 'ECDSA-P256', validityHours: 24 });
  // kubeadm's etcd server/peer certificates carry both serverAuth and clientAuth.
  const server = await createCertAndKey({ commonName: 'etcd', dnsNames: ['localhost'], ips: ['127.0.0.1'], usages: ['serverAuth', 'clientAuth'], algorithm: 'ECDSA-P256', validityHours: 24 }, ca);
  const healthcheck = await createCertAndKey({ commonName: 'kube-etcd-healthcheck-client', usages: ['clientAuth'], algorithm: 'ECDSA-P256', validityHours: 24 }, ca);
  writeFileSync(files.ca, ca.cert);
  writeFileSync(files.server, server.cert);
  writeFileSync(files.serverKey, server.key, { mode: 0o600 });
  writeFileSync(files.client, healthcheck.cert);
  writeFileSync(files.clientKey, healthcheck.key, { mode: 0o600 });
  tls = { ca: ca.cert, cert: healthcheck.cert, key: healthcheck.key };
  serverPair = server;

  [a, b] = [await node('a'), await node('b')];
  startEtcd(a, `a=${a.peerURL}`, 'new');
  client = new EtcdClient([a.clientURL], tls, { log: (l) => logs.push(l) });
  for (let i = 0; i < 100 && !(await client.health()); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await client.health())) throw new Error(`etcd a did not become healthy:\n${readFileSync(join(dir, 'a.log'), 'utf8')}`);
});

afterAll(async () => {
  await client?.close();
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  rmSync(dir, { recursive: true, force: true });
});

describe('servedCertificate against etcd', () => {
  it('reads the server certificate etcd presents, with the client certificate its --client-cert-auth asks for', async () => {
    const der = await servedCertificate(a.clientURL, { cert: tls.cert, key: tls.key }, 5_000);
    expect(der).toEqual(fromPem(serverPair.cert, 'CERTIFICATE', 'etcd server certificate'));
  });
});

describe('EtcdClient against etcd 3.4', () => {
  it('lists the single voting member with its exact uint64 ID as a decimal string', async () => {
    const members = await client.memberList();
    expect(members).toEqual([{ id: expect.stringMatching(/^\d+$/), name: 'a', peerURLs: [a.peerURL], clientURLs: [a.clientURL], isLearner: false }]);
    const [hex] = etcdctlMembers(a.clientURL)[0]!;
    expect(memberIdHex(members[0]!.id)).toBe(hex);
  });

  let learnerId = '';

  it('adds a second member as a learner once, however often it is asked', async () => {
    const first = await client.addLearner(b.peerURL);
    expect(first.member).toMatchObject({ name: '', peerURLs: [b.peerURL], isLearner: true });
    expect(first.members).toHaveLength(2);
    learnerId = first.member.id;
    const again = await client.addLearner(b.peerURL);
    expect(again.member).toEqual(first.member);
    const members = await client.memberList();
    expect(members.map((m) => [m.peerURLs[0], m.isLearner])).toEqual(
      expect.arrayContaining([
        [a.peerURL, false],
        [b.peerURL, true],
      ]),
    );
    expect(members).toHaveLength(2);
    const ctl = etcdctlMembers(a.clientURL).find((row) => row[3] === b.peerURL)!;
    expect([ctl[0], ctl[5]]).toEqual([memberIdHex(learnerId), 'true']);
    // etcd takes one learner at a time: a refusal carries etcd's own message and is not retried.
    const tooMany = await client.addLearner('https://127.0.0.1:1').catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(EtcdError);
    expect((tooMany as EtcdError).message).toBe(`etcd ${a.clientURL}/v3/cluster/member/add: HTTP 412: etcdserver: too many learner members in cluster`);
    expect(await client.memberList()).toHaveLength(2);
  });

  it('retries the promotion while the learner is not in sync, then promotes it', async () => {
    // The learner's etcd starts only after the first refusal, so the retry path is always taken.
    const promoteLogs: string[] = [];
    const promoter = new EtcdClient([a.clientURL], tls, {
      log: (l) => promoteLogs.push(l),
      clock: {
        now: () => new Date(),
        sleep: async (ms) => {
          if (!b.proc) startEtcd(b, `a=${a.peerURL},b=${b.peerURL}`, 'existing');
          await new Promise((r) => setTimeout(r, ms));
        },
      },
    });
    try {
      await promoter.promote(learnerId);
    } finally {
      await promoter.close();
    }
    expect(promoteLogs.some((l) => l.startsWith(`[etcd] Learner ${memberIdHex(learnerId)} is not in sync with the leader yet; retrying the promotion in`))).toBe(true);
    const members = await client.memberList();
    expect(members.map((m) => ({ name: m.name, isLearner: m.isLearner })).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: 'a', isLearner: false },
      { name: 'b', isLearner: false },
    ]);
    // Promoting a voting member is a no-op, as kubeadm's MemberPromote.
    await client.promote(learnerId);
    expect(logs).toContain(`[etcd] Member ${memberIdHex(learnerId)} already promoted`);
  });

  it('reports the health of every endpoint and of one endpoint', async () => {
    const both = new EtcdClient([a.clientURL, b.clientURL], tls);
    try {
      expect(await both.health()).toBe(true);
      expect(await both.health(b.clientURL)).toBe(true);
    } finally {
      await both.close();
    }
  });

  it('takes a v3 snapshot, skipping an endpoint that refuses connections, that etcdctl snapshot status reads', async () => {
    const dead = `https://127.0.0.1:${await freePort()}`;
    const snapshotter = new EtcdClient([dead, a.clientURL], tls);
    let data: Buffer;
    try {
      data = await snapshotter.snapshot();
    } finally {
      await snapshotter.close();
    }
    const file = join(dir, 'snapshot.db');
    writeFileSync(file, data);
    const status = spawnSync('etcdctl', ['snapshot', 'status', file, '-w', 'json']);
    expect(status.status, status.stderr.toString()).toBe(0);
    expect(JSON.parse(status.stdout.toString())).toMatchObject({ totalKey: expect.any(Number), totalSize: data.length - 32 });
  });

  it('fails over to the next endpoint when the first refuses connections', async () => {
    const dead = `https://127.0.0.1:${await freePort()}`;
    const failover = new EtcdClient([dead, b.clientURL], tls);
    try {
      const members = await failover.memberList();
      expect(members.map((m) => m.name).sort()).toEqual(['a', 'b']);
      expect(await failover.health()).toBe(false);
      expect(await failover.health(b.clientURL)).toBe(true);
    } finally {
      await failover.close();
    }
  });

  it('gives up after its rounds when no endpoint answers, naming the endpoint and the connection error', async () => {
    const dead = `https://127.0.0.1:${await freePort()}`;
    const sleeps: number[] = [];
    const nobody = new EtcdClient([dead], tls, { attempts: 3, random: () => 0, clock: { now: () => new Date(), sleep: async (ms) => void sleeps.push(ms) } });
    try {
      const err = await nobody.memberList().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EtcdError);
      expect((err as EtcdError).message).toMatch(new RegExp(`^etcd ${dead}/v3/cluster/member/list: connection failed: .*ECONNREFUSED`));
      expect(sleeps).toEqual([125, 250]);
    } finally {
      await nobody.close();
    }
  });

  it('reports an unknown member and refuses an ID that is not a decimal uint64', async () => {
    const err = await client.promote('123').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect((err as EtcdError).message).toBe(`etcd ${a.clientURL}/v3/cluster/member/promote: HTTP 404: etcdserver: member not found (7b)`);
    await expect(client.promote('0x7b')).rejects.toThrow(/is not a decimal uint64/);
  });

  it('removes a member, and removing it again is a no-op', async () => {
    await client.remove(learnerId);
    expect((await client.memberList()).map((m) => m.name)).toEqual(['a']);
    await client.remove(learnerId);
    expect(logs).toContain(`[etcd] Member ${memberIdHex(learnerId)} was already removed`);
    expect(etcdctlMembers(a.clientURL)).toHaveLength(1);
  });
});

describe('EtcdClient against a stub gateway', () => {
  it('presents its client certificate and keeps uint64 IDs exact even when written as bare JSON numbers', async () => {
    let clientCN = '';
    let request = '';
    const stub = createHttpsServer({ cert: serverPair.cert, key: serverPair.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      clientCN = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        request = `${req.method} ${req.url} ${body}`;
        // 18446744073709551557 (2^64 - 59) and 9007199254740993 (2^53 + 1) do not survive a float.
        res.end('{"header":{"cluster_id":12345678901234567891,"member_id":9007199254740993},"members":[{"ID":18446744073709551557,"name":"x","peerURLs":["https://10.0.0.1:2380"]},{"ID":9007199254740993,"isLearner":true}]}');
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const c = new EtcdClient([`https://127.0.0.1:${(stub.address() as AddressInfo).port}`], tls);
    try {
      expect(await c.memberList()).toEqual([
        { id: '18446744073709551557', name: 'x', peerURLs: ['https://10.0.0.1:2380'], clientURLs: [], isLearner: false },
        { id: '9007199254740993', name: '', peerURLs: [], clientURLs: [], isLearner: true },
      ]);
      expect(request).toBe('POST /v3/cluster/member/list {}');
      expect(clientCN).toBe('kube-etcd-healthcheck-client');
      expect(memberIdHex('18446744073709551557')).toBe('ffffffffffffffc5');
    } finally {
      await c.close();
      await new Promise((resolve) => stub.close(resolve));
    }
  });
});
