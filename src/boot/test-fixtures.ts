// Test fixtures: NodeBootConfig documents for each role, shaped as src/secrets/for-role.ts renders them.
// The init node's CAs and service-account pair are real P-256 keys (node-config checks that each key
// belongs to its certificate), made once per test process.
import { generateKeyPairSync } from 'node:crypto';
import type { NodeBootConfig } from '../contract/config.js';
import { selfSignCA } from '../pki/certificate.js';
import type { CertKeyPair } from '../pki/types.js';

const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pub: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};
const caPair = (commonName: string): CertKeyPair => {
  const { key } = keyPair();
  return { cert: selfSignCA({ commonName, validityHours: 87600 }, key), key };
};
let material: { ca: CertKeyPair; frontProxyCA: CertKeyPair; etcdCA: CertKeyPair; sa: { key: string; pub: string } } | undefined;
/** The init node's key material, generated on first use. */
export const initMaterial = () => (material ??= { ca: caPair('kubernetes'), frontProxyCA: caPair('front-proxy-ca'), etcdCA: caPair('etcd-ca'), sa: keyPair() });

export const TOKEN_SECRET = '0123456789abcdef';
export const CERT_KEY = 'a'.repeat(64);

export function configFor(role: 'init' | 'control-plane-join' | 'worker'): NodeBootConfig {
  const config: NodeBootConfig = {
    apiVersion: 'kgen.dev/v1alpha1',
    kind: 'NodeBootConfig',
    node: {
      name: role === 'worker' ? 'w1' : 'cp1',
      role: role === 'worker' ? 'worker' : 'control-plane',
      init: role === 'init',
      address: '10.0.0.11',
      kubelet: { criSocket: 'unix:///run/containerd/containerd.sock', extraArgs: {} },
      labels: {},
      // As src/inventory/derive.ts defaults them: control-plane nodes carry kubeadm's control-plane taint.
      taints: role === 'worker' ? [] : [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      generation: 1,
    },
    cluster: {
      name: 'demo',
      kubernetesVersion: 'v1.33.2',
      controlPlaneEndpoint: { host: '10.0.0.10', port: 6443 },
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
      etcd: { local: { extraArgs: {}, dataDir: '/var/lib/etcd' } },
      certificates: { keyAlgorithm: 'ECDSA-P256', validityHours: 8760, caValidityHours: 87600 },
      bootstrapToken: { ttlSeconds: 86400, groups: ['system:bootstrappers:kubeadm:default-node-token'], description: 'kgen' },
      imageRepository: 'registry.k8s.io',
      apiServer: { certSANs: [], extraArgs: {} },
      controllerManager: { extraArgs: {} },
      scheduler: { extraArgs: {} },
      kubelet: {},
      addons: { coreDNS: { enabled: true }, kubeProxy: { enabled: true, mode: 'iptables' } },
      encryptionAtRest: false,
      boot: { delivery: 'embed', path: '/usr/local/bin/kgen-boot.mjs', installNodejs: false, discoveryTimeoutSeconds: 1800 },
      ignorePreflightErrors: [],
    },
    discovery: {
      apiServerEndpoint: '10.0.0.10:6443',
      token: `abcdef.${TOKEN_SECRET}`,
      caCertHashes: [`sha256:${'b'.repeat(64)}`],
      timeoutSeconds: 1800,
    },
  };
  if (role !== 'worker') config.certificateKey = CERT_KEY;
  if (role === 'init') {
    config.secrets = {
      ...structuredClone(initMaterial()),
      bootstrapTokens: [
        {
          id: 'abcdef',
          secret: TOKEN_SECRET,
          expiration: '2026-11-24T06:00:00Z',
          usages: ['authentication', 'signing'],
          groups: ['system:bootstrappers:kubeadm:default-node-token'],
          description: 'kgen',
        },
      ],
    };
  }
  return config;
}
