// How the test kubelet turns a static Pod into a host process. There is no container runtime, so:
//  - the container's command[0] names a program from a fixed table (etcd -> Debian's /usr/bin/etcd,
//    kube-apiserver / kube-controller-manager / kube-scheduler -> node build/test/<name>.mjs);
//  - every flag value (and bare argument) that is an absolute path must lie under one of the
//    container's volumeMounts and is rewritten to <root> + that volume's hostPath + the rest, so a wrong
//    mount, a wrong hostPath or a path outside every mount breaks the pod exactly as it would in a
//    container (it would see no such file);
//  - hostPath volumes are prepared by type like the kubelet's hostPath volume plugin does
//    (pkg/volume/hostpath/host_path.go): DirectoryOrCreate/FileOrCreate create, Directory/File must exist;
//  - etcd's flags go through the etcd 3.4 compatibility table (etcd-compat.ts).
// One container per pod, no init containers: that is the shape of every kubeadm static pod.
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { etcd34Args } from './etcd-compat.js';

export interface Program {
  command: string;
  /** Arguments placed before the container's own (e.g. the script node runs). */
  prefix: string[];
}

export type ProgramTable = Record<string, Program>;

export interface PodProcess {
  /** metadata.name */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
}

interface Mount {
  name: string;
  mountPath: string;
}

/** The table for programs next to the test kubelet (dir: build/test). */
export function defaultPrograms(dir: string): ProgramTable {
  const script = (name: string): Program => ({ command: process.execPath, prefix: [join(dir, `${name}.mjs`)] });
  return {
    etcd: { command: '/usr/bin/etcd', prefix: [] },
    'kube-apiserver': script('kube-apiserver'),
    'kube-controller-manager': script('kube-controller-manager'),
    'kube-scheduler': script('kube-scheduler'),
  };
}

function prepareHostPath(root: string, volume: Volume): void {
  const { path, type = '' } = volume.hostPath!;
  const real = join(root, path);
  switch (type) {
    case 'DirectoryOrCreate':
      mkdirSync(real, { recursive: true, mode: 0o755 });
      return;
    case 'FileOrCreate':
      if (!existsSync(real)) {
        mkdirSync(dirname(real), { recursive: true });
        closeSync(openSync(real, 'a', 0o644));
      }
      return;
    case 'Directory':
      if (!existsSync(real) || !statSync(real).isDirectory()) throw new Error(`hostPath volume "${volume.name}": directory ${path} does not exist`);
      return;
    case 'File':
      if (!existsSync(real) || !statSync(real).isFile()) throw new Error(`hostPath volume "${volume.name}": file ${path} does not exist`);
      return;
    case '':
      return;
    default:
      throw new Error(`hostPath volume "${volume.name}": type ${type} is not supported by the test kubelet`);
  }
}

/** Rewrites one container path to the host path behind the longest matching mount. */
function hostPathFor(root: string, path: string, mounts: Mount[], volumes: Map<string, Volume>): string | undefined {
  const mount = mounts
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return undefined;
  const volume = volumes.get(mount.name)!;
  return join(root, volume.hostPath!.path, path.slice(mount.mountPath.length));
}

/** Validates the pod, prepares its volumes and returns the process to start. Throws with the reason. */
export function podProcess(root: string, pod: any, programs: ProgramTable): PodProcess {
  const name: unknown = pod?.metadata?.name;
  if (pod?.apiVersion !== 'v1' || pod?.kind !== 'Pod' || typeof name !== 'string' || !name) {
    throw new Error('not a v1 Pod with metadata.name');
  }
  const containers: any[] = pod.spec?.containers ?? [];
  if (containers.length !== 1 || pod.spec?.initContainers?.length) {
    throw new Error(`pod ${name}: the test kubelet runs exactly one container and no init containers (found ${containers.length})`);
  }
  if (pod.spec.hostNetwork !== true) throw new Error(`pod ${name}: static control-plane pods must set hostNetwork: true`);
  const container = containers[0];
  const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
  if (argv.length === 0) throw new Error(`pod ${name}: container ${container.name} has no command`);
  const program = programs[argv[0]!];
  if (!program) throw new Error(`pod ${name}: no test program for command "${argv[0]}" (known: ${Object.keys(programs).join(', ')})`);

  const volumes = new Map<string, Volume>();
  for (const v of (pod.spec.volumes ?? []) as Volume[]) {
    if (!v.hostPath?.path) throw new Error(`pod ${name}: volume "${v.name}" is not a hostPath volume`);
    volumes.set(v.name, v);
  }
  const mounts: Mount[] = container.volumeMounts ?? [];
  for (const m of mounts) {
    if (!volumes.has(m.name)) throw new Error(`pod ${name}: volumeMount ${m.mountPath} names volume "${m.name}", which the pod does not define`);
  }
  for (const v of volumes.values()) prepareHostPath(root, v);

  const rewrite = (value: string, where: string): string => {
    if (!value.startsWith('/')) return value;
    const host = hostPathFor(root, value, mounts, volumes);
    if (!host) throw new Error(`pod ${name}: ${where} names ${value}, which no volumeMount of container ${container.name} covers`);
    return host;
  };
  let args = argv.slice(1).map((arg) => {
    const m = /^(--?[^=]+)=(.*)$/s.exec(arg);
    return m ? `${m[1]}=${rewrite(m[2]!, m[1]!)}` : rewrite(arg, `argument "${arg}"`);
  });
  if (argv[0] === 'etcd') args = etcd34Args(args);
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
  }
  // The test control plane reports the version its image would have (test/controlplane/kube-apiserver-main.ts).
  const tag = /:(v\d+\.\d+\.\d+)$/.exec(String(container.image ?? ''))?.[1];
  if (tag && argv[0]!.startsWith('kube-')) env.KGEN_TEST_KUBE_VERSION = tag;
  return { name, command: program.command, args: [...program.prefix, ...args], env };
}
