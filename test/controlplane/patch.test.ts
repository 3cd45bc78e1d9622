// The three PATCH formats the API server accepts, on the shapes bootstrap clients send.
import { describe, expect, it } from 'vitest';
import { jsonPatch } from './json-patch.js';
import { mergePatch } from './merge-patch.js';
import { strategicMerge } from './strategic-merge.js';

const node = {
  metadata: { name: 'cp1', labels: { a: '1' }, finalizers: ['x'] },
  spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }] },
};

describe('strategicMerge', () => {
  it.each([
    {
      name: 'merges taints by key (kubeadm mark-control-plane)',
      patch: {
        metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } },
        spec: {
          '$setElementOrder/taints': [{ key: 'node.kubernetes.io/not-ready' }, { key: 'node-role.kubernetes.io/control-plane' }],
          taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
        },
      },
      check: (r: any) => {
        expect(r.metadata.labels).toEqual({ a: '1', 'node-role.kubernetes.io/control-plane': '' });
        expect(r.spec.taints.map((t: any) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node-role.kubernetes.io/control-plane']);
        expect(JSON.stringify(r)).not.toContain('$setElementOrder');
      },
    },
    {
      name: 'updates one condition by type and keeps the others',
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      check: (r: any) => expect(r.status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }]),
    },
    {
      name: 'deletes a list element with $patch: delete',
      patch: { spec: { taints: [{ key: 'node.kubernetes.io/not-ready', $patch: 'delete' }] } },
      check: (r: any) => expect(r.spec.taints).toEqual([]),
    },
    {
      name: 'replaces a map with $patch: replace',
      patch: { metadata: { labels: { b: '2', $patch: 'replace' } } },
      check: (r: any) => expect(r.metadata.labels).toEqual({ b: '2' }),
    },
    {
      name: 'unions finalizers and removes with $deleteFromPrimitiveList',
      patch: { metadata: { finalizers: ['y'], '$deleteFromPrimitiveList/finalizers': ['x'] } },
      check: (r: any) => expect(r.metadata.finalizers).toEqual(['y']),
    },
    {
      name: 'null deletes a key',
      patch: { metadata: { labels: { a: null } } },
      check: (r: any) => expect(r.metadata.labels).toEqual({}),
    },
  ])('$name', ({ patch, check }) => check(strategicMerge(structuredClone(node), patch)));
});

describe('mergePatch', () => {
  it('replaces lists and deletes nulls (RFC 7386)', () => {
    expect(mergePatch(node, { spec: { taints: [] }, metadata: { labels: null } })).toMatchObject({ spec: { taints: [] }, metadata: { name: 'cp1' } });
    expect((mergePatch(node, { metadata: { labels: null } }) as any).metadata.labels).toBeUndefined();
  });
});

describe('jsonPatch', () => {
  it.each([
    { name: 'add to a map', ops: [{ op: 'add', path: '/metadata/labels/b', value: '2' }], check: (r: any) => expect(r.metadata.labels.b).toBe('2') },
    { name: 'append to a list', ops: [{ op: 'add', path: '/spec/taints/-', value: { key: 'k' } }], check: (r: any) => expect(r.spec.taints).toHaveLength(2) },
    { name: 'escaped pointer', ops: [{ op: 'add', path: '/metadata/labels/node-role.kubernetes.io~1control-plane', value: '' }], check: (r: any) => expect(r.metadata.labels['node-role.kubernetes.io/control-plane']).toBe('') },
    { name: 'replace and test', ops: [{ op: 'test', path: '/metadata/name', value: 'cp1' }, { op: 'replace', path: '/metadata/name', value: 'x' }], check: (r: any) => expect(r.metadata.name).toBe('x') },
    { name: 'remove', ops: [{ op: 'remove', path: '/status/conditions/0' }], check: (r: any) => expect(r.status.conditions).toEqual([{ type: 'MemoryPressure', status: 'False' }]) },
  ])('$name', ({ ops, check }) => check(jsonPatch(node, ops)));

  it.each([
    { name: 'failed test', ops: [{ op: 'test', path: '/metadata/name', value: 'other' }], error: /test operation failed/ },
    { name: 'missing path', ops: [{ op: 'remove', path: '/metadata/nope' }], error: /does not exist/ },
    { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/a' }], error: /unknown JSON patch operation/ },
  ])('rejects $name', ({ ops, error }) => expect(() => jsonPatch(node, ops)).toThrow(error));
});
