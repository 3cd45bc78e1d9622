// Request attributes from method and URL, as staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go
// derives them: /api/v1/... and /apis/<group>/<version>/... are resource requests
// (namespaces/<ns>/<resource>/<name>/<subresource>), anything else is a non-resource path;
// GET is get or list (watch with ?watch=true), POST create, PUT update, PATCH patch,
// DELETE delete or deletecollection.

export interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Segments beyond what the URL grammar allows (a malformed request). */
  extra: boolean;
  /** Exact-match (`=`/`==`) requirements of the fieldSelector of a list or watch. */
  fieldSelector: Record<string, string>;
}

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function requestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const info: RequestInfo = {
    resourceRequest: false,
    path,
    verb: (method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase()),
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    extra: false,
    fieldSelector: {},
  };
  const parts = path.split('/').filter((p) => p !== '');
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    info.apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    info.apiGroup = parts[1]!;
    info.apiVersion = parts[2]!;
    rest = parts.slice(3);
  } else {
    return info;
  }
  info.resourceRequest = true;
  info.verb = METHOD_VERBS[method] ?? method.toLowerCase();
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1]!;
    // /namespaces/<name> and /namespaces/<name>/{status,finalize} address the namespace itself.
    if (rest.length === 2 || (rest.length === 3 && ['status', 'finalize'].includes(rest[2]!))) {
      info.resource = 'namespaces';
      info.name = rest[1]!;
      info.subresource = rest[2] ?? '';
    } else {
      [info.resource, info.name = '', info.subresource = ''] = rest.slice(2) as [string, string?, string?];
      info.extra = rest.length > 5;
    }
  } else {
    [info.resource, info.name = '', info.subresource = ''] = rest as [string, string?, string?];
    info.extra = rest.length > 3;
  }
  if (!info.name) {
    if (info.verb === 'delete') info.verb = 'deletecollection';
    if (info.verb === 'get') {
      info.verb = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'watch' : 'list';
      for (const term of (url.searchParams.get('fieldSelector') ?? '').split(',')) {
        const m = /^\s*([^=!\s]+)\s*==?\s*(.*?)\s*$/.exec(term);
        if (m) info.fieldSelector[m[1]!] = m[2]!;
      }
      // A list or watch of one object by name is authorized as that name.
      const name = info.fieldSelector['metadata.name'];
      if (name && !/[/%]/.test(name) && name !== '.' && name !== '..') info.name = name;
    }
  }
  return info;
}
