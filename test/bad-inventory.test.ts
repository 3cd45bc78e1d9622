// The bad-input table for the inventory: each case breaks one thing in an otherwise valid nodes.yaml (or
// names an unusable file) and runs `kgen validate` and `kgen render` through the CLI's `main(argv, io)`.
// Every case must exit 1, name the place as `file:line:col path`, and leave the working directory exactly as
// it was (no state directory, no output directory): what validate refuses, render refuses before writing.
// The expected position is where the case's `at` text appears in the broken file, so each row states the
// spot it breaks. A handful run through the built program (build/kgen.mjs) as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { LIMITS } from '../src/inventory/read.js';
import { kgen, tempDir } from './helpers.js';

const BASE = `cluster:
  name: demo
  kubernetesVersion: v1.33.2
  controlPlaneEndpoint: cp.demo.internal:6443
  networking:
    podSubnet: 10.244.0.0/16
    serviceSubnet: 10.96.0.0/12
  certificates:
    keyAlgorithm: ECDSA-P256
    validity: 8760h
    caValidity: 87600h
  bootstrapToken:
    ttl: 24h
  boot:
    discoveryTimeout: 30m
  pxe:
    seedBaseURL: http://10.0.0.1:8080
    imageBaseURL: http://10.0.0.1:8080/images
    kernelArgs: [console=ttyS0]
  apiServer:
    certSANs: [api.demo.internal]
    extraArgs:
      audit-log-maxage: "30"
  kubelet:
    clusterDNS: [10.96.0.10]
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
    mac: 52:54:00:00:00:11
    uuid: 4c4c4544-0042-3510-8051-b4c04f4e3131
    kernelArgs: [quiet]
    network:
      interface: eth0
      addresses: [10.0.0.11/24]
      gateway: 10.0.0.1
      nameservers: [10.0.0.1]
    kubelet:
      nodeIP: 10.0.0.11
    labels:
      example.com/rack: r1
  - name: w-1
    role: worker
    address: 10.0.0.21
`;

const EXTERNAL_ETCD = `  etcd:
    external:
      endpoints: [https://10.0.0.5:2379]
      caFile: etcd/ca.crt
      certFile: etcd/client.crt
      keyFile: etcd/client.key
`;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

interface Case {
  group: string;
  name: string;
  /** Replacements applied to BASE, each [exact text, replacement]; the text must occur in BASE. */
  edit?: Array<[string, string]>;
  /** Prepares files beside nodes.yaml (the work directory). */
  files?: (dir: string) => void;
  /** Text whose first occurrence in the broken file is where the error must point. */
  at: string;
  path: string;
  /** Part of the message (a plain string or a pattern). */
  says: string | RegExp;
}

const line = (key: string, value: string): [string, string] => [`${key}: ${value}\n`, ''];
const set = (from: string, to: string): [string, string] => [from, to];
const withEtcd = (more: Array<[string, string]> = []): Array<[string, string]> => [set('  certificates:\n', `${EXTERNAL_ETCD}  certificates:\n`), ...more];
const etcdFiles = (dir: string, overrides: Record<string, (p: string) => void> = {}) => {
  mkdirSync(join(dir, 'etcd'), { recursive: true });
  for (const f of ['ca.crt', 'client.crt', 'client.key']) {
    const p = join(dir, 'etcd', f);
    (overrides[f] ?? ((q: string) => writeFileSync(q, PEM)))(p);
  }
};
const inGroup = (group: string, cases: Omit<Case, 'group'>[]): Case[] => cases.map((c) => ({ ...c, group }));
const fifo = (p: string) => execFileSync('mkfifo', [p]);
const bigString = 'x'.repeat(1024 * 1024);

