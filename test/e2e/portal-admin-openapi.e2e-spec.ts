import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PortalClient } from './portal/portal-test-app';
import { startAllInOne, type AllInOne } from './support/all-in-one';

jest.setTimeout(60_000);

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

/**
 * The parts of OpenAPI 3.1 this document relies on, as a JSON Schema: enough for ajv to refuse a
 * document a client generator would choke on (missing responses, operation ids, bad parameter places).
 */
const OPENAPI_31_SUBSET = {
  type: 'object',
  required: ['openapi', 'info', 'paths', 'components'],
  properties: {
    openapi: { const: '3.1.0' },
    info: { type: 'object', required: ['title', 'version'] },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/api/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: ['get', 'put', 'post', 'delete', 'patch'] },
        additionalProperties: {
          type: 'object',
          required: ['operationId', 'summary', 'responses'],
          properties: {
            operationId: { type: 'string', pattern: '^[a-zA-Z]+$' },
            parameters: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'in', 'schema'],
                properties: { in: { enum: ['path', 'query', 'header', 'cookie'] } },
              },
            },
            responses: {
              type: 'object',
              minProperties: 1,
              propertyNames: { pattern: '^[1-5][0-9][0-9]$' },
              additionalProperties: { type: 'object', required: ['description'] },
            },
          },
        },
      },
    },
    components: {
      type: 'object',
      required: ['schemas', 'securitySchemes'],
      properties: { schemas: { type: 'object', additionalProperties: { type: 'object' } } },
    },
  },
} as const;

/**
 * Every "METHOD /path" in fastify's route tree: each line is one segment under its parent, indented
 * four characters per level ("└── /" is the root).
 */
function servedRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const marker = line.indexOf('── ');
    const m = /^(\S+) \(([A-Z, ]+)\)$/.exec(line.slice(marker + 3).trim());
    if (marker < 0 || !m) continue;
    const depth = (marker - 1) / 4;
    stack[depth] = depth === 0 ? m[1] : `${stack[depth - 1]}${m[1]}`.replace(/^\/\//, '/');
    stack.length = depth + 1;
    for (const verb of m[2].split(', ')) if (verb !== 'HEAD') routes.push(`${verb} ${stack[depth]}`);
  }
  return routes;
}

