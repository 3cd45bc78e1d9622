// The part of the KubeletConfiguration (kubelet.config.k8s.io/v1beta1, upstream:
// staging/src/k8s.io/kubelet/config/v1beta1/types.go) that the test kubelet acts on, with upstream
// defaults (pkg/kubelet/apis/config/v1beta1/defaults.go). The client CA file is checked separately,
// after TLS bootstrap, where upstream loads it (cmd/kubelet/app/server.go run -> BuildAuth).
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
  return {
    staticPodPath: doc.staticPodPath,
    clientCAFile: doc.authentication?.x509?.clientCAFile,
    rotateCertificates: doc.rotateCertificates === true,
    healthzBindAddress: doc.healthzBindAddress ?? '127.0.0.1',
    healthzPort: doc.healthzPort ?? 10248,
    nodeLeaseDurationSeconds: doc.nodeLeaseDurationSeconds ?? 40,
  };
}

/** Fails like the kubelet's BuildAuth when authentication.x509.clientCAFile is set but missing. */
export function checkClientCA(root: string, config: KubeletConfig): void {
  if (config.clientCAFile && !existsSync(join(root, config.clientCAFile))) {
    throw new Error(`unable to load client CA file ${config.clientCAFile}: no such file or directory`);
  }
}