// Group "render-only": inputs render used to refuse late (exit 2, after writing) or render badly (defect 3).
const renderOnly = inGroup('render-only', [
  { name: 'node named by-mac', edit: [set('name: w-1', 'name: by-mac')], at: 'by-mac', path: 'nodes[1].name', says: 'reserved' },
  { name: 'node named by-uuid', edit: [set('name: w-1', 'name: by-uuid')], at: 'by-uuid', path: 'nodes[1].name', says: 'reserved' },
  { name: 'kernel arg with a space', edit: [set('[quiet]', '["quiet splash"]')], at: '"quiet splash"', path: 'nodes[0].kernelArgs[0]', says: 'space' },
  { name: 'kernel arg with a tab', edit: [set('[quiet]', '["a\\tb"]')], at: '"a\\tb"', path: 'nodes[0].kernelArgs[0]', says: 'space' },
  { name: 'kernel arg with a double quote', edit: [set('[quiet]', '[\'a="b"\']')], at: '\'a="b"\'', path: 'nodes[0].kernelArgs[0]', says: 'quoting' },
  { name: 'kernel arg expanding an iPXE setting', edit: [set('[quiet]', '["x=${mac}"]')], at: '"x=${mac}"', path: 'nodes[0].kernelArgs[0]', says: '${' },
  { name: 'kernel arg starting a comment', edit: [set('[quiet]', '["#x"]')], at: '"#x"', path: 'nodes[0].kernelArgs[0]', says: 'comment' },
  { name: 'kernel arg that is an iPXE separator', edit: [set('[quiet]', '["||"]')], at: '"||"', path: 'nodes[0].kernelArgs[0]', says: 'separator' },
  { name: 'kernel arg setting ds=', edit: [set('[quiet]', '[ds=nocloud]')], at: 'ds=nocloud', path: 'nodes[0].kernelArgs[0]', says: 'kgen sets itself' },
  { name: 'kernel arg setting initrd=', edit: [set('[quiet]', '[initrd=x.img]')], at: 'initrd=x.img', path: 'nodes[0].kernelArgs[0]', says: 'kgen sets itself' },
  { name: 'kernel arg not ASCII', edit: [set('[quiet]', '[lang=fr_FR.é]')], at: 'lang=fr_FR.é', path: 'nodes[0].kernelArgs[0]', says: 'non-ASCII' },
  { name: 'empty kernel arg', edit: [set('[quiet]', '[""]')], at: '""', path: 'nodes[0].kernelArgs[0]', says: 'empty' },
  { name: 'cluster kernel arg with a space', edit: [set('[console=ttyS0]', '["console=ttyS0 quiet"]')], at: '"console=ttyS0 quiet"', path: 'cluster.pxe.kernelArgs[0]', says: 'space' },
  { name: 'cluster kernel arg with a quote', edit: [set('[console=ttyS0]', '[\'x="1 2"\']')], at: '\'x="1 2"\'', path: 'cluster.pxe.kernelArgs[0]', says: 'space' },
  {
    name: 'kernel command line over COMMAND_LINE_SIZE by node args',
    edit: [set('[quiet]', `[${Array.from({ length: 200 }, (_, i) => `opt${i}=xxxxxx`).join(', ')}]`)],
    at: '[opt0=', path: 'nodes[0].kernelArgs', says: 'COMMAND_LINE_SIZE',
  },
  {
    name: 'kernel command line exactly COMMAND_LINE_SIZE (no room for the NUL)',
    // 2048 - the fixed part; computed so the whole line is 2048 bytes.
    // Without a network section, which would add its network-config= argument.
    edit: [
      set('[quiet]', `[${'k='.padEnd(2048 - 'console=ttyS0 '.length - ' initrd=initrd.img ds=nocloud;s=http://10.0.0.1:8080/nodes/cp-1/;dsmode=net'.length, 'x')}]`),
      set('    network:\n      interface: eth0\n      addresses: [10.0.0.11/24]\n      gateway: 10.0.0.1\n      nameservers: [10.0.0.1]\n', ''),
    ],
    at: '[k=', path: 'nodes[0].kernelArgs', says: 'is 2048 characters',
  },
  { name: 'seedBaseURL with a space', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: "http://10.0.0.1:8080/my seeds"')], at: '"http://10.0.0.1:8080/my seeds"', path: 'cluster.pxe.seedBaseURL', says: 'space' },
  { name: 'seedBaseURL with ;', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: http://10.0.0.1:8080/a;b')], at: 'http://10.0.0.1:8080/a;b', path: 'cluster.pxe.seedBaseURL', says: 'ds=nocloud' },
  { name: 'seedBaseURL with %', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: http://10.0.0.1:8080/%s')], at: 'http://10.0.0.1:8080/%s', path: 'cluster.pxe.seedBaseURL', says: 'ds=nocloud' },
  { name: 'seedBaseURL with a query', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: http://10.0.0.1:8080/?a=b')], at: 'http://10.0.0.1:8080/?a=b', path: 'cluster.pxe.seedBaseURL', says: 'query' },
  { name: 'seedBaseURL with an empty query', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: http://10.0.0.1:8080/?')], at: 'http://10.0.0.1:8080/?', path: 'cluster.pxe.seedBaseURL', says: 'query' },
  { name: 'seedBaseURL with a fragment', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: "http://10.0.0.1:8080/#x"')], at: '"http://10.0.0.1:8080/#x"', path: 'cluster.pxe.seedBaseURL', says: 'fragment' },
  { name: 'seedBaseURL over tftp', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: tftp://10.0.0.1/')], at: 'tftp://10.0.0.1/', path: 'cluster.pxe.seedBaseURL', says: 'uses tftp' },
  { name: 'seedBaseURL relative', edit: [set('seedBaseURL: http://10.0.0.1:8080', 'seedBaseURL: /seeds')], at: '/seeds', path: 'cluster.pxe.seedBaseURL', says: 'not an absolute URL' },
  { name: 'imageBaseURL with a space', edit: [set('imageBaseURL: http://10.0.0.1:8080/images', 'imageBaseURL: "http://10.0.0.1:8080/my images"')], at: '"http://10.0.0.1:8080/my images"', path: 'cluster.pxe.imageBaseURL', says: 'space' },
  { name: 'imageBaseURL with a query', edit: [set('imageBaseURL: http://10.0.0.1:8080/images', 'imageBaseURL: http://10.0.0.1:8080/images?v=1')], at: 'http://10.0.0.1:8080/images?v=1', path: 'cluster.pxe.imageBaseURL', says: 'query' },
  { name: 'imageBaseURL over file:', edit: [set('imageBaseURL: http://10.0.0.1:8080/images', 'imageBaseURL: file:///srv/images')], at: 'file:///srv/images', path: 'cluster.pxe.imageBaseURL', says: 'uses file' },
  { name: 'boot.url with a space', edit: [set('    discoveryTimeout: 30m\n', '    discoveryTimeout: 30m\n    delivery: url\n    url: "https://files.example.com/kgen boot"\n')], at: '"https://files.example.com/kgen boot"', path: 'cluster.boot.url', says: 'space' },
  { name: 'etcd endpoint with a space', edit: withEtcd([set('[https://10.0.0.5:2379]', '["https://10.0.0.5:2379 "]')]), files: etcdFiles, at: '"https://10.0.0.5:2379 "', path: 'cluster.etcd.external.endpoints[0]', says: 'space' },
  { name: 'etcd caFile is a directory', edit: withEtcd(), files: (d) => etcdFiles(d, { 'ca.crt': (p) => mkdirSync(p) }), at: 'etcd/ca.crt', path: 'cluster.etcd.external.caFile', says: 'a directory' },
  { name: 'etcd certFile is a FIFO', edit: withEtcd(), files: (d) => etcdFiles(d, { 'client.crt': fifo }), at: 'etcd/client.crt', path: 'cluster.etcd.external.certFile', says: 'FIFO' },
  { name: 'etcd keyFile is /dev/zero', edit: withEtcd([set('keyFile: etcd/client.key', 'keyFile: /dev/zero')]), files: etcdFiles, at: '/dev/zero', path: 'cluster.etcd.external.keyFile', says: 'a device' },
  { name: 'etcd keyFile is /dev/null', edit: withEtcd([set('keyFile: etcd/client.key', 'keyFile: /dev/null')]), files: etcdFiles, at: '/dev/null', path: 'cluster.etcd.external.keyFile', says: 'a device' },
  { name: 'etcd caFile is missing', edit: withEtcd(), files: (d) => etcdFiles(d, { 'ca.crt': () => undefined }), at: 'etcd/ca.crt', path: 'cluster.etcd.external.caFile', says: 'not found' },
  { name: 'etcd caFile is a dangling link', edit: withEtcd(), files: (d) => etcdFiles(d, { 'ca.crt': (p) => execFileSync('ln', ['-s', 'nowhere', p]) }), at: 'etcd/ca.crt', path: 'cluster.etcd.external.caFile', says: 'not found' },
  { name: 'etcd certFile holds no PEM', edit: withEtcd(), files: (d) => etcdFiles(d, { 'client.crt': (p) => writeFileSync(p, 'not a certificate\n') }), at: 'etcd/client.crt', path: 'cluster.etcd.external.certFile', says: 'no PEM' },
  { name: 'etcd keyFile over its size limit', edit: withEtcd(), files: (d) => etcdFiles(d, { 'client.key': (p) => { writeFileSync(p, PEM); truncateSync(p, LIMITS.pemBytes + 1); } }), at: 'etcd/client.key', path: 'cluster.etcd.external.keyFile', says: 'the limit is' },
  { name: 'etcd caFile path through a file', edit: withEtcd([set('caFile: etcd/ca.crt', 'caFile: etcd/client.crt/ca.crt')]), files: etcdFiles, at: 'etcd/client.crt/ca.crt', path: 'cluster.etcd.external.caFile', says: 'not a directory' },
  { name: 'CNI manifest is a directory', edit: [set('  kubelet:\n    clusterDNS', '  addons:\n    cni:\n      manifest: cni\n  kubelet:\n    clusterDNS')], files: (d) => mkdirSync(join(d, 'cni')), at: 'cni\n', path: 'cluster.addons.cni.manifest', says: 'a directory' },
  { name: 'CNI manifest is a FIFO', edit: [set('  kubelet:\n    clusterDNS', '  addons:\n    cni:\n      manifest: cni.yaml\n  kubelet:\n    clusterDNS')], files: (d) => fifo(join(d, 'cni.yaml')), at: 'cni.yaml', path: 'cluster.addons.cni.manifest', says: 'FIFO' },
  { name: 'CNI manifest is /dev/zero', edit: [set('  kubelet:\n    clusterDNS', '  addons:\n    cni:\n      manifest: /dev/zero\n  kubelet:\n    clusterDNS')], at: '/dev/zero', path: 'cluster.addons.cni.manifest', says: 'a device' },
  { name: 'CNI manifest over its size limit', edit: [set('  kubelet:\n    clusterDNS', '  addons:\n    cni:\n      manifest: cni.yaml\n  kubelet:\n    clusterDNS')], files: (d) => { writeFileSync(join(d, 'cni.yaml'), ''); truncateSync(join(d, 'cni.yaml'), LIMITS.manifestBytes + 1); }, at: 'cni.yaml', path: 'cluster.addons.cni.manifest', says: 'the limit is' },
]);

// Group "ranges": durations and numbers out of range, versions, special addresses, prototype keys (defect 4).
const ranges = inGroup('ranges', [
  // The reproduction: a CA whose notAfter was NaN. Beyond 2562047h it is not a Go duration (kubeadm's
  // CertificateValidityPeriod is one); the X.509 end date is checked with an injected clock in load.test.ts.
  { name: 'caValidity 80000000h', edit: [set('caValidity: 87600h', 'caValidity: 80000000h')], at: '80000000h', path: 'cluster.certificates.caValidity', says: 'out of range' },
  { name: 'validity just past Go durations', edit: [set('validity: 8760h', 'validity: 2562048h')], at: '2562048h', path: 'cluster.certificates.validity', says: 'limit of Go' },
  { name: 'caValidity beyond Go durations', edit: [set('caValidity: 87600h', 'caValidity: 9999999999999h')], at: '9999999999999h', path: 'cluster.certificates.caValidity', says: 'out of range' },
  { name: 'validity under an hour', edit: [set('validity: 8760h', 'validity: 30m')], at: '30m\n    caValidity', path: 'cluster.certificates.validity', says: 'from 1h' },
  { name: 'caValidity of one second', edit: [set('caValidity: 87600h', 'caValidity: 1s')], at: '1s', path: 'cluster.certificates.caValidity', says: 'from 1h' },
  { name: 'validity of 0s', edit: [set('validity: 8760h', 'validity: 0s')], at: '0s', path: 'cluster.certificates.validity', says: 'not a positive duration' },
  { name: 'validity in days', edit: [set('validity: 8760h', 'validity: 365d')], at: '365d', path: 'cluster.certificates.validity', says: 'not a duration' },
  { name: 'validity negative', edit: [set('validity: 8760h', 'validity: -1h')], at: '-1h', path: 'cluster.certificates.validity', says: 'not a duration' },
  { name: 'renewal window under a day', edit: [set('  bootstrapToken:\n', '  certificateRenewal:\n    before: 12h\n  bootstrapToken:\n')], at: '12h', path: 'cluster.certificateRenewal.before', says: 'from 24h' },
  { name: 'renewal window in days', edit: [set('  bootstrapToken:\n', '  certificateRenewal:\n    before: 30d\n  bootstrapToken:\n')], at: '30d', path: 'cluster.certificateRenewal.before', says: 'not a duration' },
  {
    name: 'renewal window as long as the validity',
    edit: [set('  bootstrapToken:\n', '  certificateRenewal:\n    before: 8760h\n  bootstrapToken:\n')],
    at: '8760h\n  bootstrapToken', path: 'cluster.certificateRenewal.before', says: 'would renew every day',
  },
  { name: 'token ttl of 0s', edit: [set('ttl: 24h', 'ttl: 0s')], at: '0s', path: 'cluster.bootstrapToken.ttl', says: 'not a positive duration' },
  { name: 'token ttl of 30s', edit: [set('ttl: 24h', 'ttl: 30s')], at: '30s', path: 'cluster.bootstrapToken.ttl', says: 'from 1m to 87600h' },
  { name: 'token ttl over ten years', edit: [set('ttl: 24h', 'ttl: 87601h')], at: '87601h', path: 'cluster.bootstrapToken.ttl', says: 'from 1m to 87600h' },
  { name: 'token ttl absurd', edit: [set('ttl: 24h', 'ttl: 9999999999999h')], at: '9999999999999h', path: 'cluster.bootstrapToken.ttl', says: 'out of range' },
  { name: 'token ttl in fractions of a second', edit: [set('ttl: 24h', 'ttl: 90.5s')], at: '90.5s', path: 'cluster.bootstrapToken.ttl', says: 'whole number of seconds' },
  { name: 'discoveryTimeout absurd', edit: [set('discoveryTimeout: 30m', 'discoveryTimeout: 9999999999999h')], at: '9999999999999h', path: 'cluster.boot.discoveryTimeout', says: 'out of range' },
  { name: 'discoveryTimeout over a week', edit: [set('discoveryTimeout: 30m', 'discoveryTimeout: 169h')], at: '169h', path: 'cluster.boot.discoveryTimeout', says: 'from 10s to 168h' },
  { name: 'discoveryTimeout of 5s', edit: [set('discoveryTimeout: 30m', 'discoveryTimeout: 5s')], at: '5s', path: 'cluster.boot.discoveryTimeout', says: 'from 10s to 168h' },
  { name: 'discoveryTimeout in fractions of a second', edit: [set('discoveryTimeout: 30m', 'discoveryTimeout: 10.5s')], at: '10.5s', path: 'cluster.boot.discoveryTimeout', says: 'whole number of seconds' },
  { name: 'version with a leading zero in the patch', edit: [set('v1.33.2', 'v1.33.02')], at: 'v1.33.02', path: 'cluster.kubernetesVersion', says: 'not a Kubernetes version' },
  { name: 'version with a leading zero in the minor', edit: [set('v1.33.2', 'v1.033.2')], at: 'v1.033.2', path: 'cluster.kubernetesVersion', says: 'not a Kubernetes version' },
  { name: 'version with a leading zero in the major', edit: [set('v1.33.2', 'v01.33.2')], at: 'v01.33.2', path: 'cluster.kubernetesVersion', says: 'not a Kubernetes version' },
  { name: 'version without v', edit: [set('v1.33.2', '"1.33.2"')], at: '"1.33.2"', path: 'cluster.kubernetesVersion', says: 'not a Kubernetes version' },
  { name: 'node address 0.0.0.0', edit: [set('address: 10.0.0.21', 'address: 0.0.0.0')], at: '0.0.0.0', path: 'nodes[1].address', says: 'unspecified' },
  { name: 'node address ::', edit: [set('address: 10.0.0.21', 'address: "::"')], at: '"::"', path: 'nodes[1].address', says: 'unspecified' },
  { name: 'node address in 0.0.0.0/8', edit: [set('address: 10.0.0.21', 'address: 0.1.2.3')], at: '0.1.2.3', path: 'nodes[1].address', says: 'unspecified' },
  { name: 'node address broadcast', edit: [set('address: 10.0.0.21', 'address: 255.255.255.255')], at: '255.255.255.255', path: 'nodes[1].address', says: 'broadcast' },
  { name: 'node address multicast', edit: [set('address: 10.0.0.21', 'address: 224.0.0.1')], at: '224.0.0.1', path: 'nodes[1].address', says: 'multicast' },
  { name: 'node address IPv6 multicast', edit: [set('address: 10.0.0.21', 'address: ff02::1')], at: 'ff02::1', path: 'nodes[1].address', says: 'multicast' },
  { name: 'node address loopback', edit: [set('address: 10.0.0.21', 'address: 127.0.0.1')], at: '127.0.0.1', path: 'nodes[1].address', says: 'loopback' },
  { name: 'node address IPv6 loopback', edit: [set('address: 10.0.0.21', 'address: ::1')], at: '::1', path: 'nodes[1].address', says: 'loopback' },
  { name: 'node address with leading zeros', edit: [set('address: 10.0.0.21', 'address: 10.0.0.021')], at: '10.0.0.021', path: 'nodes[1].address', says: 'not an IP address' },
  { name: 'kubelet nodeIP loopback', edit: [set('nodeIP: 10.0.0.11', 'nodeIP: 127.0.0.2')], at: '127.0.0.2', path: 'nodes[0].kubelet.nodeIP', says: 'loopback' },
  { name: 'gateway 0.0.0.0', edit: [set('gateway: 10.0.0.1', 'gateway: 0.0.0.0')], at: '0.0.0.0', path: 'nodes[0].network.gateway', says: 'unspecified' },
  { name: 'name server multicast', edit: [set('nameservers: [10.0.0.1]', 'nameservers: [224.0.0.251]')], at: '224.0.0.251', path: 'nodes[0].network.nameservers[0]', says: 'multicast' },
  { name: 'interface address 0.0.0.0/24', edit: [set('addresses: [10.0.0.11/24]', 'addresses: [0.0.0.0/24]')], at: '0.0.0.0/24', path: 'nodes[0].network.addresses[0]', says: 'unspecified' },
  { name: 'interface address loopback', edit: [set('addresses: [10.0.0.11/24]', 'addresses: [127.0.0.1/8]')], at: '127.0.0.1/8', path: 'nodes[0].network.addresses[0]', says: 'loopback' },
  { name: 'cluster DNS broadcast', edit: [set('clusterDNS: [10.96.0.10]', 'clusterDNS: [255.255.255.255]')], at: '255.255.255.255', path: 'cluster.kubelet.clusterDNS[0]', says: 'broadcast' },
  { name: 'cert SAN 0.0.0.0', edit: [set('certSANs: [api.demo.internal]', 'certSANs: [api.demo.internal, 0.0.0.0]')], at: '0.0.0.0', path: 'cluster.apiServer.certSANs[1]', says: 'unspecified' },
  { name: 'endpoint 0.0.0.0', edit: [set('cp.demo.internal:6443', '0.0.0.0:6443')], at: '0.0.0.0:6443', path: 'cluster.controlPlaneEndpoint', says: 'unspecified' },
  { name: 'endpoint [::]', edit: [set('cp.demo.internal:6443', '"[::]:6443"')], at: '"[::]:6443"', path: 'cluster.controlPlaneEndpoint', says: 'unspecified' },
  { name: 'endpoint multicast', edit: [set('cp.demo.internal:6443', '239.1.1.1:6443')], at: '239.1.1.1:6443', path: 'cluster.controlPlaneEndpoint', says: 'multicast' },
  { name: 'node CIDR mask over 32 bits', edit: [set('audit-log-maxage: "30"', 'audit-log-maxage: "30"\n  controllerManager:\n    extraArgs:\n      node-cidr-mask-size-ipv4: "33"')], at: '"33"', path: 'cluster.controllerManager.extraArgs.node-cidr-mask-size-ipv4', says: 'not a prefix length' },
  { name: 'node CIDR mask negative', edit: [set('audit-log-maxage: "30"', 'audit-log-maxage: "30"\n  controllerManager:\n    extraArgs:\n      node-cidr-mask-size-ipv4: "-1"')], at: '"-1"', path: 'cluster.controllerManager.extraArgs.node-cidr-mask-size-ipv4', says: 'not a prefix length' },
  { name: 'endpoint port 70000', edit: [set('cp.demo.internal:6443', 'cp.demo.internal:70000')], at: 'cp.demo.internal:70000', path: 'cluster.controlPlaneEndpoint', says: 'port from 1 to 65535' },
  { name: '__proto__ at the top', edit: [set('cluster:\n  name: demo', '__proto__: {polluted: true}\ncluster:\n  name: demo')], at: '__proto__', path: '(document)', says: '__proto__' },
  { name: '__proto__ in the cluster', edit: [set('  name: demo\n', '  name: demo\n  __proto__:\n    name: other\n')], at: '__proto__', path: '(document)', says: 'prototypes' },
  { name: '__proto__ in labels', edit: [set('example.com/rack: r1', '__proto__: r1')], at: '__proto__', path: '(document)', says: '__proto__' },
  { name: 'constructor in extraArgs', edit: [set('audit-log-maxage: "30"', 'constructor: "30"')], at: 'constructor', path: '(document)', says: 'constructor' },
  { name: 'prototype in the open kubelet configuration', edit: [set('    clusterDNS: [10.96.0.10]\n', '    clusterDNS: [10.96.0.10]\n    prototype: {}\n')], at: 'prototype', path: '(document)', says: 'prototype' },
  { name: '__proto__ in a node, flow style', edit: [set('  - name: w-1\n    role: worker\n    address: 10.0.0.21\n', '  - {name: w-1, role: worker, address: 10.0.0.21, __proto__: {role: control-plane}}\n')], at: '__proto__', path: '(document)', says: '__proto__' },
  { name: '__proto__ through a merge key', edit: [set('cluster:\n  name: demo', 'x-defaults: &d {__proto__: {a: 1}}\ncluster:\n  name: demo')], at: '__proto__', path: '(document)', says: '__proto__' },
]);

// Group "long values": a 1 MB string is cut in the message (defect 9).
const longValues = inGroup('long values', [
  { name: '1 MB node name', edit: [set('name: w-1', `name: ${bigString}`)], at: bigString, path: 'nodes[1].name', says: '(1048576 characters)' },
  { name: '1 MB unknown key', edit: [set('    role: worker\n', `    role: worker\n    ? ${bigString}\n    : 1\n`)], at: bigString, path: `nodes[1]["${'x'.repeat(64)}"... (1048576 characters)]`, says: '(1048576 characters)' },
  { name: '1 MB label value', edit: [set('example.com/rack: r1', `example.com/rack: ${bigString}`)], at: bigString, path: 'nodes[0].labels["example.com/rack"]', says: '(1048576 characters)' },
  { name: '1 MB role', edit: [set('role: worker', `role: ${bigString}`)], at: bigString, path: 'nodes[1].role', says: '(1048576 characters)' },
  { name: '1 MB kernel argument', edit: [set('[quiet]', `[${bigString} x]`)], at: bigString, path: 'nodes[0].kernelArgs[0]', says: '(1048578 characters)' },
  { name: '1 MB seedBaseURL', edit: [set('seedBaseURL: http://10.0.0.1:8080', `seedBaseURL: ftp://${bigString}`)], at: `ftp://${bigString}`, path: 'cluster.pxe.seedBaseURL', says: '(1048582 characters)' },
]);

// Group "schema": the classes the schema already refused, kept in the table so every class is covered end to end.
const schema = inGroup('schema', [
  { name: 'unknown cluster field', edit: [set('  name: demo\n', '  name: demo\n  nmae: x\n')], at: 'nmae', path: 'cluster.nmae', says: 'unknown field' },
  { name: 'missing node role', edit: [line('    role', 'worker')], at: 'name: w-1', path: 'nodes[1].role', says: 'missing required field "role"' },
  { name: 'missing node address', edit: [line('    address', '10.0.0.21')], at: 'name: w-1', path: 'nodes[1].address', says: 'missing required field "address"' },
  { name: 'duplicate node name', edit: [set('name: w-1', 'name: cp-1')], at: 'cp-1\n    role: worker', path: 'nodes[1].name', says: 'duplicate name' },
  { name: 'duplicate node address', edit: [set('address: 10.0.0.21', 'address: "10.0.0.11"')], at: '"10.0.0.11"', path: 'nodes[1].address', says: 'duplicate address' },
  { name: 'bad role', edit: [set('role: worker', 'role: wroker')], at: 'wroker', path: 'nodes[1].role', says: 'did you mean "worker"' },
  { name: 'upper-case node name', edit: [set('name: w-1', 'name: W-1')], at: 'W-1', path: 'nodes[1].name', says: 'DNS-1123' },
  { name: 'bad MAC', edit: [set('52:54:00:00:00:11', '52:54:00:00:00')], at: '52:54:00:00:00', path: 'nodes[0].mac', says: 'not a MAC' },
  { name: 'bad UUID', edit: [set('4c4c4544-0042-3510-8051-b4c04f4e3131', 'not-a-uuid')], at: 'not-a-uuid', path: 'nodes[0].uuid', says: 'not a UUID' },
  { name: 'pod subnet with host bits', edit: [set('10.244.0.0/16', '10.244.0.1/16')], at: '10.244.0.1/16', path: 'cluster.networking.podSubnet', says: 'host bits' },
  { name: 'service subnet overlapping pods', edit: [set('10.96.0.0/12', '10.244.0.0/20')], at: '10.244.0.0/20', path: 'cluster.networking.serviceSubnet', says: 'overlaps' },
  { name: 'node inside the pod subnet', edit: [set('address: 10.0.0.21', 'address: 10.244.1.1')], at: '10.244.1.1', path: 'nodes[1].address', says: 'inside the cluster\'s podSubnet' },
  { name: 'unsupported version', edit: [set('v1.33.2', 'v1.20.0')], at: 'v1.20.0', path: 'cluster.kubernetesVersion', says: 'not supported' },
  { name: 'bad key algorithm', edit: [set('ECDSA-P256', 'DSA-1')], at: 'DSA-1', path: 'cluster.certificates.keyAlgorithm', says: 'not one of' },
  { name: 'number where a string belongs', edit: [set('audit-log-maxage: "30"', 'audit-log-maxage: 30')], at: '30\n', path: 'cluster.apiServer.extraArgs.audit-log-maxage', says: 'put it in quotes' },
  { name: 'extraArgs a list', edit: [set('    extraArgs:\n      audit-log-maxage: "30"\n', '    extraArgs: []\n')], at: '[]', path: 'cluster.apiServer.extraArgs', says: 'expected a mapping' },
  { name: 'flag with dashes', edit: [set('audit-log-maxage: "30"', '--audit-log-maxage: "30"')], at: '--audit-log-maxage', path: 'cluster.apiServer.extraArgs["--audit-log-maxage"]', says: 'without dashes' },
  { name: 'label in kubernetes.io', edit: [set('example.com/rack: r1', 'kubernetes.io/rack: r1')], at: 'kubernetes.io/rack', path: 'nodes[0].labels["kubernetes.io/rack"]', says: 'kubelet refuses' },
  { name: 'bad taint effect', edit: [set('    role: worker\n', '    role: worker\n    taints: ["k=v:NoWay"]\n')], at: '"k=v:NoWay"', path: 'nodes[1].taints[0]', says: 'effect' },
  { name: 'two init nodes', edit: [set('    role: worker\n', '    role: control-plane\n    init: true\n'), set('    role: control-plane\n    address: 10.0.0.11', '    role: control-plane\n    init: true\n    address: 10.0.0.11')], at: 'true\n    address: 10.0.0.21', path: 'nodes[1].init', says: 'more than one node has init: true' },
  { name: 'no control plane', edit: [set('    role: control-plane\n', '    role: worker\n')], at: '- name: cp-1', path: 'nodes', says: 'no control-plane node' },
  { name: 'delivery url without url', edit: [set('    discoveryTimeout: 30m\n', '    discoveryTimeout: 30m\n    delivery: url\n')], at: 'discoveryTimeout', path: 'cluster.boot.url', says: 'missing required field "url"' },
  { name: 'boot url over ftp', edit: [set('    discoveryTimeout: 30m\n', '    discoveryTimeout: 30m\n    delivery: url\n    url: ftp://files.example.com/kgen-boot\n')], at: 'ftp://files.example.com/kgen-boot', path: 'cluster.boot.url', says: 'uses ftp' },
  { name: 'interface name too long', edit: [set('interface: eth0', 'interface: enp0s31f6abcdefghij')], at: 'enp0s31f6abcdefghij', path: 'nodes[0].network.interface', says: 'interface name' },
  { name: 'kernel arg setting network-config=', edit: [set('[quiet]', '[network-config=disabled]')], at: 'network-config=disabled', path: 'nodes[0].kernelArgs[0]', says: 'network section' },
  { name: 'network shorthand mixed with device sections', edit: [set('      nameservers: [10.0.0.1]\n', '      nameservers: [10.0.0.1]\n      ethernets: { eth1: { dhcp4: true } }\n')], at: 'ethernets', path: 'nodes[0].network.ethernets', says: 'cannot be mixed' },
  { name: 'bond member not declared', edit: [set('    network:\n      interface: eth0\n      addresses: [10.0.0.11/24]\n      gateway: 10.0.0.1\n      nameservers: [10.0.0.1]\n', '    network:\n      ethernets:\n        eno1: { match: { macaddress: 52:54:00:00:00:11 } }\n        eno2: {}\n      bonds:\n        bond0:\n          interfaces: [eno1, eno2]\n          addresses: [10.0.0.11/24]\n'.replace('        eno2: {}\n', ''))], at: 'eno2]', path: 'nodes[0].network.bonds.bond0.interfaces[1]', says: 'not declared' },
  { name: 'VLAN device outside vlans', edit: [set('    network:\n      interface: eth0\n      addresses: [10.0.0.11/24]\n      gateway: 10.0.0.1\n      nameservers: [10.0.0.1]\n', '    network:\n      ethernets:\n        eno1: { match: { macaddress: 52:54:00:00:00:11 } }\n        eno2: {}\n      bonds:\n        bond0:\n          interfaces: [eno1, eno2]\n          addresses: [10.0.0.11/24]\n'.replace('      bonds:', '        bond0.300: { dhcp4: true }\n      bonds:'))], at: 'bond0.300', path: 'nodes[0].network.ethernets["bond0.300"]', says: 'declare it under vlans' },
  { name: 'bond parameter cloud-init cannot read', edit: [set('    network:\n      interface: eth0\n      addresses: [10.0.0.11/24]\n      gateway: 10.0.0.1\n      nameservers: [10.0.0.1]\n', '    network:\n      ethernets:\n        eno1: { match: { macaddress: 52:54:00:00:00:11 } }\n        eno2: {}\n      bonds:\n        bond0:\n          interfaces: [eno1, eno2]\n          addresses: [10.0.0.11/24]\n'.replace('          addresses:', '          parameters: { arp-ip-targets: [10.0.0.1] }\n          addresses:'))], at: 'arp-ip-targets', path: 'nodes[0].network.bonds.bond0.parameters.arp-ip-targets', says: 'unknown field' },
  { name: 'VLAN id out of range', edit: [set('    network:\n      interface: eth0\n      addresses: [10.0.0.11/24]\n      gateway: 10.0.0.1\n      nameservers: [10.0.0.1]\n', '    network:\n      ethernets: { eno1: {} }\n      vlans:\n        vlan9: { id: 4095, link: eno1, addresses: [10.0.0.11/24] }\n')], at: '4095', path: 'nodes[0].network.vlans.vlan9.id', says: 'out of range' },
  { name: 'YAML syntax error', edit: [set('    role: worker\n', '    role: [worker\n')], at: 'address: 10.0.0.21', path: '(document)', says: 'Flow sequence' },
  { name: 'duplicate key', edit: [set('    role: worker\n', '    role: worker\n    role: worker\n')], at: 'role: worker\n    address', path: '(document)', says: 'duplicate key' },
  { name: 'second document', edit: [set('nodes:\n', '---\nnodes:\n')], at: '---', path: '(document)', says: 'second YAML document' },
  { name: 'alias bomb', edit: [set('cluster:\n  name: demo', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ncluster:\n  name: demo`)], at: 'a: &a', path: '(document)', says: 'cannot expand' },
]);

const CASES: Case[] = [...renderOnly, ...ranges, ...longValues, ...schema];

/** Where `needle` first occurs in `text`, 1-based. */
function positionOf(text: string, needle: string): { line: number; col: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`test bug: ${JSON.stringify(needle.slice(0, 40))} is not in the broken file`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

function broken(c: Case): string {
  let text = BASE;
  for (const [from, to] of c.edit ?? []) {
    if (!text.includes(from)) throw new Error(`test bug in "${c.name}": ${JSON.stringify(from)} is not in the inventory`);
    text = text.replace(from, to);
  }
  return text;
}

function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(`${rel}${e.name}`);
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.sort();
}

async function runCli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd });
  return { code, stdout, stderr };
}

const COMMANDS = {
  validate: ['validate', '--nodes', 'nodes.yaml'],
  render: ['render', '--nodes', 'nodes.yaml', '--out', 'out', '--state', 'state'],
} as const;

describe('bad inventories: validate and render refuse them with exit 1, file:line:col path, and write nothing', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('the base inventory is valid and renders (the control for every case below)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'nodes.yaml'), BASE);
    const v = await runCli([...COMMANDS.validate], dir);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    const r = await runCli([...COMMANDS.render], dir);
    expect(r.code).toBe(0);
    expect(listing(dir)).toEqual(expect.arrayContaining(['out', 'state', 'out/pxe/52-54-00-00-00-11.ipxe']));
  });

  it.each(CASES.map((c) => [`${c.group}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const dir = tempDir();
    dirs.push(dir);
    const text = broken(c);
    writeFileSync(join(dir, 'nodes.yaml'), text);
    c.files?.(dir);
    const before = listing(dir);
    const { line, col } = positionOf(text, c.at);
    const where = `nodes.yaml:${line}:${col} ${c.path}:`;
    for (const [command, argv] of Object.entries(COMMANDS)) {
      const r = await runCli([...argv], dir);
      expect(r.code, `${command}: ${r.stderr.slice(0, 2000)}`).toBe(1);
      const lines = r.stderr.split('\n');
      const hit = lines.find((l) => l.startsWith(where));
      expect(hit, `${command} should report ${where}; it printed:\n${r.stderr.slice(0, 2000)}`).toBeDefined();
      if (typeof c.says === 'string') expect(hit).toContain(c.says);
      else expect(hit).toMatch(c.says);
      // No value is echoed whole: every line stays short even when the inventory holds a 1 MB string.
      for (const l of lines) expect(l.length, `${command}: a line of ${l.length} characters`).toBeLessThan(4096);
      expect(listing(dir), `${command} wrote something`).toEqual(before);
    }
  });
});

describe('unusable inventory files: refused at once with the file named, nothing written', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    mkdirSync(join(dir, 'a-directory'));
    execFileSync('mkfifo', [join(dir, 'a-fifo')]);
    writeFileSync(join(dir, 'huge.yaml'), '');
    truncateSync(join(dir, 'huge.yaml'), 50 * 1024 * 1024);
    const nodes = Array.from({ length: LIMITS.nodes + 1 }, (_, i) => `  - {name: n${i}, role: worker, address: 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}}`);
    writeFileSync(join(dir, 'too-many.yaml'), `cluster: {name: big, kubernetesVersion: v1.33.2}\nnodes:\n${nodes.join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['a directory', 'a-directory', /a directory; expected a regular file/],
    ['a FIFO with no writer (must not hang)', 'a-fifo', /FIFO/],
    ['/dev/zero (must not eat memory)', '/dev/zero', /a device/],
    ['a 50 MB file', 'huge.yaml', new RegExp(`52428800 bytes; the limit is ${LIMITS.inventoryBytes} bytes`)],
    [`${LIMITS.nodes + 1} nodes`, 'too-many.yaml', /10001 nodes; an inventory holds at most 10000/],
    ['a missing file', 'missing.yaml', /the file does not exist/],
  ])('%s', async (_name, file, says) => {
    const before = listing(dir);
    const where = file === 'too-many.yaml' ? `${file}:2:1 nodes:` : `${file}:1:1 (document):`;
    for (const argv of [['validate', '--nodes', file], ['render', '--nodes', file, '--out', 'out', '--state', 'state']]) {
      const r = await runCli(argv, dir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.startsWith(where), r.stderr).toBe(true);
      expect(r.stderr).toMatch(says);
      expect(listing(dir)).toEqual(before);
    }
  });
});

describe('bad inventories through the built program', () => {
  const picks = ['node named by-mac', 'caValidity 80000000h', 'etcd caFile is a directory', 'version with a leading zero in the patch', '__proto__ in labels', '1 MB node name'];
  it.each(picks)('%s', (name) => {
    const c = CASES.find((x) => x.name === name)!;
    const dir = tempDir();
    try {
      const text = broken(c);
      writeFileSync(join(dir, 'nodes.yaml'), text);
      c.files?.(dir);
      const before = listing(dir);
      const { line, col } = positionOf(text, c.at);
      for (const argv of Object.values(COMMANDS)) {
        const r = kgen([...argv], { cwd: dir });
        expect(r.code, r.stderr.slice(0, 2000)).toBe(1);
        expect(r.stderr.slice(0, 4096)).toContain(`nodes.yaml:${line}:${col} ${c.path}:`);
        expect(r.stderr.length).toBeLessThan(8192);
        expect(listing(dir)).toEqual(before);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
