// join phase "discovery" (kgen names the step kubeadm runs lazily inside join, cmd/kubeadm/app/discovery/
// token/token.go RetrieveValidatedConfigInfo): fetch kube-public/cluster-info, check the JWS signature for
// this node's token id, pin the CA, re-fetch over verified TLS. Nothing is written; the result stays in memory
// for the phases that follow (BootData.join, src/boot/node/join.ts). The work is src/cluster/discovery.ts; failures carry its reason.
import type { Phase } from '../../runner.js';
import type { BootData } from '../../data.js';

export function discoveryPhase(): Phase<BootData> {
  return {
    name: 'discovery',
    short: 'Find the cluster and validate it against the bootstrap token and the CA pin',
    async run(data) {
      const { log, config } = data;
      log.phase('discovery', `Discovering the cluster at ${config.discovery.apiServerEndpoint} with bootstrap token "${data.join.tokenID}"`);
      await data.join.discovered();
    },
  };
}
