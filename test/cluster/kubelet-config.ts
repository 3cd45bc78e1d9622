// The part of the KubeletConfiguration (kubelet.config.k8s.io/v1beta1, upstream:
// staging/src/k8s.io/kubelet/config/v1beta1/types.go) that the test kubelet acts on, with upstream
// defaults (pkg/kubelet/apis/config/v1beta1/defaults.go). Files the real kubelet would fail to start
// without (clientCAFile) must exist under the node's root.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface KubeletConfig {
  staticPodPath?: string;
  clientCAFile?: string;
  rotateCertificates: boolean;
  healthzBindAddress: string;
  healthzPort: number;
  nodeLeaseDurationSeconds: number;
}

export function loadKubeletConfig(root: string, path: string): KubeletConfig {
  let doc: Record<string, any>;
  try {
    doc = parse(readFileSync(join(root, path), 'utf8')) as Record<string, any>;
  } catch (err) {
    throw new Error(`failed to load kubelet config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (doc?.apiVersion !== 'kubelet.config.k8s.io/v1beta1' || doc.kind !== 'KubeletConfiguration') {
    throw new Error(`${path}: expected apiVersion kubelet.config.k8s.io/v1beta1, kind KubeletConfiguration; found ${doc?.apiVersion}/${doc?.kind}`);
  }
  const clientCAFile: string | undefined = doc.authentication?.x509?.clientCAFile;
  if (clientCAFile && !existsSync(join(root, clientCAFile))) {
    throw new Error(`${path}: authentication.x509.clientCAFile ${clientCAFile} does not exist`);
  }
  return {
    staticPodPath: doc.staticPodPath,
    clientCAFile,
    rotateCertificates: doc.rotateCertificates === true,
    healthzBindAddress: doc.healthzBindAddress ?? '127.0.0.1',
    healthzPort: doc.healthzPort ?? 10248,
    nodeLeaseDurationSeconds: doc.nodeLeaseDurationSeconds ?? 40,
  };
}
