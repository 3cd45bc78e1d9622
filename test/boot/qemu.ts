// A QEMU virtual machine for the boot tests: qemu-system-x86_64 with the serial console on stdout
// (console=ttyS0 in the image), user-mode networking (the guest reaches the host's 127.0.0.1 as 10.0.2.2;
// QEMU's built-in TFTP/BOOTP serve iPXE scripts), KVM when /dev/kvm is usable, TCG otherwise.
// Upstream: QEMU docs system/invocation (-nic user,tftp=,bootfile=; -boot; -accel), system/images
// (qcow2 backing files, so the cached base image is never written).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, type WriteStream } from 'node:fs';

export const QEMU = 'qemu-system-x86_64';

/** Why QEMU boots cannot run here, or undefined when they can. */
export function qemuUnavailable(): string | undefined {
  const probe = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `${QEMU} is not installed (apt-get install --no-install-recommends qemu-system-x86 qemu-utils)`;
  const img = spawnSync('qemu-img', ['--version'], { encoding: 'utf8' });
  if (img.error || img.status !== 0) return 'qemu-img is not installed (apt-get install --no-install-recommends qemu-utils)';
  return undefined;
}

export interface Accel {
  accel: 'kvm' | 'tcg';
  /** Why KVM is not used (for the test log), when it is not. */
  reason?: string;
}

let probed: Accel | undefined;

/**
 * KVM when it really runs a guest, else TCG (software emulation: slower, same result). An openable
 * /dev/kvm is not enough: under nested virtualization QEMU may abort on the first vCPU MSR write
 * ("failed to set MSR 0x10a") or stop with "KVM internal error". So the probe boots `kernel` with no root
 * file system and panic=-1 under KVM and requires the kernel's own panic message. KGEN_BOOT_ACCEL=tcg|kvm
 * overrides the probe.
 */
export function accelerator(kernel: string): Accel {
  const forced = process.env.KGEN_BOOT_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, reason: forced === 'tcg' ? 'KGEN_BOOT_ACCEL=tcg' : undefined };
  if (probed) return probed;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return (probed = { accel: 'tcg', reason: '/dev/kvm is missing or not accessible' });
  }
  const res = spawnSync(
    QEMU,
    ['-accel', 'kvm', '-cpu', 'host', '-machine', 'q35', '-nodefaults', '-display', 'none', '-serial', 'stdio', '-monitor', 'none',
      '-no-reboot', '-m', '256', '-kernel', kernel, '-append', 'console=ttyS0 panic=-1'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (/Kernel panic/.test(out)) return (probed = { accel: 'kvm' });
  const why = out.split('\n').find((l) => /error|KVM/i.test(l))?.trim() ?? `exit ${res.status}`;
  return (probed = { accel: 'tcg', reason: `/dev/kvm is present but KVM cannot run a guest here: ${why}` });
}

export interface VmOptions {
  /** Disk image (qcow2 overlay) attached as the first virtio disk. */
  disk: string;
  /** Extra read-only raw images (e.g. the NoCloud seed.iso) as further virtio disks. */
  extraDisks?: string[];
  /** "c" boots the disk, "n" boots the network (iPXE from QEMU's option ROM). */
  boot: 'c' | 'n';
  mac?: string;
  /** QEMU user-net TFTP root and BOOTP file name (network boot). */
  tftp?: { root: string; bootfile: string };
  memoryMiB?: number;
  /** Every serial byte is also appended here. */
  serialLog: string;
  /** A kernel for the KVM probe (the image's vmlinuz). */
  probeKernel: string;
}

export class Vm {
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private text = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;
  readonly accel: 'kvm' | 'tcg';
  readonly accelReason?: string;

  constructor(opts: VmOptions) {
    const { accel, reason } = accelerator(opts.probeKernel);
    this.accel = accel;
    this.accelReason = reason;
    const nic = ['user', 'model=virtio-net-pci', `mac=${opts.mac ?? '52:54:00:12:34:56'}`];
    if (opts.tftp) nic.push(`tftp=${opts.tftp.root}`, `bootfile=${opts.tftp.bootfile}`);
    const args = [
      '-machine', 'q35',
      '-accel', this.accel,
      '-cpu', this.accel === 'kvm' ? 'host' : 'max',
      '-smp', '1',
      '-m', String(opts.memoryMiB ?? 1024),
      '-display', 'none',
      '-serial', 'stdio',
      '-monitor', 'none',
      '-no-reboot',
      '-boot', opts.boot,
      '-drive', `file=${opts.disk},if=virtio,format=qcow2`,
      ...(opts.extraDisks ?? []).flatMap((d) => ['-drive', `file=${d},if=virtio,format=raw,readonly=on`]),
      '-nic', nic.join(','),
    ];
    this.log = createWriteStream(opts.serialLog);
    this.log.write(`# ${QEMU} ${args.join(' ')}\n${reason ? `# TCG: ${reason}\n` : ''}`);
    this.child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      this.text += chunk.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.log.end();
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      });
      this.child.on('error', () => resolve(null));
    });
  }

  /** Everything the serial console printed so far. */
  get output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the match once `pattern` appears; rejects when the VM exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number, what = String(pattern)): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.text.match(pattern);
      if (m) return m;
      if (!this.running) throw new Error(`VM exited before ${what} appeared on the serial console`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} did not appear on the serial console within ${Math.round(timeoutMs / 1000)}s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 5000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the guest to power off; kills it after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** A qcow2 overlay on `base` so the guest's writes never touch the cached image. */
export function createOverlay(base: string, overlay: string): void {
  const res = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, overlay], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`qemu-img create overlay on ${base} failed: ${res.stderr}`);
}
