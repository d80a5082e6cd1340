import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayProxy, ProxyRequest } from '@tollgate/gateway-core';
import { installRawV1Routes, parseJsonBody } from './raw-v1-routes';

/**
 * The raw /v1 routes in front of the framework: which requests they take, and that their refusals
 * (413, malformed JSON, prototype poisoning) are OpenAI error objects. The proxy here only records
 * what it is handed; the whole path is covered by the gateway e2e specs.
 */
describe('raw /v1 routes', () => {
  let server: Server;
  let url: string;
  const handled: ProxyRequest[] = [];
  const framework: string[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      framework.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(299).end('framework');
    });
    const proxy = {
      handle: async (req: ProxyRequest, res: ServerResponse) => {
        handled.push(req);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    } as unknown as GatewayProxy;
    installRawV1Routes(server, proxy, 1024);
    installRawV1Routes(server, proxy, 1024); // a second install is a no-op
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
  });

  beforeEach(() => {
    handled.length = 0;
    framework.length = 0;
  });

  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: 'Bearer sk-test' },
      body,
    });

  it.each([
    ['/v1/chat/completions', 'chat'],
    ['/v1/completions', 'completions'],
    ['/v1/embeddings', 'embeddings'],
  ])(
    'given a JSON POST to %s, then the proxy gets the parsed body, its size and a request id',
    async (path, endpoint) => {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'héllo' }] });
      const res = await post(path, body, 'application/json; charset=utf-8');
      expect(res.status).toBe(200);
      expect(handled).toHaveLength(1);
      expect(handled[0]).toMatchObject({
        endpoint,
        authorization: 'Bearer sk-test',
        body: JSON.parse(body),
        bodyBytes: Buffer.byteLength(body),
      });
      expect(handled[0].requestId).toMatch(/^req_[0-9a-f]{32}$/);
      expect(framework).toEqual([]);
    },
  );

  it('given other methods, paths, query strings or content types, then the framework answers them', async () => {
    await fetch(`${url}/v1/chat/completions`);
    await post('/v1/chat/completions?debug=1', '{}');
    await post('/v1/chat/completions', '{}', 'text/plain');
    await post('/v1/models', '{}');
    expect(handled).toEqual([]);
    expect(framework).toEqual([
      'GET /v1/chat/completions',
      'POST /v1/chat/completions?debug=1',
      'POST /v1/chat/completions',
      'POST /v1/models',
    ]);
  });

  it('given a body over the limit, then 413 request_too_large and the proxy is not called', async () => {
    const res = await post('/v1/chat/completions', JSON.stringify({ model: 'm', pad: 'x'.repeat(2000) }));
    expect(res.status).toBe(413);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    expect(handled).toEqual([]);
  });

  it('given malformed JSON, then 400 invalid_json', async () => {
    const res = await post('/v1/chat/completions', '{"model":');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    expect(handled).toEqual([]);
  });

  describe('parseJsonBody', () => {
    const parse = (text: string) => parseJsonBody(Buffer.from(text));

    it('given JSON, then its value', () => {
      expect(parse('{"a":[1,{"b":null}]}')).toEqual({ ok: true, value: { a: [1, { b: null }] } });
    });

    it('given an empty body or a syntax error, then a refusal', () => {
      expect(parse('')).toMatchObject({ ok: false });
      expect(parse('{"a":')).toMatchObject({ ok: false });
    });

    it('given __proto__ or constructor.prototype at any depth, then a refusal (as fastify)', () => {
      expect(parse('{"__proto__":{"x":1}}')).toMatchObject({ ok: false });
      expect(parse('{"a":[{"b":{"__proto__":{}}}]}')).toMatchObject({ ok: false });
      expect(parse('{"constructor":{"prototype":{"x":1}}}')).toMatchObject({ ok: false });
    });

    it('given the words in strings or a harmless constructor key, then the value', () => {
      expect(parse('{"content":"__proto__ and constructor"}')).toMatchObject({ ok: true });
      expect(parse('{"constructor":"a string"}')).toMatchObject({ ok: true });
    });
  });
});
