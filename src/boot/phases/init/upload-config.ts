// init phase "upload-config": the ClusterConfiguration into kube-system/kubeadm-config and the cluster
// KubeletConfiguration into kube-system/kubelet-config, each with the Role/RoleBinding that lets nodes and
// bootstrap-token holders read it (upstream: cmd/kubeadm/app/cmd/phases/init/uploadconfig.go,
// phases/uploadconfig/uploadconfig.go, phases/kubelet/config.go CreateConfigMap). Objects come from src/kube.
// Before v1.34 the kubelet child also annotates this Node with its CRI socket, as kubeadm's runUploadKubeletConfig.
import {
  KUBEADM_CONFIG_CONFIGMAP,
  KUBELET_CONFIG_CONFIGMAP,
  KUBE_SYSTEM,
  kubeadmConfigConfigMap,
  kubeadmConfigRBAC,
  kubeletConfigConfigMap,
  kubeletConfigRBAC,
} from '../../../kube/index.js';
import { annotateCRISocket } from '../../node/cri-socket.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';

export function uploadConfigPhase(): Phase<BootData> {
  return {
    name: 'upload-config',
    short: 'Upload the kubeadm and kubelet configuration to a ConfigMap',
    dependsOn: ['wait-control-plane'],
    phases: [
      {
        name: 'kubeadm',
        short: 'Upload the kubeadm ClusterConfiguration to a ConfigMap',
        async run(data) {
          data.log.phase('upload-config', `Storing the configuration used in ConfigMap "${KUBEADM_CONFIG_CONFIGMAP}" in the "${KUBE_SYSTEM}" Namespace`);
          const api = await data.admin();
          await api.createOrUpdate(kubeadmConfigConfigMap(data.cluster));
          for (const obj of kubeadmConfigRBAC()) await api.createOrUpdate(obj);
        },
      },
      {
        name: 'kubelet',
        short: 'Upload the kubelet component config to a ConfigMap',
        async run(data) {
          data.log.phase('kubelet', `Creating a ConfigMap "${KUBELET_CONFIG_CONFIGMAP}" in namespace ${KUBE_SYSTEM} with the configuration for the kubelets in the cluster`);
          const api = await data.admin();
          await api.createOrUpdate(kubeletConfigConfigMap(data.cluster));
          for (const obj of kubeletConfigRBAC()) await api.createOrUpdate(obj);
          await annotateCRISocket(data, api, 'upload-config');
        },
      },
    ],
  };
}
