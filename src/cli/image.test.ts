// `kgen image`: flag handling only (building an image needs root and minutes; test/boot/ does that).
import { describe, expect, it } from 'vitest';
import { UsageError, type CliIO } from '../command/command.js';
import { imageCommand } from './image.js';

const io: CliIO = { stdout: () => undefined, stderr: () => undefined, cwd: '/tmp' };

describe('kgen image', () => {
  it.each([
    ['no subcommand', [], /missing subcommand: build/],
    ['an unknown subcommand', ['make'], /unknown subcommand "make"/],
    ['build without --out', ['build'], /--out DIR is required/],
    ['an unknown flag', ['build', '--out', 'x', '--fast'], /fast/],
    ['a kubelet that does not exist', ['build', '--out', 'x', '--kubelet', '/nonexistent/kubelet'], /no such file/],
    ['--boot-bundle without --bake-boot', ['build', '--out', 'x', '--boot-bundle', 'b.mjs'], /only makes sense with --bake-boot/],
    ['a missing boot bundle', ['build', '--out', 'x', '--bake-boot', '--boot-bundle', '/nonexistent/kgen-boot.mjs'], /is missing/],
  ])('rejects %s with a usage error', async (_name, args, message) => {
    const run = imageCommand.run(args, io);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
  });

  it('documents every flag in its help', () => {
    for (const flag of ['--out', '--kubelet', '--bake-boot', '--boot-bundle', '--mirror', '--keep-work']) {
      expect(imageCommand.help).toContain(flag);
    }
  });
});
