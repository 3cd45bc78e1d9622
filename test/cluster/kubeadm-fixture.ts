// Hand-written kubeadm node files for cluster tests that need a control plane without running kgen:
// the PKI (openssl), kubeconfigs, KubeletConfiguration, kubeadm-flags.env and the etcd and
// kube-apiserver, kube-controller-manager and kube-scheduler static pod manifests, in the shapes, paths,
// subjects and flags kubeadm v1.33/v1.34
// writes (cmd/kubeadm/app/phases/{certs,kubeconfig,etcd,controlplane,kubelet}). Independent of src/ on
// purpose: tests built on it check the test kubelet and test control plane, not kgen.
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { toYaml } from '../../src/yaml.js';
import { makeCA, makeLeaf, type Pem } from './test-pki.js';

export interface ControlPlaneFixture {
  ca: Pem;
  /** CN kubernetes-super-admin, O system:masters (super-admin.conf). */
  superAdmin: Pem;
}

export interface ControlPlaneOptions {
  name: string;
  address: string;
  /** Extra apiserver SAN, e.g. the load balancer's address. */
  endpointAddress?: string;
}

function write(root: string, path: string, data: string, mode = 0o644): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), data, { mode });
}

function writePair(root: string, base: string, pair: Pem): void {
  write(root, `${base}.crt`, pair.cert);
  write(root, `${base}.key`, pair.key, 0o600);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with embedded data, as kubeadm's kubeconfig phase writes them. */
export function kubeconfig(server: string, ca: string, user: string, auth: { cert: string; key: string } | { token: string }): string {
  const credentials = 'token' in auth ? { token: auth.token } : { 'client-certificate-data': b64(auth.cert), 'client-key-data': b64(auth.key) };
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubernetes', cluster: { 'certificate-authority-data': b64(ca), server } }],
    contexts: [{ name: `${user}@kubernetes`, context: { cluster: 'kubernetes', user } }],
    'current-context': `${user}@kubernetes`,
    preferences: {},
    users: [{ name: user, user: credentials }],
  });
}

/**
 * /var/lib/kubelet/config.yaml and kubeadm-flags.env as kubeadm's kubelet-start phase writes them
 * (kubeadm always sets rotateCertificates: true; false exercises the kubelet's other bootstrap mode).
 */
export function writeKubeletFiles(root: string, flags: string[], options: { rotateCertificates?: boolean } = {}): void {
  write(root, '/var/lib/kubelet/config.yaml', toYaml({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'systemd',
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    rotateCertificates: options.rotateCertificates ?? true,
    staticPodPath: '/etc/kubernetes/manifests',
  }));
  write(root, '/var/lib/kubelet/kubeadm-flags.env', `KUBELET_KUBEADM_ARGS=${JSON.stringify(flags.join(' '))}\n`);
}

/** kubeadm's etcd static pod for v1.34 (etcd 3.6 flags). */
export function etcdManifest(name: string, address: string, extraArgs: string[] = []): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${address}:2379` },
      labels: { component: 'etcd', tier: 'control-plane' },
      name: 'etcd',
      namespace: 'kube-system',
    },
    spec: {
      containers: [
        {
          command: [
            'etcd',
            `--advertise-client-urls=https://${address}:2379`,
            '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
            '--client-cert-auth=true',
            '--data-dir=/var/lib/etcd',
            '--feature-gates=InitialCorruptCheck=true',
            `--initial-advertise-peer-urls=https://${address}:2380`,
            `--initial-cluster=${name}=https://${address}:2380`,
            '--key-file=/etc/kubernetes/pki/etcd/server.key',
            `--listen-client-urls=https://127.0.0.1:2379,https://${address}:2379`,
            '--listen-metrics-urls=http://127.0.0.1:2381',
            `--listen-peer-urls=https://${address}:2380`,
            `--name=${name}`,
            '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt',
            '--peer-client-cert-auth=true',
            '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
            '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
            '--snapshot-count=10000',
            '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
            '--watch-progress-notify-interval=5s',
            ...extraArgs,
          ],
          image: 'registry.k8s.io/etcd:3.6.4-0',
          imagePullPolicy: 'IfNotPresent',
          name: 'etcd',
          volumeMounts: [
            { mountPath: '/var/lib/etcd', name: 'etcd-data' },
            { mountPath: '/etc/kubernetes/pki/etcd', name: 'etcd-certs' },
          ],
        },
      ],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      volumes: [
        { hostPath: { path: '/etc/kubernetes/pki/etcd', type: 'DirectoryOrCreate' }, name: 'etcd-certs' },
        { hostPath: { path: '/var/lib/etcd', type: 'DirectoryOrCreate' }, name: 'etcd-data' },
      ],
    },
  };
}

