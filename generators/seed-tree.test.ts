import { describe, expect, it } from 'vitest';
import { macDirName, seedTreeFiles, uuidDirName, type SeedNode } from './seed-tree.js';

const files = (name: string, extra: { name: string; data: Buffer }[] = []) => [
  { name: 'user-data', data: Buffer.from(`#cloud-config\nhostname: ${name}\n`) },
  { name: 'meta-data', data: Buffer.from(`instance-id: ${name}\n`) },
  { name: 'node.yaml', data: Buffer.from('not part of the seed\n') },
  ...extra,
];

describe('seedTreeFiles', () => {
  it.each<{ name: string; nodes: SeedNode[]; paths: string[] }>([
    { name: 'a node without MAC or UUID gets only an empty vendor-data', nodes: [{ name: 'w-1', files: files('w-1') }], paths: ['nodes/w-1/vendor-data'] },
    {
      name: 'a node with a MAC gets a by-mac copy of its seed files',
      nodes: [{ name: 'cp-1', mac: '52:54:00:12:34:56', files: files('cp-1') }],
      paths: ['nodes/cp-1/vendor-data', 'nodes/by-mac/52-54-00-12-34-56/user-data', 'nodes/by-mac/52-54-00-12-34-56/meta-data', 'nodes/by-mac/52-54-00-12-34-56/vendor-data'],
    },
    {
      name: 'MAC and UUID, network-config and vendor-data of its own',
      nodes: [
        {
          name: 'cp-1',
          mac: '52:54:00:12:34:56',
          uuid: '4c4c4544-0042-3510-8052-b4c04f564432',
          files: files('cp-1', [{ name: 'network-config', data: Buffer.from('version: 2\n') }, { name: 'vendor-data', data: Buffer.from('#cloud-config\n') }]),
        },
      ],
      paths: [
        'nodes/by-mac/52-54-00-12-34-56/user-data',
        'nodes/by-mac/52-54-00-12-34-56/meta-data',
        'nodes/by-mac/52-54-00-12-34-56/network-config',
        'nodes/by-mac/52-54-00-12-34-56/vendor-data',
        'nodes/by-uuid/4c4c4544-0042-3510-8052-b4c04f564432/user-data',
        'nodes/by-uuid/4c4c4544-0042-3510-8052-b4c04f564432/meta-data',
        'nodes/by-uuid/4c4c4544-0042-3510-8052-b4c04f564432/network-config',
        'nodes/by-uuid/4c4c4544-0042-3510-8052-b4c04f564432/vendor-data',
      ],
    },
  ])('$name', ({ nodes, paths }) => {
    expect(seedTreeFiles(nodes).map((f) => f.path)).toEqual(paths);
  });

  it('alias files are byte-identical copies of the node directory files, and vendor-data is empty', () => {
    const node: SeedNode = { name: 'cp-1', mac: '52:54:00:12:34:56', files: files('cp-1') };
    const out = new Map(seedTreeFiles([node]).map((f) => [f.path, f.data]));
    expect(out.get('nodes/by-mac/52-54-00-12-34-56/user-data')).toEqual(node.files[0]!.data);
    expect(out.get('nodes/by-mac/52-54-00-12-34-56/meta-data')).toEqual(node.files[1]!.data);
    expect(out.get('nodes/cp-1/vendor-data')!.length).toBe(0);
    expect([...out.keys()].some((p) => p.endsWith('node.yaml'))).toBe(false);
  });

  it.each<{ name: string; nodes: SeedNode[]; error: RegExp }>([
    { name: 'a node named like an alias directory', nodes: [{ name: 'by-mac', files: files('x') }], error: /node name "by-mac" is reserved/ },
    { name: 'a node without user-data', nodes: [{ name: 'w-1', files: files('w-1').slice(1) }], error: /node w-1 has no user-data/ },
    {
      name: 'two nodes with one MAC',
      nodes: [
        { name: 'a', mac: '52:54:00:00:00:01', files: files('a') },
        { name: 'b', mac: '52:54:00:00:00:01', files: files('b') },
      ],
      error: /nodes a and b both map to nodes\/by-mac\/52-54-00-00-00-01\//,
    },
    { name: 'an upper-case MAC', nodes: [{ name: 'a', mac: '52:54:00:AA:00:01', files: files('a') }], error: /MAC "52:54:00:AA:00:01" is not in the expected form/ },
    { name: 'a malformed UUID', nodes: [{ name: 'a', uuid: '4c4c4544', files: files('a') }], error: /UUID "4c4c4544" is not in the expected form/ },
  ])('refuses $name', ({ nodes, error }) => {
    expect(() => seedTreeFiles(nodes)).toThrow(error);
  });

  it('directory names follow iPXE ${mac:hexhyp} and ${uuid}', () => {
    expect(macDirName('52:54:00:ab:cd:ef')).toBe('52-54-00-ab-cd-ef');
    expect(uuidDirName('4c4c4544-0042-3510-8052-b4c04f564432')).toBe('4c4c4544-0042-3510-8052-b4c04f564432');
  });
});
