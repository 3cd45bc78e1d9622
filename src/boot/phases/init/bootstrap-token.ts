// init phase "bootstrap-token": the token Secrets from node.yaml, the RBAC that lets token holders post
// CSRs, get them auto-approved, renew node client certificates and get nodes, and the kube-public/
// cluster-info ConfigMap with its anonymous-read RBAC (upstream: cmd/kubeadm/app/cmd/phases/init/
// bootstraptoken.go; phases/bootstraptoken/node/token.go, tlsbootstrap.go; phases/bootstraptoken/
// clusterinfo/clusterinfo.go CreateBootstrapConfigMapIfNotExists). Objects and the cluster-info update
// come from src/cluster/bootstrap-token.ts.
import { ADMIN_KUBECONFIG, CLUSTER_INFO_CONFIGMAP, KUBE_PUBLIC } from '../../../kube/index.js';
import { bootstrapTokenSecret, clusterInfoRBAC, publishClusterInfo, tlsBootstrapRBAC } from '../../../cluster/bootstrap-token.js';
import { buildClusterInfoKubeconfig, serializeKubeconfig } from '../../../pki/index.js';
import { tlsFromKubeconfig } from '../../../cluster/api-client.js';
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';

const TAG = 'bootstrap-token';

/** The cluster-info kubeconfig: admin.conf's server and the cluster CA, nothing else. */
async function clusterInfoKubeconfig(data: BootData): Promise<string> {
  const admin = await data.host.readText(ADMIN_KUBECONFIG);
  const tls = await tlsFromKubeconfig(admin, ADMIN_KUBECONFIG, (p) => data.host.readText(p));
  const ca = data.config.secrets?.ca.cert;
  if (!ca) throw new Error('node.yaml has no cluster CA (secrets.ca); re-render with kgen');
  return serializeKubeconfig(buildClusterInfoKubeconfig({ server: tls.server, caCertPem: ca }));
}

export function bootstrapTokenPhase(): Phase<BootData> {
  return {
    name: 'bootstrap-token',
    short: 'Generates bootstrap tokens used to join a node to a cluster',
    dependsOn: ['wait-control-plane'],
    async run(data) {
      const { log, config, host } = data;
      const api = await data.admin();
      log.phase(TAG, 'Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles');
      for (const token of config.secrets?.bootstrapTokens ?? []) {
        if (Date.parse(token.expiration) <= host.clock.now().getTime()) {
          log.warn(`bootstrap token "${token.id}" expired at ${token.expiration}; nodes joining with it will fail. Add a fresh token with \`kgen render --reimage\``, TAG);
        }
        await api.createOrUpdate(bootstrapTokenSecret(token));
      }
      const [kubeletBootstrap, autoApprove, rotation, getNodesRole, getNodesBinding] = tlsBootstrapRBAC();
      await api.createOrUpdate(getNodesRole);
      await api.createOrUpdate(getNodesBinding);
      log.phase(TAG, 'Configured RBAC rules to allow Node Bootstrap tokens to get nodes');
      await api.createOrUpdate(kubeletBootstrap);
      log.phase(TAG, 'Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials');
      await api.createOrUpdate(autoApprove);
      log.phase(TAG, 'Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token');
      await api.createOrUpdate(rotation);
      log.phase(TAG, 'Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster');

      log.phase(TAG, `Creating the "${CLUSTER_INFO_CONFIGMAP}" ConfigMap in the "${KUBE_PUBLIC}" namespace`);
      await publishClusterInfo(api, await clusterInfoKubeconfig(data));
      for (const obj of clusterInfoRBAC()) await api.createOrUpdate(obj);
    },
  };
}
