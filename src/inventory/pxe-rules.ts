// What PXE boot makes of inventory values, as rules both sides apply: `kgen validate` refuses what breaks
// them (src/inventory/formats.ts, semantic.ts) and the iPXE generator (generators/pxe.ts) checks them again
// before writing. Values here become words of an iPXE command line and of the Linux kernel command line.
//
// iPXE script rules (upstream ipxe/ipxe src/core/exec.c, src/core/settings.c): a line is split into words on
// whitespace with no quoting or escaping; a word starting with `#` starts a comment; `||`, `&&` and `;` are
// command separators; `${name}` is expanded anywhere in a word. The kernel treats `"` as quoting.
// The NoCloud seed argument `ds=nocloud;s=<seedBaseURL>/nodes/<name>/;dsmode=net` cannot carry `;` (splits
// the ds= value) or `%` (cloud-init's read_seeded treats `%s` as a placeholder): see generators/pxe.ts.
import { gzipSync } from 'node:zlib';
import { renderNetworkConfig } from './network-config.js';
import type { ClusterSpec, NodeSpec } from './types.js';

/** Alias directory names render writes under nodes/ beside the nodes' own (generators/seed-tree.ts); no node may be named like them. */
export const BY_MAC = 'by-mac';
export const BY_UUID = 'by-uuid';

/**
 * Linux COMMAND_LINE_SIZE on x86 and arm64 (arch/x86/include/asm/setup.h, arch/arm64/include/uapi/asm/setup.h):
 * the kernel keeps at most this many bytes of its command line, the terminating NUL included, and silently
 * truncates the rest.
 */
export const MAX_KERNEL_CMDLINE = 2048;

/** Kernel and initrd file names under cluster.pxe.imageBaseURL. */
export const PXE_KERNEL = 'vmlinuz';
export const PXE_INITRD = 'initrd.img';

/** Schemes iPXE can fetch the kernel and initrd with; the seed is fetched by cloud-init (http, https). */
export const IMAGE_SCHEMES = ['http:', 'https:', 'tftp:'] as const;
export const SEED_SCHEMES = ['http:', 'https:'] as const;

/**
 * The kernel command line of a node's PXE boot, unchecked (see kernelArgProblem and seedUrlProblem). The seed
 * URL is seedBaseURL + /nodes/<name>/.
 *
 * A node with a `network` section also gets `network-config=<base64 of the gzipped network-config>`: a PXE-booted
 * node's seed comes over the network in cloud-init's net stage, after the local stage has configured networking,
 * so the seed's network-config is never applied (cloud-init 22.4). The kernel command line is the first network
 * configuration source cloud-init reads in the local stage (upstream cloudinit/net/cmdline.py
 * read_kernel_cmdline_config, _b64dgz; cloudinit/sources/__init__.py network_config_sources; documented under
 * "Network configuration: kernel command line").
 */
export function nodeKernelCmdline(node: Pick<NodeSpec, 'name' | 'kernelArgs' | 'network' | 'mac'>, pxe: Pick<ClusterSpec['pxe'], 'seedBaseURL' | 'kernelArgs'>): string {
  const seedUrl = `${pxe.seedBaseURL.replace(/\/+$/, '')}/nodes/${node.name}/`;
  const network = renderNetworkConfig(node);
  const networkArg = network === undefined ? [] : [`${NETWORK_CONFIG_ARG}=${gzipSync(network, { level: 9 }).toString('base64')}`];
  return [...pxe.kernelArgs, ...node.kernelArgs, ...networkArg, `initrd=${PXE_INITRD}`, `ds=nocloud;s=${seedUrl};dsmode=net`].join(' ');
}

/** cloud-init's kernel argument for a network configuration. */
export const NETWORK_CONFIG_ARG = 'network-config';

/** Why the command line cannot be passed whole (it needs room for its NUL), or undefined. */
export function kernelCmdlineProblem(cmdline: string): string | undefined {
  const bytes = Buffer.byteLength(cmdline);
  return bytes < MAX_KERNEL_CMDLINE ? undefined : `is ${bytes} characters; Linux keeps only ${MAX_KERNEL_CMDLINE} (COMMAND_LINE_SIZE, with its terminating NUL)`;
}

/** Why `value` cannot be one word of an iPXE command and of the kernel command line, or undefined. */
export function wordProblem(value: string): string | undefined {
  return value === '' ? 'is empty'
    : /[^\x21-\x7e]/.test(value) ? 'contains a space, a control character or a non-ASCII character (iPXE splits words on whitespace and has no quoting)'
    : value.startsWith('#') ? "starts with '#' (iPXE reads the rest of the line as a comment)"
    : ['||', '&&', ';'].includes(value) ? 'is an iPXE command separator'
    : value.includes('${') ? "contains '${' (iPXE would expand it as a setting)"
    : value.includes('"') ? "contains '\"' (the kernel treats it as quoting)"
    : undefined;
}

/** Why `value` cannot be one of the operator's kernel arguments, or undefined. */
export function kernelArgProblem(value: string): string | undefined {
  const word = wordProblem(value);
  if (word) return word;
  if (value.startsWith(`${NETWORK_CONFIG_ARG}=`)) return `sets ${NETWORK_CONFIG_ARG}=, which kgen derives from the node's network section; write the network there`;
  return /^(ds|initrd)=/.test(value) ? `sets ${value.split('=')[0]}=, which kgen sets itself for PXE boot` : undefined;
}

/** Why `value` cannot be a base URL kgen appends paths to on the iPXE and kernel command lines, or undefined. */
export function baseUrlProblem(value: string, schemes: readonly string[]): string | undefined {
  const word = wordProblem(value);
  if (word) return word;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL; expected e.g. http://10.0.0.1:8080';
  }
  if (!schemes.includes(url.protocol)) return `uses ${url.protocol.replace(/:$/, '')}; expected one of ${schemes.map((s) => s.replace(/:$/, '')).join(', ')}`;
  if (url.search || url.hash || value.includes('?') || value.includes('#')) return 'has a query or fragment; kgen appends paths to it, so give a plain base URL';
  return undefined;
}

/** Why `value` cannot be cluster.pxe.seedBaseURL (it goes inside the kernel's ds=nocloud argument), or undefined. */
export function seedUrlProblem(value: string): string | undefined {
  const base = baseUrlProblem(value, SEED_SCHEMES);
  if (base) return base;
  const ch = [';', '%'].find((c) => value.includes(c));
  return ch ? `contains ${JSON.stringify(ch)}, which cloud-init's ds=nocloud parser cannot carry` : undefined;
}
