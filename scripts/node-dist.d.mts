// Types for scripts/node-dist.mjs (the pinned official Node.js Linux builds), imported by the image recipe.
export type NodeArch = 'amd64' | 'arm64';
export const NODE_VERSION: string;
export const NODE_DISTS: Record<NodeArch, { package: string; integrity: string }>;
export function nodeTarball(cacheDir: string, arch: NodeArch): Promise<string>;
export function extractNodeBinary(tarball: string, dir: string): Promise<string>;
export interface PinnedNode { package: string; version: string; integrity: string }
export const OLDEST_NODE: PinnedNode;
export function pinnedTarball(cacheDir: string, dist: PinnedNode): Promise<string>;
