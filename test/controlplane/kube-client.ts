// A small Kubernetes API client over undici, configured from a kubeconfig the way client-go's
// clientcmd reads one (current-context -> cluster server + certificate-authority[-data],
// user client-certificate[-data]/client-key[-data] or token). Used by the test
// controller-manager (which, like the real one, talks to the API server only through its
// kubeconfig) and by the tests.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { parse } from 'yaml';

export interface ClientConfig {
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
  /** Skip server certificate verification (anonymous discovery before the CA is pinned). */
  insecure?: boolean;
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}: ${message}`);
  }
}

interface NamedEntry<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

/** Reads a kubeconfig file: the current context's cluster and user. Relative file paths resolve against the file's directory. */
function configFromKubeconfig(path: string): ClientConfig {
  const doc = parse(readFileSync(path, 'utf8')) as {
    'current-context'?: string;
    contexts?: NamedEntry<{ cluster: string; user: string }>[];
    clusters?: NamedEntry<Record<string, string>>[];
    users?: NamedEntry<Record<string, string>>[];
  };
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context'])?.context ?? doc.contexts?.[0]?.context;
  if (!ctx) throw new Error(`${path}: no context found; expected a kubeconfig with current-context and contexts`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`${path}: cluster ${ctx.cluster} has no server`);
  const dir = dirname(path);
  const material = (data: string | undefined, file: string | undefined): Buffer | undefined =>
    data ? Buffer.from(data, 'base64') : file ? readFileSync(resolve(dir, file)) : undefined;
  return {
    server: cluster.server,
    ca: material(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: material(user['client-certificate-data'], user['client-certificate']),
    key: material(user['client-key-data'], user['client-key']),
    token: user.token,
    insecure: cluster['insecure-skip-tls-verify'] === (true as unknown as string),
  };
}

export class KubeClient {
  private readonly agent: Agent;

  constructor(readonly config: ClientConfig) {
    this.agent = new Agent({
      connect: { ca: config.ca, cert: config.cert, key: config.key, rejectUnauthorized: !config.insecure },
    });
  }

  static fromKubeconfig(path: string): KubeClient {
    return new KubeClient(configFromKubeconfig(path));
  }

  /** Same server and trust, authenticating with a bearer token instead. */
  withToken(token: string): KubeClient {
    return new KubeClient({ server: this.config.server, ca: this.config.ca, token, insecure: this.config.insecure });
  }

  /** Raw request: status and parsed JSON (or text) body, no error on non-2xx. */
  async raw(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType;
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    const res = await request(new URL(path, this.config.server), {
      method: method as 'GET',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain-text endpoints (/healthz)
    }
    return { status: res.statusCode, body: parsed, text };
  }

  /** Request that throws KubeApiError (with the Status reason) on non-2xx. */
  async call(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
    const res = await this.raw(method, path, body, contentType);
    if (res.status >= 300) {
      const st = res.body as { reason?: string; message?: string };
      throw new KubeApiError(res.status, st?.reason ?? '', st?.message ?? res.text.slice(0, 200), method, path);
    }
    return res.body;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
