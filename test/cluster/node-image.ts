// What a node image provides before first boot, written under a test node's root: a kubelet package (a stub
// binary; the test kubelet is started through the node's systemctl), the container runtime socket, the
// kernel settings preflight reads (ip_forward on, no swap, a supported kernel with cgroup v2), and optionally the rendered node.yaml.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTestKernel } from '../../src/boot/test-kernel.js';

export interface NodeImageOptions {
  /** Install /usr/bin/kubelet (default true); without it preflight fails as on an image with no kubelet. */
  kubelet?: boolean;
  /** What the installed kubelet says it is (`kubelet --version`; the test kubelet reports it in its Node status). */
  kubeletVersion?: string;
  /** The node's rendered boot config, installed as /etc/kgen/node.yaml (0600). */
  nodeYaml?: string;
}

/** The kubelet an image has when the test names no release. */
export const DEFAULT_KUBELET_VERSION = 'v1.33.2';

export function prepareNodeImage(root: string, opts: NodeImageOptions = {}): void {
  for (const dir of ['usr/bin', 'run/containerd', 'var/run/containerd', 'proc/sys/net/ipv4', 'etc/kgen']) mkdirSync(join(root, dir), { recursive: true });
  if (opts.kubelet ?? true) {
    // An image built for the cluster's release: the kubelet says the version node.yaml names, unless told otherwise.
    const release = opts.kubeletVersion ?? /^\s+kubernetesVersion: (v\S+)$/m.exec(opts.nodeYaml ?? '')?.[1] ?? DEFAULT_KUBELET_VERSION;
    // What the real kubelet prints for --version (component-base/version/verflag).
    writeFileSync(join(root, 'usr/bin/kubelet'), `#!/bin/sh\n[ "$1" = --version ] && echo "Kubernetes ${release}"\nexit 0\n`);
    chmodSync(join(root, 'usr/bin/kubelet'), 0o755);
  }
  writeFileSync(join(root, 'run/containerd/containerd.sock'), '');
  writeFileSync(join(root, 'var/run/containerd/containerd.sock'), '');
  writeFileSync(join(root, 'proc/sys/net/ipv4/ip_forward'), '1\n');
  writeFileSync(join(root, 'proc/swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
  writeTestKernel(root);
  if (opts.nodeYaml !== undefined) writeFileSync(join(root, 'etc/kgen/node.yaml'), opts.nodeYaml, { mode: 0o600 });
}
