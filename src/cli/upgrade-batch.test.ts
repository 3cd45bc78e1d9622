import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { NodeSpec } from '../inventory/types.js';
import { hookCommand } from './upgrade-batch.js';

describe('hookCommand', () => {
  it('puts the node\'s name, mac and address in, each one shell word whatever it holds', () => {
    const node = { name: "cp'1", mac: '52:54:00:12:34:56', address: '10.0.0.11' } as NodeSpec;
    const command = hookCommand('printf "%s|" {name} {mac} {address}', node);
    expect(command).toBe(`printf "%s|" 'cp'\\''1' '52:54:00:12:34:56' '10.0.0.11'`);
    expect(execFileSync('sh', ['-c', command], { encoding: 'utf8' })).toBe("cp'1|52:54:00:12:34:56|10.0.0.11|");
  });

  it('gives an empty word for a node without a mac', () => {
    expect(hookCommand('pxe {mac} {name}', { name: 'w1', address: '10.0.0.21' } as NodeSpec)).toBe("pxe '' 'w1'");
  });
});
