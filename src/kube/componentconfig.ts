// kubeadm marks the component-config ConfigMaps it generated itself (kubelet-config, kube-proxy) with a
// checksum annotation; `kubeadm upgrade` regenerates a signed ConfigMap but keeps an unsigned (user
// supplied) one (upstream: cmd/kubeadm/app/componentconfigs/checksums.go ChecksumForConfigMap, SignConfigMap).
import { createHash } from 'node:crypto';
import type { ConfigMap } from './types.js';

export const COMPONENT_CONFIG_HASH_ANNOTATION = 'kubeadm.kubernetes.io/component-config.hash';

/** sha256 over the data values in key order (Go sort.Strings = byte order), as "sha256:<hex>". */
export function configMapChecksum(cm: Pick<ConfigMap, 'data'>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(cm.data).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(cm.data[key]!, 'utf8');
  return `sha256:${hash.digest('hex')}`;
}

/** A copy of `cm` carrying the checksum annotation. */
export function signConfigMap(cm: ConfigMap): ConfigMap {
  return { ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, [COMPONENT_CONFIG_HASH_ANNOTATION]: configMapChecksum(cm) } } };
}