describe('customer workspace API: /api/openapi.json', () => {
  let app: AllInOne;
  let doc: OpenApi;
  let ajv: Ajv2020;

  beforeAll(async () => {
    app = await startAllInOne();
    const res = await fetch(`${app.running.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApi;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    // The document itself under an id, so response schemas can $ref its components.
    ajv.addSchema({ $id: 'customer-api', $defs: doc.components.schemas });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  /** A response schema with its `#/components/schemas/X` refs pointed at the registered document. */
  function validatorFor(schema: Json) {
    const rewritten = JSON.parse(
      JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"customer-api#/$defs/'),
    ) as Json;
    return ajv.compile(rewritten);
  }

  it('given no session, when the document is read, then it is a valid OpenAPI 3.1 document whose schemas all compile and whose refs all resolve, with unique operation ids', () => {
    const validate = ajv.compile(OPENAPI_31_SUBSET);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      expect({ name, compiles: (() => (validatorFor(schema), true))() }).toEqual({ name, compiles: true });
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(Object.keys(doc.components.schemas)).toContain(r.split('/').pop());
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('given the running product, then every /api route it serves is documented, and every documented operation is a route', () => {
    const fastify = app.running.app.getHttpAdapter().getInstance();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    for (const route of documented) {
      const [method, url] = route.split(' ');
      expect({ route, served: fastify.hasRoute({ method: method as 'GET', url }) }).toEqual({
        route,
        served: true,
      });
    }
    const served = servedRoutes(fastify.printRoutes({ commonPrefix: false })).filter((r) =>
      r.split(' ')[1].startsWith('/api/'),
    );
    expect(served.length).toBeGreaterThan(5);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('given the demo customer with a session, when every documented operation is called, then each answers a documented status, and each JSON answer matches its documented schema', async () => {
    const demo = app.running.demo!;
    const client = new PortalClient(app.running.url);
    expect((await client.signIn(demo.customerEmail, demo.customerPassword)).status).toBe(303);
    const me = JSON.parse((await client.request('/api/me')).body) as { csrfToken: string };
    const ws = demo.workspaceId;

    const call = (method: string, path: string) =>
      client.request(path, { method, headers: { 'x-csrf-token': me.csrfToken } });
    // PortalClient sends forms; JSON bodies go through fetch with the same cookies.
    const callJson = async (
      method: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) => {
      const cookie = `tg_session=${encodeURIComponent(client.cookie('tg_session') ?? '')}`;
      const res = await fetch(`${app.running.url}${path}`, {
        method,
        headers: { cookie, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        redirect: 'manual',
      });
      return { status: res.status, headers: res.headers, body: await res.text() };
    };

    const checked: string[] = [];
    const check = (
      docPath: string,
      method: string,
      res: { status: number; headers: Headers; body: string },
    ) => {
      const op = doc.paths[docPath]?.[method];
      expect({ docPath, method, documented: op !== undefined }).toEqual({
        docPath,
        method,
        documented: true,
      });
      const response = op.responses[String(res.status)];
      expect({ op: op.operationId, status: res.status, documented: response !== undefined }).toEqual({
        op: op.operationId,
        status: res.status,
        documented: true,
      });
      const schema = response.content?.['application/json']?.schema;
      if (schema) {
        const validate = validatorFor(schema);
        const body = JSON.parse(res.body) as unknown;
        expect({ op: op.operationId, errors: validate(body) ? null : validate.errors }).toEqual({
          op: op.operationId,
          errors: null,
        });
      } else if (response.content?.['application/pdf']) {
        expect(res.headers.get('content-type')).toContain('application/pdf');
      }
      checked.push(`${method} ${docPath}`);
    };
    const W = '/api/workspaces/{workspaceId}';

    check('/api/openapi.json', 'get', await call('GET', '/api/openapi.json'));
    check('/api/me', 'get', await call('GET', '/api/me'));
    check(W, 'get', await call('GET', `/api/workspaces/${ws}`));
    check(`${W}/packages`, 'get', await call('GET', `/api/workspaces/${ws}/packages`));
    check(`${W}/billing-profile`, 'get', await call('GET', `/api/workspaces/${ws}/billing-profile`));
    check(
      `${W}/billing-profile`,
      'put',
      await callJson('PUT', `/api/workspaces/${ws}/billing-profile`, {
        legalName: 'Demo Customer Ltd',
        addressLines: ['1 Demo Street'],
        postalCode: '10115',
        city: 'Berlin',
        country: 'DE',
        invoiceEmail: 'billing@demo.test',
      }),
    );
    check(
      `${W}/payments/quote`,
      'get',
      await call('GET', `/api/workspaces/${ws}/payments/quote?packageId=enterprise`),
    );
    const created = await callJson(
      'POST',
      `/api/workspaces/${ws}/payments/orders`,
      { packageId: 'enterprise' },
      { 'idempotency-key': `openapi-${randomUUID()}` },
    );
    check(`${W}/payments/orders`, 'post', created);
    const orderId = (JSON.parse(created.body) as { order: { orderId: string } }).order.orderId;
    check(`${W}/payments/orders`, 'get', await call('GET', `/api/workspaces/${ws}/payments/orders`));
    check(
      `${W}/payments/orders/{orderId}`,
      'get',
      await call('GET', `/api/workspaces/${ws}/payments/orders/${orderId}`),
    );
    // A manual order has no hosted checkout: a documented 409.
    const checkout = await call('POST', `/api/workspaces/${ws}/payments/orders/${orderId}/checkout`);
    expect(checkout.status).toBe(409);
    check(`${W}/payments/orders/{orderId}/checkout`, 'post', checkout);
    check(
      `${W}/payments/orders/{orderId}/cancel`,
      'post',
      await call('POST', `/api/workspaces/${ws}/payments/orders/${orderId}/cancel`),
    );
    check(`${W}/invoices`, 'get', await call('GET', `/api/workspaces/${ws}/invoices`));
    // No invoice yet: unknown ids are a documented 404.
    check(
      `${W}/invoices/{invoiceId}/pdf`,
      'get',
      await call('GET', `/api/workspaces/${ws}/invoices/${randomUUID()}/pdf`),
    );
    check(
      `${W}/invoices/{invoiceId}/credit-notes/{creditNoteId}/pdf`,
      'get',
      await call('GET', `/api/workspaces/${ws}/invoices/${randomUUID()}/credit-notes/${randomUUID()}/pdf`),
    );

    const all = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(all.filter((op) => !checked.includes(op))).toEqual([]);
  });
});
