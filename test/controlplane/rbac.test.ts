// RBAC rule matching (RuleAllows) and the forbidden message, table-driven.
import { describe, expect, it } from 'vitest';
import { type Attributes, forbiddenMessage, type PolicyRule, ruleAllows } from './rbac.js';

const user = { name: 'u', groups: [] };
const res = (verb: string, apiGroup: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({
  user,
  verb,
  resourceRequest: true,
  path: '',
  apiGroup,
  resource,
  subresource: '',
  namespace: 'ns',
  name: '',
  ...extra,
});
const path = (verb: string, p: string): Attributes => ({ user, verb, resourceRequest: false, path: p, apiGroup: '', resource: '', subresource: '', namespace: '', name: '' });

describe('ruleAllows', () => {
  it.each<{ name: string; rule: PolicyRule; attrs: Attributes; allowed: boolean }>([
    { name: 'exact match', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, attrs: res('get', '', 'configmaps'), allowed: true },
    { name: 'other verb', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, attrs: res('list', '', 'configmaps'), allowed: false },
    { name: 'other group', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, attrs: res('get', 'apps', 'configmaps'), allowed: false },
    { name: 'wildcards', rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, attrs: res('delete', 'apps', 'deployments'), allowed: true },
    { name: 'resourceNames match', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, attrs: res('get', '', 'configmaps', { name: 'cluster-info' }), allowed: true },
    { name: 'resourceNames other name', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, attrs: res('get', '', 'configmaps', { name: 'x' }), allowed: false },
    { name: 'resourceNames vs list (no name)', rule: { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, attrs: res('list', '', 'configmaps'), allowed: false },
    { name: 'subresource needs resource/sub', rule: { verbs: ['create'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] }, attrs: res('create', 'certificates.k8s.io', 'certificatesigningrequests', { subresource: 'nodeclient' }), allowed: false },
    { name: 'resource/sub', rule: { verbs: ['create'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/nodeclient'] }, attrs: res('create', 'certificates.k8s.io', 'certificatesigningrequests', { subresource: 'nodeclient' }), allowed: true },
    { name: '*/sub', rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, attrs: res('get', 'apps', 'deployments', { subresource: 'scale' }), allowed: true },
    { name: 'resource rule vs path', rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, attrs: path('get', '/healthz'), allowed: false },
    { name: 'exact URL', rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] }, attrs: path('get', '/healthz'), allowed: true },
    { name: 'URL prefix *', rule: { verbs: ['get'], nonResourceURLs: ['/api/*'] }, attrs: path('get', '/api/v1'), allowed: true },
    { name: 'URL prefix does not match the bare path', rule: { verbs: ['get'], nonResourceURLs: ['/api/*'] }, attrs: path('get', '/api'), allowed: false },
  ])('$name -> $allowed', ({ rule, attrs, allowed }) => {
    expect(ruleAllows(attrs, rule)).toBe(allowed);
  });
});

describe('forbiddenMessage', () => {
  it.each([
    { attrs: res('get', '', 'configmaps', { name: 'x' }), message: 'User "u" cannot get resource "configmaps" in API group "" in the namespace "ns"' },
    { attrs: res('create', 'certificates.k8s.io', 'certificatesigningrequests', { namespace: '', subresource: 'nodeclient' }), message: 'User "u" cannot create resource "certificatesigningrequests/nodeclient" in API group "certificates.k8s.io" at the cluster scope' },
    { attrs: path('get', '/api'), message: 'User "u" cannot get path "/api"' },
  ])('$message', ({ attrs, message }) => expect(forbiddenMessage(attrs)).toBe(message));
});
