/**
 * The admin JSON API (/admin/api/*) as an OpenAPI 3.1 document: the gateway catalog and credit grants
 * (AdminCatalogController), payments settlement (AdminPaymentsController) and invoices
 * (AdminInvoicesController). Written by hand as a typed object; the e2e spec checks it lists every route.
 */

type Schema = { readonly [key: string]: unknown };
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: Schema;
}

interface Response {
  description: string;
  content?: Record<string, { schema: Schema }>;
}

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: { 'application/json': { schema: Schema } } };
  responses: Record<string, Response>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { securitySchemes: Record<string, Schema>; schemas: Record<string, Schema> };
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const body = (schema: Schema) => ({ required: true, content: json(schema) });
const ok = (description: string, schema: Schema): Response => ({ description, content: json(schema) });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  required,
  properties,
});
const path = (name: string, description?: string): Parameter => ({
  name,
  in: 'path',
  required: true,
  ...(description ? { description } : {}),
  schema: { type: 'string' },
});
const query = (name: string, schema: Schema): Parameter => ({ name, in: 'query', required: false, schema });

const err = (description: string): Response => ok(description, ref('Error'));
const unauthorized = { '401': err('No or wrong admin credentials') };
const invalid = { '400': err('Invalid input; `error.field` names the field') };
const notFound = { '404': err('Unknown id') };

