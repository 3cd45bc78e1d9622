import { describe, expect, it } from 'vitest';
import { manifestObjects } from './addon.js';

describe('manifestObjects (CNI manifest)', () => {
  it('splits documents, skips empty ones and expands Lists, keeping order', () => {
    const manifest = [
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: kube-flannel}',
      '---',
      '# only a comment',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: v1, kind: ServiceAccount, metadata: {name: flannel, namespace: kube-flannel}}',
      '- {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: kube-flannel-ds, namespace: kube-flannel}}',
      '',
    ].join('\n');
    expect(manifestObjects(manifest).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/kube-flannel', 'ServiceAccount/flannel', 'DaemonSet/kube-flannel-ds']);
  });

  it.each([
    ['a document without a name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', 'CNI manifest document 1 lacks apiVersion, kind or metadata.name'],
    ['invalid YAML in the second document', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [\n', 'CNI manifest document 2 is not valid YAML'],
  ])('rejects %s, naming the document', (_n, manifest, message) => {
    expect(() => manifestObjects(manifest)).toThrow(message);
  });
});
