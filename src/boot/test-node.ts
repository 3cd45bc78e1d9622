// Test support: an init node's config with real key material (src/pki), and a node root directory that
// passes preflight (fake /proc files, a kubelet on the PATH, a container runtime socket), plus BootDeps
// that keep everything on this machine: uid 0, port probes on 127.0.0.1, a recording service manager that
// reports the services the test names as active.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, generateKeyPair } from '../pki/index.js';
import { toYaml } from '../yaml.js';
import type { BootDeps } from './commands.js';
import type { NodeBootConfig } from '../contract/config.js';
import { createHost, type Clock, type ServiceManager } from './host.js';
import { configFor } from './test-fixtures.js';
import { writeTestKernel } from './test-kernel.js';

export async function realInitConfig(mutate: (c: NodeBootConfig) => void = () => undefined): Promise<NodeBootConfig> {
  const config = configFor('init');
  const ca = (commonName: string) => createCA({ commonName, algorithm: 'ECDSA-P256', validityHours: 87600 });
  const [cluster, frontProxy, etcd, sa] = await Promise.all([ca('kubernetes'), ca('front-proxy-ca'), ca('etcd-ca'), generateKeyPair('ECDSA-P256')]);
  config.secrets = { ...config.secrets!, ca: cluster, frontProxyCA: frontProxy, etcdCA: etcd, sa };
  mutate(config);
  return config;
}

export interface TestNode {
  root: string;
  services: ServiceManager & { actions: string[] };
  deps: BootDeps;
}

/** A stand-in kubelet binary: `--version` prints what the real one prints for `version`. */
export function kubeletStub(version: string): string {
  return `#!/bin/sh\n[ "$1" = --version ] && echo "Kubernetes ${version}"\nexit 0\n`;
}

/** Name resolution of a test node: every name resolves, as the node's own name does on a configured machine. */
const resolvesToLoopback = async () => ['127.0.0.1'];

/** A root that passes every preflight check, with node.yaml written from `config` when given. */
export function testNode(config?: NodeBootConfig, options: { withKubelet?: boolean; clock?: Clock; activeServices?: string[]; lookupHost?: (name: string) => Promise<string[]> } = {}): TestNode {
  const root = mkdtempSync(join(tmpdir(), 'kgen-node-'));
  mkdirSync(join(root, 'proc/sys/net/ipv4'), { recursive: true });
  writeFileSync(join(root, 'proc/sys/net/ipv4/ip_forward'), '1\n');
  writeFileSync(join(root, 'proc/swaps'), 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  writeTestKernel(root);
  mkdirSync(join(root, 'run/containerd'), { recursive: true });
  writeFileSync(join(root, 'run/containerd/containerd.sock'), '');
  if (options.withKubelet ?? true) {
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/bin/kubelet'), kubeletStub(config?.cluster.kubernetesVersion ?? 'v1.33.2'));
    chmodSync(join(root, 'usr/bin/kubelet'), 0o755);
  }
  if (config) {
    mkdirSync(join(root, 'etc/kgen'), { recursive: true });
    writeFileSync(join(root, 'etc/kgen/node.yaml'), toYaml(config), { mode: 0o600 });
  }
  const actions: string[] = [];
  const services = {
    actions,
    restart: async (name: string) => void actions.push(`restart ${name}`),
    stop: async (name: string) => void actions.push(`stop ${name}`),
    isActive: async (name: string) => (options.activeServices ?? []).includes(name),
  };
  const deps: BootDeps = {
    host: (o) => createHost({ ...o, uid: 0, bindAddress: '127.0.0.1', env: { PATH: '/nonexistent' }, services, clock: options.clock, lookupHost: options.lookupHost ?? resolvesToLoopback }),
  };
  return { root, services, deps };
}

/** An io that collects output. */
export function captureIO() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), cwd: '/' }, out: () => out.join(''), err: () => err.join('') };
}