const CA_VOLUMES: Array<[string, string]> = [
  ['ca-certs', '/etc/ssl/certs'],
  ['etc-ca-certificates', '/etc/ca-certificates'],
  ['k8s-certs', '/etc/kubernetes/pki'],
  ['usr-local-share-ca-certificates', '/usr/local/share/ca-certificates'],
  ['usr-share-ca-certificates', '/usr/share/ca-certificates'],
];

/** A control-plane static pod: one container, read-only hostPath mounts (type per mount). */
function controlPlanePod(component: string, command: string[], mounts: Array<[string, string, string?]>): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: { component, tier: 'control-plane' }, name: component, namespace: 'kube-system' },
    spec: {
      containers: [
        {
          command: [component, ...command],
          image: `registry.k8s.io/${component}:v1.34.1`,
          imagePullPolicy: 'IfNotPresent',
          name: component,
          volumeMounts: mounts.map(([name, path]) => ({ mountPath: path, name, readOnly: true })),
        },
      ],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      volumes: mounts.map(([name, path, type]) => ({ hostPath: { path, type: type ?? 'DirectoryOrCreate' }, name })),
    },
  };
}

/** kubeadm's kube-controller-manager static pod for v1.34. */
export function controllerManagerManifest(): Record<string, any> {
  const conf = '/etc/kubernetes/controller-manager.conf';
  return controlPlanePod('kube-controller-manager', [
    '--allocate-node-cidrs=true',
    `--authentication-kubeconfig=${conf}`,
    `--authorization-kubeconfig=${conf}`,
    '--bind-address=127.0.0.1',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--cluster-cidr=10.244.0.0/16',
    '--cluster-name=kubernetes',
    '--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt',
    '--cluster-signing-key-file=/etc/kubernetes/pki/ca.key',
    '--controllers=*,bootstrapsigner,tokencleaner',
    `--kubeconfig=${conf}`,
    '--leader-elect=true',
    '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
    '--root-ca-file=/etc/kubernetes/pki/ca.crt',
    '--service-account-private-key-file=/etc/kubernetes/pki/sa.key',
    '--service-cluster-ip-range=10.96.0.0/12',
    '--use-service-account-credentials=true',
  ], [...CA_VOLUMES, ['flexvolume-dir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec'], ['kubeconfig', conf, 'FileOrCreate']]);
}

/** kubeadm's kube-scheduler static pod for v1.34. */
export function schedulerManifest(): Record<string, any> {
  const conf = '/etc/kubernetes/scheduler.conf';
  return controlPlanePod('kube-scheduler', [
    `--authentication-kubeconfig=${conf}`,
    `--authorization-kubeconfig=${conf}`,
    '--bind-address=127.0.0.1',
    `--kubeconfig=${conf}`,
    '--leader-elect=true',
  ], [['kubeconfig', conf, 'FileOrCreate']]);
}

