// cloud-init user-data (#cloud-config) for one node. What it does at first boot:
//   1. write_files /etc/kgen/node.yaml (root, 0600): the node's NodeBootConfig;
//   2. the boot program: the JavaScript module embedded (write_files, gz+b64; with boot.installNodejs the
//      distribution's nodejs through `packages:`), or the executable for the node's arch fetched from a URL
//      by a small pinned-sha256 fetcher (delivery url), or already in the image (delivery baked);
//   3. write_files /etc/systemd/system/kgen-boot.service and enable + start it (without blocking
//      cloud-final). The unit is enabled so a reboot mid-way resumes: kgen-boot records finished phases
//      in /var/lib/kgen/status.json and continues where it stopped;
//   4. control-plane nodes with cluster.certificateRenewal enabled: a daily timer and a oneshot service
//      running `kgen-boot certs renew all --if-expiring-within <before> --restart-static-pods` (docs/day2.md),
//      enabled: a renewal restarts the static pods that use the renewed certificates, one at a time.
// Modules used and their keys: cloud-init docs, modules cc_write_files, cc_package_update_upgrade_install
// and cc_runcmd (upstream: cloudinit/config/schemas/schema-cloud-config-v1.json).
import type { ClusterSpec } from '../src/inventory/types.js';
import { toYaml } from '../src/yaml.js';
import type { BootBundle, BootFile } from './boot-bundle.js';

export const NODE_CONFIG_PATH = '/etc/kgen/node.yaml';
export const BOOT_UNIT_PATH = '/etc/systemd/system/kgen-boot.service';
export const FETCHER_PATH = '/usr/local/lib/kgen/fetch-boot.py';
export const RENEW_SERVICE = 'kgen-certs-renew.service';
export const RENEW_TIMER = 'kgen-certs-renew.timer';
/** Present on a control-plane node once its certs phase ran: before that there is nothing to renew. */
const RENEW_CONDITION_PATH = '/etc/kubernetes/pki/ca.key';

interface WriteFile {
  path: string;
  content: string;
  owner: string;
  permissions: string;
  encoding?: 'gz+b64';
}

/**
 * Downloads the boot program, checks its sha256, installs it atomically; a matching file is kept. Python 3
 * because cloud-init runs on it, so every machine that reads this user-data has it (a stock image may have
 * no Node.js, curl or wget; cloud-init 22.4 has no module that downloads a file).
 */
const FETCHER = `# kgen: fetch kgen-boot for delivery "url" and check it against the sha256 pinned in user-data.
import hashlib, os, sys, urllib.request
url, sha256, path = sys.argv[1:4]
def digest(f):
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b''):
        h.update(chunk)
    return h.hexdigest()
if os.path.isfile(path):
    with open(path, 'rb') as f:
        if digest(f) == sha256:
            sys.exit(0)
os.makedirs(os.path.dirname(path), exist_ok=True)
tmp = path + '.tmp'
try:
    with urllib.request.urlopen(url, timeout=60) as res, open(tmp, 'w+b') as out:
        for chunk in iter(lambda: res.read(1 << 20), b''):
            out.write(chunk)
        out.seek(0)
        got = digest(out)
except Exception as err:
    sys.exit(f'kgen: GET {url}: {err}')
if got != sha256:
    os.remove(tmp)
    sys.exit(f'kgen: {url} has sha256 {got}, expected {sha256}; refusing to run it')
os.chmod(tmp, 0o755)
os.replace(tmp, path)
`;

/** delivery url: where the node's executable is, under the base URL. */
export function executableUrl(boot: ClusterSpec['boot'], executable: BootFile): string {
  return `${boot.url!.replace(/\/+$/, '')}/${executable.name}`;
}