const credits: Schema = {
  type: 'string',
  pattern: '^-?[0-9]+(\\.[0-9]{1,9})?$',
  description: 'Exact decimal credits (at most 9 decimals), e.g. "12.5"',
  examples: ['12.5'],
};
const pricePerMillion: Schema = {
  type: 'string',
  description: 'Non-negative decimal credits per million tokens',
  examples: ['0.5'],
};
const dateTime: Schema = { type: 'string', format: 'date-time' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const minorString: Schema = { type: 'string', pattern: '^[0-9]+$', description: 'Integer minor units' };
const open: Schema = { type: 'object', additionalProperties: true };
const pdf: Response = {
  description: 'The PDF',
  content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
};

const schemas: Record<string, Schema> = {
  Error: obj(
    {
      error: obj(
        {
          code: { type: 'string', examples: ['INVALID_INPUT', 'NOT_FOUND', 'IDEMPOTENCY_CONFLICT'] },
          message: { type: 'string' },
          field: { type: 'string', description: 'The offending field, for input errors' },
        },
        ['code', 'message'],
      ),
    },
    ['error'],
  ),
  Balance: obj({ postedCredits: credits, leasedCredits: credits, availableCredits: credits }),
  WorkspacePolicy: obj(
    {
      allowProviders: nullable({ type: 'array', items: { type: 'string' }, maxItems: 200 }),
      denyProviders: { type: 'array', items: { type: 'string' }, maxItems: 200 },
      allowDeployments: nullable({ type: 'array', items: { type: 'string' }, maxItems: 500 }),
      denyDeployments: { type: 'array', items: { type: 'string' }, maxItems: 500 },
      requiredRegion: nullable({
        type: 'string',
        description: 'Only providers tagged with this region, e.g. "eu"',
      }),
      routingPolicy: nullable({
        type: 'string',
        enum: ['priority', 'cost'],
        description: "null: each alias's own",
      }),
    },
    [],
  ),
  WorkspaceQuotas: obj(
    {
      requestsPerMinute: nullable({ type: 'integer', minimum: 1 }),
      tokensPerMinute: nullable({ type: 'integer', minimum: 1 }),
      creditsPerDay: nullable(credits),
      creditsPerMonth: nullable(credits),
      concurrentRequests: nullable({ type: 'integer', minimum: 1 }),
      timeZone: { type: 'string', default: 'UTC', description: 'IANA zone of the calendar days and months' },
      keys: {
        type: 'array',
        maxItems: 1000,
        description:
          "Quotas of single API keys (the tighter of these and the key's own per-minute limits applies)",
        items: obj(
          {
            keyId: { type: 'string' },
            requestsPerMinute: nullable({ type: 'integer', minimum: 1 }),
            tokensPerMinute: nullable({ type: 'integer', minimum: 1 }),
            creditsPerDay: nullable(credits),
            creditsPerMonth: nullable(credits),
            concurrentRequests: nullable({ type: 'integer', minimum: 1 }),
          },
          ['keyId'],
        ),
      },
    },
    [],
  ),
  WorkspaceRules: obj({
    workspaceId: { type: 'string' },
    policy: nullable(ref('WorkspacePolicy')),
    quotas: nullable(ref('WorkspaceQuotas')),
    usage: {
      type: 'array',
      description: 'Current windows over every gateway instance',
      items: obj({
        keyId: nullable({ type: 'string', description: "null: the workspace's own quota" }),
        metric: {
          type: 'string',
          enum: ['requests', 'tokens', 'credits_day', 'credits_month', 'concurrent'],
        },
        limit: { anyOf: [{ type: 'integer' }, credits] },
        used: {
          anyOf: [{ type: 'integer' }, credits],
          description: 'Consumed (reported within a second or so)',
        },
        claimed: { anyOf: [{ type: 'integer' }, credits], description: 'Claimed by gateway instances' },
        windowStart: dateTime,
        windowEnd: nullable(dateTime),
      }),
    },
  }),
  Workspace: obj({
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    createdAt: dateTime,
    memberCount: { type: 'integer' },
    balance: nullable(ref('Balance')),
  }),
  CreditGrantInput: obj(
    {
      credits,
      reason: { type: 'string', minLength: 1, maxLength: 500 },
      kind: { type: 'string', enum: ['manual', 'promotional'], default: 'manual' },
    },
    ['credits', 'reason'],
  ),
  CreditGrant: obj({
    grant: obj({
      id: { type: 'string', description: 'The Idempotency-Key' },
      workspaceId: { type: 'string' },
      kind: { type: 'string', enum: ['manual', 'promotional'] },
      reason: { type: 'string' },
      credits,
    }),
    balanceImpact: obj({ postedCredits: credits, availableCredits: credits }),
    replayed: { type: 'boolean', description: 'True when this key was already granted (no second grant)' },
  }),
  ApiKeyInput: obj(
    {
      name: { type: 'string', maxLength: 200 },
      allowedModels: nullable({ type: 'array', items: { type: 'string' }, maxItems: 1000 }),
      spendLimitCredits: nullable(credits),
      requestsPerMinute: nullable({ type: 'integer', minimum: 1 }),
      tokensPerMinute: nullable({ type: 'integer', minimum: 1 }),
      adminTest: {
        type: 'boolean',
        description:
          "An operator's test key: may also route aliases that are not open (drafts, in review, paused)",
      },
    },
    [],
  ),
  ApiKeyLimitsInput: obj(
    {
      allowedModels: nullable({ type: 'array', items: { type: 'string' }, maxItems: 1000 }),
      spendLimitCredits: nullable(credits),
      requestsPerMinute: nullable({ type: 'integer', minimum: 1 }),
      tokensPerMinute: nullable({ type: 'integer', minimum: 1 }),
    },
    [],
  ),
  ApiKey: obj({
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    allowedModels: nullable({ type: 'array', items: { type: 'string' } }),
    spendLimitCredits: nullable(credits),
    spentCredits: credits,
    requestsPerMinute: nullable({ type: 'integer' }),
    tokensPerMinute: nullable({ type: 'integer' }),
    adminTest: { type: 'boolean' },
    createdAt: dateTime,
    revokedAt: nullable(dateTime),
  }),
  CreatedApiKey: obj({
    apiKey: obj({
      id: { type: 'string' },
      prefix: { type: 'string' },
      secret: { type: 'string', description: 'Shown in this response only' },
    }),
  }),
  ProviderInput: obj(
    {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      kind: { type: 'string', enum: ['openai_compatible'], default: 'openai_compatible' },
      baseUrl: { type: 'string', format: 'uri' },
      apiKey: { type: 'string', minLength: 1, maxLength: 4096, writeOnly: true },
      region: nullable({ type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$', examples: ['eu'] }),
    },
    ['name', 'baseUrl', 'apiKey'],
  ),
  ProviderUpdate: obj(
    {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      baseUrl: { type: 'string', format: 'uri' },
      region: nullable({ type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }),
    },
    [],
  ),
  Provider: obj({
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    baseUrl: { type: 'string' },
    region: nullable({ type: 'string', description: 'Residency tag, e.g. "eu"' }),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  AliasStatus: { type: 'string', enum: ['draft', 'in_review', 'open', 'paused', 'retired'] },
  Deployment: obj({
    deploymentId: { type: 'string' },
    providerId: { type: 'string' },
    upstreamModel: { type: 'string' },
    priority: { type: 'integer' },
    weight: { type: 'integer' },
  }),
  Alias: obj({
    name: { type: 'string' },
    policy: { type: 'string', enum: ['priority', 'cost'] },
    defaultMaxOutputTokens: nullable({ type: 'integer' }),
    status: ref('AliasStatus'),
    deployments: { type: 'array', items: ref('Deployment') },
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  MarginReview: obj({
    alias: { type: 'string' },
    status: ref('AliasStatus'),
    thresholdPercent: { type: 'string', examples: ['0'] },
    lines: {
      type: 'array',
      items: obj({
        deploymentId: { type: 'string' },
        providerId: { type: 'string' },
        upstreamModel: { type: 'string' },
        cost: nullable(open),
        price: nullable(open),
        marginPercent: nullable({
          type: 'string',
          description:
            'Margin % of price on the reference mix (600k input, 100k cached, 300k output tokens), rounded down to 2 decimals; null = unknown (blocks)',
          examples: ['28.57'],
        }),
      }),
    },
    blockingDeploymentIds: { type: 'array', items: { type: 'string' } },
  }),
  AliasStatusInput: obj(
    {
      to: ref('AliasStatus'),
      reason: { type: 'string', minLength: 1, maxLength: 500 },
      overrideReason: nullable({
        type: 'string',
        minLength: 1,
        maxLength: 500,
        description: 'Opens despite a margin below the threshold (recorded with the review)',
      }),
    },
    ['to', 'reason'],
  ),
  AliasHistoryEntry: obj({
    kind: { type: 'string', enum: ['status', 'margin_flagged'] },
    from: nullable(ref('AliasStatus')),
    to: nullable(ref('AliasStatus')),
    reason: { type: 'string' },
    review: nullable(open),
    actor: { type: 'string' },
    at: dateTime,
  }),
  CostProfileInput: obj(
    {
      providerId: { type: 'string' },
      upstreamModel: { type: 'string' },
      inputPerMillion: pricePerMillion,
      cachedInputPerMillion: pricePerMillion,
      outputPerMillion: pricePerMillion,
      effectiveAt: dateTime,
    },
    ['providerId', 'upstreamModel', 'inputPerMillion', 'outputPerMillion'],
  ),
  SellPriceInput: obj(
    {
      alias: { type: 'string' },
      price: {
        oneOf: [
          obj({ kind: { const: 'markup' }, markupPercent: { type: 'string', examples: ['40'] } }),
          obj(
            {
              kind: { const: 'per_million' },
              inputPerMillion: pricePerMillion,
              cachedInputPerMillion: pricePerMillion,
              outputPerMillion: pricePerMillion,
            },
            ['kind', 'inputPerMillion', 'outputPerMillion'],
          ),
        ],
        discriminator: { propertyName: 'kind' },
      },
      effectiveAt: dateTime,
    },
    ['alias', 'price'],
  ),
  Version: obj({ version: { type: 'integer' } }),
  AliasInput: obj(
    {
      policy: { type: 'string', enum: ['priority', 'cost'], default: 'priority' },
      defaultMaxOutputTokens: nullable({ type: 'integer', minimum: 1 }),
      deployments: {
        type: 'array',
        minItems: 1,
        maxItems: 16,
        items: obj(
          {
            providerId: { type: 'string' },
            upstreamModel: { type: 'string' },
            priority: { type: 'integer', minimum: 0, maximum: 1000, default: 0 },
            weight: { type: 'integer', minimum: 0, maximum: 1000000, default: 1 },
          },
          ['providerId', 'upstreamModel'],
        ),
      },
    },
    ['deployments'],
  ),
  CreditPackageInput: obj(
    {
      name: { type: 'string', maxLength: 120 },
      description: { type: 'string', maxLength: 1000 },
      tier: { type: 'string', enum: ['individual', 'team', 'scale', 'enterprise', 'custom'] },
      priceMinor: minorString,
      currency: { type: 'string', examples: ['USD'] },
      creditsNanocredits: { type: 'string', pattern: '^[0-9]+$' },
      bonusNanocredits: { type: 'string', pattern: '^[0-9]+$' },
      taxMode: { type: 'string', enum: ['exclusive', 'inclusive'] },
      settlement: { type: 'string', enum: ['checkout', 'manual'] },
      active: { type: 'boolean' },
      sortOrder: { type: 'integer', minimum: 0, maximum: 10000 },
    },
    ['name', 'tier', 'priceMinor', 'currency', 'creditsNanocredits', 'taxMode', 'settlement', 'active'],
  ),
  Order: { ...open, description: 'A payment order with its status, amounts (exact strings) and history' },
  Invoice: obj(
    {
      id: { type: 'string' },
      workspaceId: { type: 'string' },
      netMinor: minorString,
      taxMinor: minorString,
      grossMinor: minorString,
      creditedMinor: minorString,
    },
    ['id', 'netMinor', 'taxMinor', 'grossMinor', 'creditedMinor'],
  ),
  CreditNote: obj(
    { id: { type: 'string' }, netMinor: minorString, taxMinor: minorString, grossMinor: minorString },
    ['id', 'netMinor', 'taxMinor', 'grossMinor'],
  ),
};

const orderIdParam = path('orderId', 'Letters, digits and dashes');
const orderResponse = ok('The order', obj({ order: ref('Order') }));
const paymentErrors = { ...unauthorized, ...invalid, ...notFound, '409': err('Not allowed in its state') };

export const ADMIN_API_OPENAPI: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Tollgate admin API',
    version: '1.0.0',
    description:
      'Operator API. Authenticate with `Authorization: Bearer <TOLLGATE_ADMIN_TOKEN>` (or an admin session). ' +
      'Credit amounts are exact decimal strings; upstream provider keys are write-only.',
  },
  servers: [{ url: '/' }],
  security: [{ adminToken: [] }],
  tags: [
    { name: 'workspaces', description: 'Workspaces, balances, credit grants and API keys' },
    { name: 'catalog', description: 'Providers, cost profiles, sell prices and aliases' },
    { name: 'payments', description: 'Credit packages and payment orders' },
    { name: 'invoices', description: 'Invoices and credit notes of every workspace' },
    { name: 'docs', description: 'This document' },
  ],
  paths: {
    '/admin/api/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This OpenAPI document (no authentication needed)',
        tags: ['docs'],
        security: [],
        responses: { '200': ok('OpenAPI 3.1 document', open) },
      },
    },
    '/admin/api/workspaces': {
      get: {
        operationId: 'listWorkspaces',
        summary: 'Workspaces (newest first, up to 1000) with their balances',
        tags: ['workspaces'],
        responses: {
          '200': ok('Workspaces', obj({ workspaces: { type: 'array', items: ref('Workspace') } })),
          ...unauthorized,
        },
      },
    },
    '/admin/api/workspaces/{workspaceId}/credit-grants': {
      post: {
        operationId: 'grantCredits',
        summary: 'Grant credits; the Idempotency-Key makes retries the same grant',
        tags: ['workspaces'],
        parameters: [
          path('workspaceId'),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: true,
            description: 'The grant id: the same key again returns the same result without a second grant',
            schema: { type: 'string', minLength: 8, maxLength: 200 },
          },
        ],
        requestBody: body(ref('CreditGrantInput')),
        responses: {
          '201': ok('Granted (or replayed)', ref('CreditGrant')),
          ...invalid,
          ...unauthorized,
          '404': err('No credit account for this workspace'),
          '409': err('The key was used with another body'),
        },
      },
    },
    '/admin/api/workspaces/{workspaceId}/api-keys': {
      get: {
        operationId: 'listApiKeys',
        summary: "A workspace's API keys (never their secrets)",
        tags: ['workspaces'],
        parameters: [path('workspaceId')],
        responses: {
          '200': ok('API keys', obj({ apiKeys: { type: 'array', items: ref('ApiKey') } })),
          ...unauthorized,
          ...notFound,
        },
      },
      post: {
        operationId: 'createApiKey',
        summary: 'Create an API key; its secret is in this response only',
        tags: ['workspaces'],
        parameters: [
          path('workspaceId'),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Optional. Kept 24 h: the same key with the same workspace and body creates nothing and answers ' +
              '409 IDEMPOTENT_REPLAY with the id and prefix of the key it created (its secret cannot be shown ' +
              'again: only its hash is stored); with another body, 409 IDEMPOTENCY_CONFLICT; while the first ' +
              'request still runs, 409 IDEMPOTENCY_IN_PROGRESS. Without it every request creates a key.',
            schema: { type: 'string', minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
          },
        ],
        requestBody: body(ref('ApiKeyInput')),
        responses: {
          '201': ok('Created', ref('CreatedApiKey')),
          ...invalid,
          ...unauthorized,
          ...notFound,
          '409': ok(
            'IDEMPOTENT_REPLAY (`apiKey` names the key already created, without its secret), ' +
              'IDEMPOTENCY_CONFLICT (the key was used with another body) or IDEMPOTENCY_IN_PROGRESS',
            {
              allOf: [
                ref('Error'),
                obj({ apiKey: obj({ id: { type: 'string' }, prefix: { type: 'string' } }) }, []),
              ],
            },
          ),
        },
      },
    },
    '/admin/api/workspaces/{workspaceId}/api-keys/{keyId}/limits': {
      put: {
        operationId: 'changeApiKeyLimits',
        summary: "Replace a key's allow-list, spend limit and rate limits (same limits again: no-op)",
        tags: ['workspaces'],
        parameters: [path('workspaceId'), path('keyId')],
        requestBody: body(ref('ApiKeyLimitsInput')),
        responses: {
          '200': ok('Limits now', obj({ apiKey: open })),
          ...invalid,
          ...unauthorized,
          ...notFound,
        },
      },
    },
    '/admin/api/workspaces/{workspaceId}/api-keys/{keyId}': {
      delete: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key (idempotent)',
        tags: ['workspaces'],
        parameters: [path('workspaceId'), path('keyId')],
        responses: { '204': { description: 'Revoked' }, ...unauthorized, ...notFound },
      },
    },
    '/admin/api/workspaces/{workspaceId}/rules': {
      get: {
        operationId: 'getWorkspaceRules',
        summary: "A workspace's provider policy and quotas with current use",
        tags: ['workspaces'],
        parameters: [path('workspaceId')],
        responses: { '200': ok('Rules', ref('WorkspaceRules')), ...invalid, ...unauthorized },
      },
    },
    '/admin/api/workspaces/{workspaceId}/policy': {
      put: {
        operationId: 'setWorkspacePolicy',
        summary:
          'Replace the provider policy (omitted fields: no restriction); the same policy again is a no-op',
        tags: ['workspaces'],
        parameters: [path('workspaceId')],
        requestBody: body(ref('WorkspacePolicy')),
        responses: { '200': ok('Rules now', ref('WorkspaceRules')), ...invalid, ...unauthorized },
      },
    },
    '/admin/api/workspaces/{workspaceId}/quotas': {
      put: {
        operationId: 'setWorkspaceQuotas',
        summary: 'Replace the quotas (omitted: no limit); enforced across all gateway instances',
        tags: ['workspaces'],
        parameters: [path('workspaceId')],
        requestBody: body(ref('WorkspaceQuotas')),
        responses: { '200': ok('Rules now', ref('WorkspaceRules')), ...invalid, ...unauthorized },
      },
    },
    '/admin/api/providers': {
      get: {
        operationId: 'listProviders',
        summary: 'Upstream providers (keys are never shown)',
        tags: ['catalog'],
        responses: {
          '200': ok('Providers', obj({ providers: { type: 'array', items: ref('Provider') } })),
          ...unauthorized,
        },
      },
      post: {
        operationId: 'createProvider',
        summary: 'Add an upstream provider; its key is sealed at rest',
        tags: ['catalog'],
        requestBody: body(ref('ProviderInput')),
        responses: {
          '201': ok('Created', obj({ provider: obj({ id: { type: 'string' } }) })),
          ...invalid,
          ...unauthorized,
          '409': err('Name already taken'),
        },
      },
    },
    '/admin/api/providers/{providerId}': {
      patch: {
        operationId: 'updateProvider',
        summary: "Change a provider's name, base URL or region (omitted fields stay)",
        tags: ['catalog'],
        parameters: [path('providerId')],
        requestBody: body(ref('ProviderUpdate')),
        responses: {
          '200': ok('Updated', obj({ provider: ref('Provider'), changed: { type: 'boolean' } })),
          ...invalid,
          ...unauthorized,
          ...notFound,
          '409': err('Name already taken'),
        },
      },
    },
    '/admin/api/providers/{providerId}/rotate-key': {
      post: {
        operationId: 'rotateProviderKey',
        summary: "Replace a provider's upstream key",
        tags: ['catalog'],
        parameters: [path('providerId')],
        requestBody: body(
          obj({ apiKey: { type: 'string', minLength: 1, maxLength: 4096, writeOnly: true } }),
        ),
        responses: {
          '200': ok('Rotated', obj({ provider: obj({ id: { type: 'string' } }), rotated: { const: true } })),
          ...invalid,
          ...unauthorized,
          ...notFound,
        },
      },
    },
    '/admin/api/cost-profiles': {
      post: {
        operationId: 'setCostProfile',
        summary: 'Append a cost profile version for a provider model',
        tags: ['catalog'],
        requestBody: body(ref('CostProfileInput')),
        responses: {
          '201': ok('Created', obj({ costProfile: ref('Version') })),
          ...invalid,
          ...unauthorized,
          ...notFound,
        },
      },
    },
    '/admin/api/sell-prices': {
      post: {
        operationId: 'setSellPrice',
        summary: 'Append a sell price version for an alias',
        tags: ['catalog'],
        requestBody: body(ref('SellPriceInput')),
        responses: {
          '201': ok('Created', obj({ sellPrice: ref('Version') })),
          ...invalid,
          ...unauthorized,
        },
      },
    },
    '/admin/api/aliases': {
      get: {
        operationId: 'listAliases',
        summary: 'Model aliases with their status and deployments',
        tags: ['catalog'],
        responses: {
          '200': ok('Aliases', obj({ aliases: { type: 'array', items: ref('Alias') } })),
          ...unauthorized,
        },
      },
    },
    '/admin/api/aliases/{name}': {
      get: {
        operationId: 'getAlias',
        summary: 'An alias and its lifecycle history (status changes with reviews, margin flags)',
        tags: ['catalog'],
        parameters: [path('name')],
        responses: {
          '200': ok(
            'Alias',
            obj({ alias: ref('Alias'), history: { type: 'array', items: ref('AliasHistoryEntry') } }),
          ),
          ...unauthorized,
          ...notFound,
        },
      },
      put: {
        operationId: 'upsertAlias',
        summary: 'Create (as a draft) or replace a model alias and its deployments',
        tags: ['catalog'],
        parameters: [path('name')],
        requestBody: body(ref('AliasInput')),
        responses: {
          '200': ok('Saved', obj({ alias: obj({ name: { type: 'string' }, status: ref('AliasStatus') }) })),
          ...invalid,
          ...unauthorized,
          '404': err('A deployment names an unknown provider'),
        },
      },
    },
    '/admin/api/aliases/{name}/review': {
      get: {
        operationId: 'reviewAlias',
        summary: 'Cost, price and margin per deployment now, and what blocks opening',
        tags: ['catalog'],
        parameters: [path('name')],
        responses: {
          '200': ok('Review', obj({ review: ref('MarginReview') })),
          ...unauthorized,
          ...notFound,
        },
      },
    },
    '/admin/api/aliases/{name}/status': {
      post: {
        operationId: 'changeAliasStatus',
        summary:
          'Lifecycle: draft → in_review → open → paused/retired. Opening records the review; a negative or below-threshold margin blocks it unless overrideReason is given',
        tags: ['catalog'],
        parameters: [path('name')],
        requestBody: body(ref('AliasStatusInput')),
        responses: {
          '200': ok(
            'Status now',
            obj({
              alias: obj({ name: { type: 'string' }, status: ref('AliasStatus') }),
              changed: { type: 'boolean' },
              review: nullable(ref('MarginReview')),
            }),
          ),
          ...invalid,
          ...unauthorized,
          ...notFound,
          '422': err('MARGIN_BELOW_THRESHOLD or REVIEW_STALE'),
        },
      },
    },
    '/admin/api/margin-flags': {
      get: {
        operationId: 'listMarginFlags',
        summary: 'Aliases whose margin fell below the threshold after a cost, price or routing change',
        tags: ['catalog'],
        responses: {
          '200': ok(
            'Flags, newest first',
            obj({ flags: { type: 'array', items: { ...ref('AliasHistoryEntry') } } }),
          ),
          ...unauthorized,
        },
      },
    },
    '/admin/api/payments/packages': {
      get: {
        operationId: 'listPackages',
        summary: 'Credit packages (active and inactive)',
        tags: ['payments'],
        responses: {
          '200': ok('Packages', obj({ packages: { type: 'array', items: open } })),
          ...unauthorized,
        },
      },
    },
    '/admin/api/payments/packages/{packageId}': {
      put: {
        operationId: 'savePackage',
        summary: 'Create or update a credit package',
        tags: ['payments'],
        parameters: [path('packageId', 'Lower-case slug')],
        requestBody: body(ref('CreditPackageInput')),
        responses: { '200': ok('Saved', obj({ package: open })), ...invalid, ...unauthorized },
      },
    },
    '/admin/api/payments/orders': {
      get: {
        operationId: 'listOrders',
        summary: 'Payment orders, filtered',
        tags: ['payments'],
        parameters: [
          query('status', {
            type: 'string',
            enum: [
              'created',
              'checkout_open',
              'confirmed',
              'failed',
              'expired',
              'cancelled',
              'rejected',
              'refunded',
            ],
          }),
          query('provider', { type: 'string', enum: ['stripe', 'sandbox', 'manual'] }),
          query('flagged', { type: 'string', enum: ['true', 'false'] }),
          query('workspaceId', { type: 'string' }),
          query('limit', { type: 'integer', minimum: 1, maximum: 200 }),
        ],
        responses: {
          '200': ok('Orders', obj({ orders: { type: 'array', items: ref('Order') } })),
          ...invalid,
          ...unauthorized,
        },
      },
    },
    '/admin/api/payments/orders/{orderId}': {
      get: {
        operationId: 'getOrder',
        summary: 'One order with its webhook receipts',
        tags: ['payments'],
        parameters: [orderIdParam],
        responses: {
          '200': ok('The order', obj({ order: ref('Order'), webhooks: { type: 'array', items: open } })),
          ...unauthorized,
          ...notFound,
        },
      },
    },
    '/admin/api/payments/orders/{orderId}/approve': {
      post: {
        operationId: 'approveOrder',
        summary: 'Approve a manual (bank transfer) order',
        tags: ['payments'],
        parameters: [orderIdParam],
        requestBody: body(obj({ paymentReference: { type: 'string', minLength: 1, maxLength: 200 } })),
        responses: { '200': orderResponse, ...paymentErrors },
      },
    },
    '/admin/api/payments/orders/{orderId}/reject': {
      post: {
        operationId: 'rejectOrder',
        summary: 'Reject a manual order',
        tags: ['payments'],
        parameters: [orderIdParam],
        requestBody: body(obj({ reason: { type: 'string', minLength: 1, maxLength: 500 } })),
        responses: { '200': orderResponse, ...paymentErrors },
      },
    },
    '/admin/api/payments/orders/{orderId}/refunds': {
      post: {
        operationId: 'refundOrder',
        summary: 'Refund an order (all unconsumed credits unless `credits` is given)',
        tags: ['payments'],
        parameters: [orderIdParam],
        requestBody: body(
          obj(
            {
              refundId: { type: 'string', pattern: '^[A-Za-z0-9-]{8,100}$' },
              credits,
              reason: { type: 'string', minLength: 1, maxLength: 500 },
            },
            ['reason'],
          ),
        ),
        responses: { '200': orderResponse, ...paymentErrors },
      },
    },
    '/admin/api/payments/orders/{orderId}/retry-crediting': {
      post: {
        operationId: 'retryCrediting',
        summary: 'Credit a confirmed order whose crediting was rejected (idempotent)',
        tags: ['payments'],
        parameters: [orderIdParam],
        responses: { '200': ok('Result', obj({ result: open })), ...paymentErrors },
      },
    },
    '/admin/api/payments/webhook-receipts': {
      get: {
        operationId: 'listWebhookReceipts',
        summary: 'Received payment webhooks (up to 200)',
        tags: ['payments'],
        parameters: [
          query('provider', { type: 'string', enum: ['stripe', 'sandbox'] }),
          query('orderId', { type: 'string' }),
        ],
        responses: {
          '200': ok('Receipts', obj({ receipts: { type: 'array', items: open } })),
          ...invalid,
          ...unauthorized,
        },
      },
    },
    '/admin/api/invoices': {
      get: {
        operationId: 'listInvoices',
        summary: "Every workspace's invoices and credit notes",
        tags: ['invoices'],
        parameters: [
          query('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
          query('offset', { type: 'integer', minimum: 0, maximum: 1000000, default: 0 }),
        ],
        responses: {
          '200': ok(
            'Invoices',
            obj({
              invoices: { type: 'array', items: ref('Invoice') },
              creditNotes: { type: 'array', items: ref('CreditNote') },
            }),
          ),
          ...invalid,
          ...unauthorized,
        },
      },
    },
    '/admin/api/invoices/{invoiceId}/pdf': {
      get: {
        operationId: 'downloadInvoicePdf',
        summary: 'Download an invoice PDF',
        tags: ['invoices'],
        parameters: [path('invoiceId')],
        responses: { '200': pdf, ...unauthorized, ...notFound },
      },
    },
    '/admin/api/invoices/{invoiceId}/credit-notes/{creditNoteId}/pdf': {
      get: {
        operationId: 'downloadCreditNotePdf',
        summary: 'Download a credit note PDF',
        tags: ['invoices'],
        parameters: [path('invoiceId'), path('creditNoteId')],
        responses: { '200': pdf, ...unauthorized, ...notFound },
      },
    },
  },
  components: {
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'TOLLGATE_ADMIN_TOKEN' },
    },
    schemas,
  },
};
