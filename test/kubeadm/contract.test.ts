// kubeadm's read-back (test/kubeadm/readback.ts, mirroring cmd/kubeadm/app/util/config/cluster.go) applied to what
// kgen writes: on a node (kgen-boot's kubelet-start phase on a node root), the CRI socket where the release's
// kubeadm looks for it; in the cluster, a ClusterConfiguration from which kubeadm regenerates the very
// control-plane manifests kgen wrote. The Node annotation of releases before v1.34 is checked on a running
// cluster (test/join.integration.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/boot/cli.js';
import { captureIO, realInitConfig, testNode } from '../../src/boot/test-node.js';
import { apiServerPod, controllerManagerPod, kubeadmConfigConfigMap, schedulerPod, CLUSTER_CONFIGURATION_KEY } from '../../src/kube/index.js';
import { CP1, testCluster } from '../../src/kube/test-fixtures.js';
import type { KubeClusterSpec } from '../../src/kube/cluster.js';
import { decodedExtraArgs, nodeRegistration } from './readback.js';

const SOCKET = 'unix:///run/containerd/containerd.sock';

/** kubelet-start on a fresh init node root at `version`; the files it wrote. */
async function kubeletFiles(version: string) {
  const config = await realInitConfig((c) => {
    c.cluster.kubernetesVersion = version;
    c.node.kubelet.criSocket = SOCKET;
  });
  const node = testNode(config);
  const c = captureIO();
  expect(await main(['phase', 'kubelet-start', '--root', node.root], c.io, node.deps), c.err()).toBe(0);
  const read = (rel: string) => {
    try {
      return readFileSync(join(node.root, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  return { flags: read('var/lib/kubelet/kubeadm-flags.env')!, config: read('var/lib/kubelet/config.yaml')!, instance: read('var/lib/kubelet/instance-config.yaml') };
}

describe('GetNodeRegistration on a kgen node: the CRI socket', () => {
  it('v1.34 (NodeLocalCRISocket): instance-config.yaml as kubeadm writes it, merged into config.yaml, no flag', async () => {
    const files = await kubeletFiles('v1.34.1');
    expect(files.instance).toBe(`containerRuntimeEndpoint: "${SOCKET}"\n`);
    expect(parse(files.config).containerRuntimeEndpoint).toBe(SOCKET);
    expect(files.flags).not.toContain('--container-runtime-endpoint');
    const node = { metadata: { name: 'cp1' }, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } };
    expect(nodeRegistration(node, true, files.instance)).toEqual({ name: 'cp1', criSocket: SOCKET, taints: node.spec.taints });
  });

  it('v1.33: the socket stays a kubelet flag and kubeadm reads it from the Node annotation (no instance-config.yaml)', async () => {
    const files = await kubeletFiles('v1.33.2');
    expect(files.instance).toBeUndefined();
    expect(parse(files.config).containerRuntimeEndpoint).toBeUndefined();
    expect(files.flags).toContain(`--container-runtime-endpoint=${SOCKET}`);
    expect(() => nodeRegistration({ metadata: { name: 'cp1' } }, false, undefined)).toThrow("node cp1 doesn't have kubeadm.alpha.kubernetes.io/cri-socket annotation");
  });
});

describe('the ClusterConfiguration round trip: kubeadm regenerates the manifests kgen wrote', () => {
  /** The cluster as kubeadm knows it from kubeadm-config: no encryptionAtRest, the components' flags as decoded. */
  function asKubeadmReadsIt(cluster: KubeClusterSpec): KubeClusterSpec {
    const text = kubeadmConfigConfigMap(cluster).data![CLUSTER_CONFIGURATION_KEY]!;
    return {
      ...cluster,
      encryptionAtRest: false,
      apiServer: { ...cluster.apiServer, extraArgs: decodedExtraArgs(text, 'apiServer') },
      controllerManager: { extraArgs: decodedExtraArgs(text, 'controllerManager') },
      scheduler: { extraArgs: decodedExtraArgs(text, 'scheduler') },
    };
  }

  it.each(['v1.30.4', 'v1.33.2', 'v1.35.0'])('%s with encryption at rest and user flags', (version) => {
    const cluster = testCluster({
      kubernetesVersion: version,
      encryptionAtRest: true,
      apiServer: { certSANs: [], extraArgs: { 'audit-log-maxage': '7' } },
      controllerManager: { extraArgs: { 'node-monitor-grace-period': '50s' } },
    });
    const back = asKubeadmReadsIt(cluster);
    expect(apiServerPod(back, CP1, { hostCAPaths: [] })).toEqual(apiServerPod(cluster, CP1, { hostCAPaths: [] }));
    expect(controllerManagerPod(back, { hostCAPaths: [] })).toEqual(controllerManagerPod(cluster, { hostCAPaths: [] }));
    expect(schedulerPod(back)).toEqual(schedulerPod(cluster));
  });
});