function bootUnit(boot: ClusterSpec['boot'], executable: BootFile | undefined): string {
  // systemd expands %-specifiers in Exec lines: a percent-encoded URL needs its % doubled.
  const fetch = executable ? [`ExecStartPre=/usr/bin/python3 ${FETCHER_PATH} ${executableUrl(boot, executable).replaceAll('%', '%%')} ${executable.sha256} ${boot.path}`] : [];
  return [
    '[Unit]',
    'Description=kgen first boot: bring this machine into its Kubernetes cluster',
    'Wants=network-online.target',
    'After=network-online.target containerd.service cloud-final.service',
    `ConditionPathExists=${NODE_CONFIG_PATH}`,
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    // Discovery may wait up to the configured deadline for the control plane: no start timeout.
    'TimeoutStartSec=infinity',
    ...fetch,
    `ExecStart=${boot.path} run --config ${NODE_CONFIG_PATH}`,
    'Restart=on-failure',
    'RestartSec=30s',
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Go duration syntax for the renewal window: whole hours as "720h", anything else in seconds. */
const goDuration = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds}s`);

function renewService(boot: ClusterSpec['boot'], renewal: ClusterSpec['certificateRenewal']): string {
  return [
    '[Unit]',
    "Description=kgen: renew this control-plane node's certificates before they expire",
    'After=kgen-boot.service',
    `ConditionPathExists=${RENEW_CONDITION_PATH}`,
    '',
    '[Service]',
    'Type=oneshot',
    // oneshot: no start timeout by default, and `systemctl stop` sends SIGTERM, on which a restart in progress
    // moves its held manifest back before exiting.
    `ExecStart=${boot.path} certs renew all --if-expiring-within ${goDuration(renewal.beforeSeconds)} --restart-static-pods --config ${NODE_CONFIG_PATH}`,
    '',
  ].join('\n');
}

// Daily, spread over an hour so the control-plane nodes do not renew at the same moment; Persistent catches
// up on a run missed while the machine was off.
const RENEW_TIMER_UNIT = [
  '[Unit]',
  "Description=kgen: daily check of this control-plane node's certificate expiry",
  '',
  '[Timer]',
  'OnCalendar=daily',
  'RandomizedDelaySec=1h',
  'Persistent=true',
  '',
  '[Install]',
  'WantedBy=timers.target',
  '',
].join('\n');

/**
 * User-data in three pieces: `head + embedded + tail` is the file. The embedded boot program (the same
 * ~270 KB of base64 in every node's file) is spliced into a slot after serialization, so the YAML
 * serializer does not rescan it for every node; base64 is a valid YAML plain scalar, so the result is
 * exactly what serializing it in place would give (a test checks this).
 */
export interface UserData {
  head: string;
  embedded: string;
  tail: string;
}

export function userDataText(u: UserData): string {
  return u.head + u.embedded + u.tail;
}

// The embedded program is the same string for every node of a render: encode it to bytes once.
let encoded: { text: string; bytes: Buffer } | undefined;

/** The file's bytes, without re-encoding the shared embedded program for every node. */
export function userDataBytes(u: UserData): Buffer {
  if (encoded?.text !== u.embedded) encoded = { text: u.embedded, bytes: Buffer.from(u.embedded) };
  return Buffer.concat([Buffer.from(u.head), encoded.bytes, Buffer.from(u.tail)]);
}

const BUNDLE_SLOT = 'kgen-boot-bundle-slot';

/**
 * `configYaml`: the node's NodeBootConfig as serialized for node.yaml (toYaml), written verbatim. `bundle`:
 * the JavaScript module (delivery embed); `renewal`: the certificate renewal timer to install (control-plane
 * nodes with it enabled), or undefined; `executable`: the one for the node's arch (delivery url).
 */
export function renderUserData(configYaml: string, boot: ClusterSpec['boot'], bundle: BootBundle, renewal?: ClusterSpec['certificateRenewal'], executable?: BootFile): UserData {
  if (boot.delivery === 'url' && !executable) throw new Error('internal: delivery url without the executable to pin');
  const files: WriteFile[] = [
    { path: NODE_CONFIG_PATH, content: configYaml, owner: 'root:root', permissions: '0600' },
  ];
  if (boot.delivery === 'embed') {
    files.push({ path: boot.path, content: BUNDLE_SLOT, encoding: 'gz+b64', owner: 'root:root', permissions: '0755' });
  } else if (boot.delivery === 'url') {
    files.push({ path: FETCHER_PATH, content: FETCHER, owner: 'root:root', permissions: '0644' });
  }
  files.push({ path: BOOT_UNIT_PATH, content: bootUnit(boot, boot.delivery === 'url' ? executable : undefined), owner: 'root:root', permissions: '0644' });
  const runcmd = [
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', '--now', '--no-block', 'kgen-boot.service'],
  ];
  if (renewal) {
    files.push({ path: `/etc/systemd/system/${RENEW_SERVICE}`, content: renewService(boot, renewal), owner: 'root:root', permissions: '0644' });
    files.push({ path: `/etc/systemd/system/${RENEW_TIMER}`, content: RENEW_TIMER_UNIT, owner: 'root:root', permissions: '0644' });
    runcmd.push(['systemctl', 'enable', '--now', '--no-block', RENEW_TIMER]);
  }
  const cloudConfig = {
    // cloud-init runs `apt-get update` before installing (cloudinit/distros/debian.py install_packages).
    ...(boot.delivery === 'embed' && boot.installNodejs ? { packages: ['nodejs'] } : {}),
    write_files: files,
    runcmd,
  };
  const text = `#cloud-config\n${toYaml(cloudConfig)}`;
  if (boot.delivery !== 'embed') return { head: text, embedded: '', tail: '' };
  const [head, tail, ...rest] = text.split(BUNDLE_SLOT);
  if (tail === undefined || rest.length > 0) throw new Error('internal: the boot program slot is not in user-data exactly once');
  return { head: head!, embedded: bundle.gzipBase64, tail };
}