/** kubeadm's kube-apiserver static pod for v1.34. */
export function apiServerManifest(address: string): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${address}:6443` },
      labels: { component: 'kube-apiserver', tier: 'control-plane' },
      name: 'kube-apiserver',
      namespace: 'kube-system',
    },
    spec: {
      containers: [
        {
          command: [
            'kube-apiserver',
            `--advertise-address=${address}`,
            '--allow-privileged=true',
            '--authorization-mode=Node,RBAC',
            '--client-ca-file=/etc/kubernetes/pki/ca.crt',
            '--enable-admission-plugins=NodeRestriction',
            '--enable-bootstrap-token-auth=true',
            '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt',
            '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
            '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
            '--etcd-servers=https://127.0.0.1:2379',
            '--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt',
            '--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key',
            '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
            '--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt',
            '--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key',
            '--requestheader-allowed-names=front-proxy-client',
            '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
            '--requestheader-extra-headers-prefix=X-Remote-Extra-',
            '--requestheader-group-headers=X-Remote-Group',
            '--requestheader-username-headers=X-Remote-User',
            '--secure-port=6443',
            '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
            '--service-account-key-file=/etc/kubernetes/pki/sa.pub',
            '--service-account-signing-key-file=/etc/kubernetes/pki/sa.key',
            '--service-cluster-ip-range=10.96.0.0/12',
            '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
            '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
          ],
          image: 'registry.k8s.io/kube-apiserver:v1.34.1',
          imagePullPolicy: 'IfNotPresent',
          name: 'kube-apiserver',
          volumeMounts: CA_VOLUMES.map(([name, path]) => ({ mountPath: path, name, readOnly: true })),
        },
      ],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      volumes: CA_VOLUMES.map(([name, path]) => ({ hostPath: { path, type: 'DirectoryOrCreate' }, name })),
    },
  };
}

/** PKI, kubeconfigs, kubelet files and the four static pod manifests of an init control-plane node. */
export function writeControlPlaneNode(root: string, o: ControlPlaneOptions): ControlPlaneFixture {
  const ca = makeCA('kubernetes');
  const etcdCA = makeCA('etcd-ca');
  const frontProxyCA = makeCA('front-proxy-ca');
  const ips = [o.address, '10.96.0.1', ...(o.endpointAddress ? [o.endpointAddress] : [])];
  writePair(root, '/etc/kubernetes/pki/ca', ca);
  writePair(root, '/etc/kubernetes/pki/apiserver', makeLeaf(ca, {
    subject: '/CN=kube-apiserver',
    sans: [`DNS:${o.name}`, 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', ...ips.map((ip) => `IP:${ip}`)],
    usages: ['serverAuth'],
  }));
  writePair(root, '/etc/kubernetes/pki/apiserver-kubelet-client', makeLeaf(ca, { subject: '/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client', usages: ['clientAuth'] }));
  writePair(root, '/etc/kubernetes/pki/front-proxy-ca', frontProxyCA);
  writePair(root, '/etc/kubernetes/pki/front-proxy-client', makeLeaf(frontProxyCA, { subject: '/CN=front-proxy-client', usages: ['clientAuth'] }));
  writePair(root, '/etc/kubernetes/pki/etcd/ca', etcdCA);
  const etcdSans = ['DNS:localhost', `DNS:${o.name}`, `IP:${o.address}`, 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1'];
  writePair(root, '/etc/kubernetes/pki/etcd/server', makeLeaf(etcdCA, { subject: `/CN=${o.name}`, sans: etcdSans, usages: ['serverAuth', 'clientAuth'] }));
  writePair(root, '/etc/kubernetes/pki/etcd/peer', makeLeaf(etcdCA, { subject: `/CN=${o.name}`, sans: etcdSans, usages: ['serverAuth', 'clientAuth'] }));
  writePair(root, '/etc/kubernetes/pki/etcd/healthcheck-client', makeLeaf(etcdCA, { subject: '/CN=kube-etcd-healthcheck-client', usages: ['clientAuth'] }));
  writePair(root, '/etc/kubernetes/pki/apiserver-etcd-client', makeLeaf(etcdCA, { subject: '/CN=kube-apiserver-etcd-client', usages: ['clientAuth'] }));
  const saKey = execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  write(root, '/etc/kubernetes/pki/sa.key', saKey, 0o600);
  write(root, '/etc/kubernetes/pki/sa.pub', execFileSync('openssl', ['pkey', '-pubout'], { input: saKey }).toString());

  const server = `https://${o.address}:6443`;
  const superAdmin = makeLeaf(ca, { subject: '/O=system:masters/CN=kubernetes-super-admin', usages: ['clientAuth'] });
  write(root, '/etc/kubernetes/super-admin.conf', kubeconfig(server, ca.cert, 'kubernetes-super-admin', superAdmin), 0o600);
  const kubelet = makeLeaf(ca, { subject: `/O=system:nodes/CN=system:node:${o.name}`, usages: ['clientAuth'] });
  write(root, '/etc/kubernetes/kubelet.conf', kubeconfig(server, ca.cert, `system:node:${o.name}`, kubelet), 0o600);
  const cm = makeLeaf(ca, { subject: '/CN=system:kube-controller-manager', usages: ['clientAuth'] });
  write(root, '/etc/kubernetes/controller-manager.conf', kubeconfig(server, ca.cert, 'system:kube-controller-manager', cm), 0o600);
  const scheduler = makeLeaf(ca, { subject: '/CN=system:kube-scheduler', usages: ['clientAuth'] });
  write(root, '/etc/kubernetes/scheduler.conf', kubeconfig(server, ca.cert, 'system:kube-scheduler', scheduler), 0o600);
  writeKubeletFiles(root, [`--node-ip=${o.address}`, '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock']);
  write(root, '/etc/kubernetes/manifests/etcd.yaml', toYaml(etcdManifest(o.name, o.address)));
  write(root, '/etc/kubernetes/manifests/kube-apiserver.yaml', toYaml(apiServerManifest(o.address)));
  write(root, '/etc/kubernetes/manifests/kube-controller-manager.yaml', toYaml(controllerManagerManifest()));
  write(root, '/etc/kubernetes/manifests/kube-scheduler.yaml', toYaml(schedulerManifest()));
  return { ca, superAdmin };
}

export { write as writeNodeFile };
