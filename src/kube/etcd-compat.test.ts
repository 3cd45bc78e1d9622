// Checks the etcd flags kgen emits against a real etcd binary's --help, when one is installed
// (Debian's etcd-server 3.4.23 here). Records exactly which flags that etcd lacks per Kubernetes
// version, so the test kubelet knows what it must translate or drop.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS } from '../versions.js';
import { etcdCommand } from './etcd.js';
import { CP1, CP2, testCluster } from './test-fixtures.js';

function installedEtcd(): { version: string; flags: Set<string> } | undefined {
  try {
    const version = /etcd Version: (\S+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1] ?? '';
    const help = execFileSync('etcd', ['--help'], { encoding: 'utf8' });
    return { version, flags: new Set(help.match(/--[a-z0-9-]+/g) ?? []) };
  } catch {
    return undefined;
  }
}

const etcd = installedEtcd();

describe.skipIf(etcd?.version !== '3.4.23')('etcd flags against the installed etcd 3.4.23', () => {
  it.each(SUPPORTED_VERSIONS.map((v) => ({ version: `v1.${v.minor}.0`, missing: v.etcdImageTag.startsWith('3.6') ? ['--feature-gates', '--watch-progress-notify-interval'] : [] })))(
    '$version: flags etcd 3.4.23 lacks = $missing',
    ({ version, missing }) => {
      const cluster = testCluster({ kubernetesVersion: version });
      const flags = [...etcdCommand(cluster, CP1), ...etcdCommand(cluster, CP2, [{ name: 'cp-1', peerURL: 'https://10.0.0.11:2380' }, { name: 'cp-2', peerURL: 'https://10.0.0.12:2380' }])]
        .slice(1)
        .filter((a) => a.startsWith('--'))
        .map((a) => a.split('=')[0]!);
      expect([...new Set(flags.filter((f) => !etcd!.flags.has(f)))].sort()).toEqual(missing);
    },
  );
});
