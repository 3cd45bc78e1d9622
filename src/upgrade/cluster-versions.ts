// What a running cluster reports about its versions, read through the API as kubeadm's upgrade plan reads it
// (cmd/kubeadm/app/phases/upgrade/versiongetter.go: KubeletVersions from each Node's status.nodeInfo, component
// versions from the image tags of the control-plane static pods' mirror pods; the add-ons from their workloads).
import type { ApiClient, ObjectRef } from '../cluster/api-client.js';
import { KUBE_SYSTEM, LABEL_CONTROL_PLANE } from '../kube/index.js';
import type { ClusterReport } from './plan.js';
import type { Component } from './skew.js';

interface NodeObject extends ObjectRef {
  metadata: ObjectRef['metadata'] & { labels?: Record<string, string> };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

interface PodObject extends ObjectRef {
  metadata: ObjectRef['metadata'] & { labels?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ image?: string }> };
}

interface WorkloadObject extends ObjectRef {
  spec?: { template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } };
}

const STATIC_POD_COMPONENTS: readonly Component[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

/** The tag of an image reference (`registry.k8s.io/kube-apiserver:v1.33.2` → `v1.33.2`), digest and registry port aside. */
export function imageTag(image: string | undefined): string | undefined {
  const name = image?.split('@')[0];
  const slash = name?.lastIndexOf('/') ?? -1;
  const colon = name?.indexOf(':', slash + 1) ?? -1;
  return name !== undefined && colon >= 0 ? name.slice(colon + 1) : undefined;
}

export async function readClusterVersions(client: ApiClient): Promise<ClusterReport> {
  const nodes = (await client.list<NodeObject>('v1', 'Node')).items;
  const pods = (await client.list<PodObject>('v1', 'Pod', KUBE_SYSTEM, { labelSelector: 'tier=control-plane' })).items;
  const components: ClusterReport['components'] = [];
  for (const node of nodes) {
    components.push({ component: 'kubelet', node: node.metadata.name, version: node.status?.nodeInfo?.kubeletVersion });
  }
  for (const pod of pods) {
    const component = pod.metadata.labels?.component as Component | undefined;
    if (!component || !STATIC_POD_COMPONENTS.includes(component) || !pod.spec?.nodeName) continue;
    components.push({ component, node: pod.spec.nodeName, version: imageTag(pod.spec.containers?.[0]?.image) });
  }
  const image = async (kind: 'DaemonSet' | 'Deployment', name: string, container: string) => {
    const obj = await client.getIfExists<WorkloadObject>('apps/v1', kind, name, KUBE_SYSTEM);
    return imageTag(obj?.spec?.template?.spec?.containers?.find((c) => c.name === container)?.image);
  };
  return {
    components,
    nodes: nodes.map((n) => ({ name: n.metadata.name, controlPlane: n.metadata.labels?.[LABEL_CONTROL_PLANE] !== undefined })),
    addons: { kubeProxy: await image('DaemonSet', 'kube-proxy', 'kube-proxy'), coreDNS: await image('Deployment', 'coredns', 'coredns') },
  };
}
