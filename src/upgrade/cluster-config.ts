// The cluster-wide objects that announce a release, moved once every control-plane node runs the target, as
// kubeadm's `upgrade apply` does after its control-plane step (cmd/kubeadm/app/phases/upgrade/postupgrade.go
// PerformPostUpgradeTasks: UploadConfiguration, kubelet CreateConfigMap, dns.EnsureDNSAddon,
// proxy.EnsureProxyAddon): kubeadm-config's ClusterConfiguration kubernetesVersion (kubeadm reads it back as the
// cluster's version: util/config/cluster.go FetchInitConfigurationFromCluster), and the image tags of the
// kube-proxy DaemonSet and the CoreDNS Deployment that kgen-boot's addon phase deployed. The kubelet-config
// ConfigMap is not release-dependent in kgen (src/kube/kubelet.ts clusterKubeletConfiguration takes no
// version), so it is left as it is. Each update happens only when the object differs: running it twice
// changes nothing.
import type { ApiClient, ObjectRef } from '../cluster/api-client.js';
import { CLUSTER_CONFIGURATION_KEY, KUBEADM_CONFIG_CONFIGMAP, KUBE_SYSTEM } from '../kube/index.js';
import { versionInfo } from '../versions.js';
import { parse } from '../yaml-input.js';
import { toYaml } from '../yaml.js';
import { imageTag } from './cluster-versions.js';

interface ConfigMapObject extends ObjectRef {
  data?: Record<string, string>;
}

interface WorkloadObject extends ObjectRef {
  spec?: { template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } };
}

/** `image` with its tag replaced by `tag` (a digest-pinned or untagged reference gets `:tag` after its name). */
export function retag(image: string, tag: string): string {
  const name = image.split('@')[0]!;
  const current = imageTag(name);
  return `${current === undefined ? name : name.slice(0, name.length - current.length - 1)}:${tag}`;
}

async function moveKubeadmConfig(api: ApiClient, target: string): Promise<string> {
  const cm = await api.getIfExists<ConfigMapObject>('v1', 'ConfigMap', KUBEADM_CONFIG_CONFIGMAP, KUBE_SYSTEM);
  const text = cm?.data?.[CLUSTER_CONFIGURATION_KEY];
  if (!cm || text === undefined) throw new Error(`${KUBE_SYSTEM}/${KUBEADM_CONFIG_CONFIGMAP} has no ${CLUSTER_CONFIGURATION_KEY}: the cluster was not set up by kgen-boot's upload-config phase`);
  const config = parse(text) as Record<string, unknown>;
  if (config.kubernetesVersion === target) return `kubeadm-config: ClusterConfiguration kubernetesVersion is ${target}`;
  const before = String(config.kubernetesVersion);
  await api.update({ ...cm, data: { ...cm.data, [CLUSTER_CONFIGURATION_KEY]: toYaml({ ...config, kubernetesVersion: target }) } });
  return `kubeadm-config: ClusterConfiguration kubernetesVersion ${before} -> ${target}`;
}

async function moveWorkloadImage(api: ApiClient, kind: 'DaemonSet' | 'Deployment', name: string, tag: string): Promise<string> {
  const obj = await api.getIfExists<WorkloadObject>('apps/v1', kind, name, KUBE_SYSTEM);
  const container = obj?.spec?.template?.spec?.containers?.find((c) => c.name === name);
  if (!obj || !container?.image) return `${name}: not deployed, nothing to move`;
  if (imageTag(container.image) === tag) return `${name}: image ${container.image}`;
  const image = retag(container.image, tag);
  const containers = obj.spec!.template!.spec!.containers!.map((c) => (c === container ? { ...c, image } : c));
  await api.update({ ...obj, spec: { ...obj.spec, template: { ...obj.spec!.template, spec: { ...obj.spec!.template!.spec, containers } } } });
  return `${name}: image ${container.image} -> ${image}`;
}

/** Moves the cluster-wide objects to `target`; one line per object saying what it holds now or what changed. */
export async function moveClusterConfiguration(api: ApiClient, target: string): Promise<string[]> {
  const info = versionInfo(target);
  if (!info) throw new Error(`${target} is not a release kgen supports; the plan should have refused it`);
  return [
    await moveKubeadmConfig(api, target),
    'kubelet-config: unchanged (kgen\'s KubeletConfiguration does not depend on the release)',
    await moveWorkloadImage(api, 'DaemonSet', 'kube-proxy', target),
    await moveWorkloadImage(api, 'Deployment', 'coredns', info.coreDNSImageTag),
  ];
}
