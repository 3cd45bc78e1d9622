// What a node image provides before first boot, written under a test node's root: a kubelet package (a stub
// binary; the test kubelet is started through the node's systemctl), the container runtime socket, the
// kernel settings preflight reads (ip_forward on, no swap), and optionally the rendered node.yaml.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NodeImageOptions {
  /** Install /usr/bin/kubelet (default true); without it preflight fails as on an image with no kubelet. */
  kubelet?: boolean;
  /** The node's rendered boot config, installed as /etc/kgen/node.yaml (0600). */
  nodeYaml?: string;
}

export function prepareNodeImage(root: string, opts: NodeImageOptions = {}): void {
  for (const dir of ['usr/bin', 'run/containerd', 'var/run/containerd', 'proc/sys/net/ipv4', 'etc/kgen']) mkdirSync(join(root, dir), { recursive: true });
  if (opts.kubelet ?? true) {
    writeFileSync(join(root, 'usr/bin/kubelet'), '#!/bin/sh\n');
    chmodSync(join(root, 'usr/bin/kubelet'), 0o755);
  }
  writeFileSync(join(root, 'run/containerd/containerd.sock'), '');
  writeFileSync(join(root, 'var/run/containerd/containerd.sock'), '');
  writeFileSync(join(root, 'proc/sys/net/ipv4/ip_forward'), '1\n');
  writeFileSync(join(root, 'proc/swaps'), 'Filename\tType\tSize\tUsed\tPriority\n');
  if (opts.nodeYaml !== undefined) writeFileSync(join(root, 'etc/kgen/node.yaml'), opts.nodeYaml, { mode: 0o600 });
}
