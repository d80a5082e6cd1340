import { IDENTITY_OPENAPI_COMPONENTS, IDENTITY_OPENAPI_PATHS } from './openapi';

/**
 * The customer workspace JSON API (`/api/*`) as one OpenAPI 3.1 document, served at `/api/openapi.json`:
 * identity (this folder's openapi.ts), payments (CustomerPaymentsController) and invoices
 * (CustomerInvoicesController). Written by hand; the e2e spec checks that it lists every `/api` route,
 * that every documented read answers, and that the answers match the documented schemas.
 */

type Schema = { readonly [key: string]: unknown };

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (description: string, schema: Schema) => ({ description, content: json(schema) });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  required,
  properties,
});
const str: Schema = { type: 'string' };
const nullableStr: Schema = { type: ['string', 'null'] };
const minorUnits: Schema = {
  type: 'string',
  pattern: '^[0-9]+$',
  description: 'Integer minor units (cents)',
};
const nanocredits: Schema = {
  type: 'string',
  pattern: '^-?[0-9]+$',
  description: 'Integer nanocredits (1 credit = 10^9)',
};
const workspaceIdParam = {
  name: 'workspaceId',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
} as const;
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: str }) as const;
const queryParam = (name: string, schema: Schema, description?: string) =>
  ({ name, in: 'query', required: false, schema, ...(description ? { description } : {}) }) as const;

/** Errors of the payments and invoices endpoints: `{ error: { code, message } }`. */
const errorResponse = (description: string) => ({ description, content: json(ref('ApiError')) });
const sessionErrors = {
  '401': { description: 'No live session', content: json(ref('Error')) },
  '404': {
    description: 'No such workspace, or the caller is not a member (the same answer)',
    content: json(ref('Error')),
  },
};
const writeErrors = {
  ...sessionErrors,
  '400': errorResponse('Invalid input; nothing changed'),
  '403': {
    description: 'Missing CSRF token, or a role without this right (owner or billing)',
    content: json(ref('Error')),
  },
};

const BillingProfile = obj(
  {
    legalName: str,
    addressLines: { type: 'array', items: str, minItems: 1, maxItems: 4 },
    postalCode: str,
    city: str,
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    region: str,
    vatId: str,
    invoiceEmail: { type: 'string', format: 'email' },
  },
  ['legalName', 'addressLines', 'postalCode', 'city', 'country', 'invoiceEmail'],
);

const TaxSnapshot = obj(
  {
    treatment: { enum: ['standard', 'reverse_charge', 'outside_scope'] },
    taxMode: { enum: ['exclusive', 'inclusive'] },
    currency: str,
    ratePercent: str,
    netMinor: minorUnits,
    taxMinor: minorUnits,
    grossMinor: minorUnits,
  },
  ['treatment', 'taxMode', 'currency', 'ratePercent', 'netMinor', 'taxMinor', 'grossMinor'],
);

const CreditPackage = obj(
  {
    packageId: str,
    name: str,
    description: str,
    tier: { enum: ['individual', 'team', 'scale', 'enterprise', 'custom'] },
    priceMinor: minorUnits,
    currency: str,
    creditsNanocredits: nanocredits,
    bonusNanocredits: nanocredits,
    taxMode: { enum: ['exclusive', 'inclusive'] },
    settlement: {
      enum: ['checkout', 'manual'],
      description: 'manual: settled by bank transfer, approved by an operator',
    },
    active: { type: 'boolean' },
    sortOrder: { type: 'integer' },
  },
  [
    'packageId',
    'name',
    'tier',
    'priceMinor',
    'currency',
    'creditsNanocredits',
    'taxMode',
    'settlement',
    'active',
  ],
);

const OrderStatus = {
  enum: ['created', 'checkout_open', 'confirmed', 'failed', 'expired', 'cancelled', 'rejected', 'refunded'],
};

const Order = obj(
  {
    orderId: str,
    workspaceId: str,
    accountId: str,
    status: OrderStatus,
    provider: { enum: ['stripe', 'sandbox', 'manual'] },
    package: obj({ packageId: str, name: str, tier: str, settlement: str, taxMode: str }),
    creditsNanocredits: nanocredits,
    quote: obj({ tax: TaxSnapshot, refundPolicy: { type: 'object' }, refundPolicyText: str }),
    billingProfile: BillingProfile,
    billingProfileRevision: { type: 'integer' },
    checkout: { oneOf: [{ type: 'null' }, obj({ sessionId: str, url: str })] },
    payment: { type: ['object', 'null'] },
    manualPaymentReference: nullableStr,
    flaggedForReview: { type: 'boolean' },
    reviewReasons: { type: 'array', items: str },
    refunds: {
      type: 'array',
      items: obj({
        refundId: str,
        status: { enum: ['requested', 'completed', 'failed'] },
        amountMinor: minorUnits,
        creditsNanocredits: nanocredits,
        providerRefundId: nullableStr,
        reason: str,
      }),
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  [
    'orderId',
    'workspaceId',
    'status',
    'provider',
    'package',
    'creditsNanocredits',
    'quote',
    'refunds',
    'createdAt',
  ],
);

const OrderListItem = obj({
  orderId: str,
  workspaceId: str,
  packageId: str,
  packageName: str,
  provider: str,
  status: OrderStatus,
  currency: str,
  netMinor: minorUnits,
  taxMinor: minorUnits,
  grossMinor: minorUnits,
  creditsNanocredits: nanocredits,
  refundedMinor: minorUnits,
  flaggedForReview: { type: 'boolean' },
  createdAt: { type: 'string', format: 'date-time' },
});

const Quote = obj(
  {
    package: CreditPackage,
    creditsNanocredits: nanocredits,
    billingProfile: BillingProfile,
    billingProfileRevision: { type: 'integer' },
    tax: TaxSnapshot,
    refundPolicy: { type: 'object' },
    refundPolicyText: str,
  },
  ['package', 'creditsNanocredits', 'tax', 'refundPolicyText'],
);

const Invoice = obj({
  invoiceId: str,
  workspaceId: str,
  accountId: str,
  orderId: str,
  status: { enum: ['draft', 'finalized', 'voided'] },
  number: nullableStr,
  issueDate: nullableStr,
  currency: str,
  netMinor: minorUnits,
  taxMinor: minorUnits,
  grossMinor: minorUnits,
  creditedMinor: minorUnits,
  reverseCharge: { type: 'boolean' },
  buyerName: str,
});

const CreditNote = obj({
  creditNoteId: str,
  invoiceId: str,
  workspaceId: str,
  number: str,
  invoiceNumber: str,
  issueDate: str,
  currency: str,
  netMinor: minorUnits,
  taxMinor: minorUnits,
  grossMinor: minorUnits,
  reason: nullableStr,
});

const security = [{ session: [] }];
/** Invoice routes answer a missing document with the API error body, a foreign workspace with the guard's. */
const invoiceErrors = {
  ...sessionErrors,
  '404': {
    description: 'No such document in this workspace, or not a member',
    content: json({ anyOf: [ref('Error'), ref('ApiError')] }),
  },
};
const pdf = {
  description: 'The PDF',
  content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
};

const PAYMENTS_PATHS = {
  '/api/workspaces/{workspaceId}/packages': {
    get: {
      operationId: 'listPackages',
      summary: 'Credit packages on sale',
      security,
      parameters: [workspaceIdParam],
      responses: {
        '200': ok('OK', obj({ packages: { type: 'array', items: ref('CreditPackage') } })),
        ...sessionErrors,
      },
    },
  },
  '/api/workspaces/{workspaceId}/billing-profile': {
    get: {
      operationId: 'getBillingProfile',
      summary: 'The billing profile invoices are issued to (null before the first save)',
      security,
      parameters: [workspaceIdParam],
      responses: {
        '200': ok(
          'OK',
          obj({
            billingProfile: { oneOf: [{ type: 'null' }, ref('BillingProfile')] },
            revision: { type: 'integer' },
          }),
        ),
        ...sessionErrors,
      },
    },
    put: {
      operationId: 'saveBillingProfile',
      summary: 'Saves a new revision of the billing profile (owner or billing role)',
      security,
      parameters: [workspaceIdParam],
      requestBody: { required: true, content: json(ref('BillingProfile')) },
      responses: {
        '200': ok('Saved', obj({ billingProfile: ref('BillingProfile'), revision: { type: 'integer' } })),
        ...writeErrors,
      },
    },
  },
  '/api/workspaces/{workspaceId}/payments/quote': {
    get: {
      operationId: 'quotePackage',
      summary: 'Net, tax, gross and refund policy exactly as an order created now would freeze them',
      security,
      parameters: [workspaceIdParam, { ...queryParam('packageId', str), required: true }],
      responses: {
        '200': ok('OK', obj({ quote: ref('Quote') })),
        '400': errorResponse('Unknown package or no billing profile'),
        ...sessionErrors,
      },
    },
  },
  '/api/workspaces/{workspaceId}/payments/orders': {
    get: {
      operationId: 'listOrders',
      summary: "The workspace's orders, newest first",
      security,
      parameters: [workspaceIdParam, queryParam('limit', { type: 'integer', minimum: 1, maximum: 200 })],
      responses: {
        '200': ok('OK', obj({ orders: { type: 'array', items: ref('OrderListItem') } })),
        ...sessionErrors,
      },
    },
    post: {
      operationId: 'createOrder',
      summary: 'Creates an order for a package (idempotent per Idempotency-Key; owner or billing role)',
      security,
      parameters: [
        workspaceIdParam,
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          schema: { type: 'string', minLength: 8, maxLength: 200 },
        },
      ],
      requestBody: { required: true, content: json(obj({ packageId: str })) },
      responses: {
        '201': ok('Created (or the same order again)', obj({ order: ref('Order') })),
        ...writeErrors,
      },
    },
  },
  '/api/workspaces/{workspaceId}/payments/orders/{orderId}': {
    get: {
      operationId: 'getOrder',
      summary: 'One order of the workspace (other workspaces’ orders answer 404)',
      security,
      parameters: [workspaceIdParam, pathParam('orderId')],
      responses: { '200': ok('OK', obj({ order: ref('Order') })), ...sessionErrors },
    },
  },
  '/api/workspaces/{workspaceId}/payments/orders/{orderId}/checkout': {
    post: {
      operationId: 'openCheckout',
      summary: "Opens (or returns) the provider's hosted checkout page for an order",
      security,
      parameters: [workspaceIdParam, pathParam('orderId')],
      responses: {
        '200': ok('OK', obj({ checkout: obj({ sessionId: str, url: str }) })),
        '409': errorResponse('The order is not open, or is settled manually'),
        ...writeErrors,
      },
    },
  },
  '/api/workspaces/{workspaceId}/payments/orders/{orderId}/cancel': {
    post: {
      operationId: 'cancelOrder',
      summary: 'Cancels an order that has not been paid',
      security,
      parameters: [workspaceIdParam, pathParam('orderId')],
      responses: {
        '200': ok('Cancelled', obj({ order: ref('Order') })),
        '409': errorResponse('Already paid or closed'),
        ...writeErrors,
      },
    },
  },
} as const;

const INVOICE_PATHS = {
  '/api/workspaces/{workspaceId}/invoices': {
    get: {
      operationId: 'listInvoices',
      summary: "The workspace's invoices and credit notes",
      security,
      parameters: [
        workspaceIdParam,
        queryParam('limit', { type: 'integer', minimum: 1, maximum: 200 }),
        queryParam('offset', { type: 'integer', minimum: 0 }),
      ],
      responses: {
        '200': ok(
          'OK',
          obj({
            invoices: { type: 'array', items: ref('Invoice') },
            creditNotes: { type: 'array', items: ref('CreditNote') },
          }),
        ),
        '400': errorResponse('Invalid paging'),
        ...sessionErrors,
      },
    },
  },
  '/api/workspaces/{workspaceId}/invoices/{invoiceId}/pdf': {
    get: {
      operationId: 'downloadInvoicePdf',
      summary: 'An invoice as PDF',
      security,
      parameters: [workspaceIdParam, pathParam('invoiceId')],
      responses: { '200': pdf, ...invoiceErrors },
    },
  },
  '/api/workspaces/{workspaceId}/invoices/{invoiceId}/credit-notes/{creditNoteId}/pdf': {
    get: {
      operationId: 'downloadCreditNotePdf',
      summary: 'A credit note of an invoice as PDF',
      security,
      parameters: [workspaceIdParam, pathParam('invoiceId'), pathParam('creditNoteId')],
      responses: { '200': pdf, ...invoiceErrors },
    },
  },
} as const;

const DOCS_PATH = {
  '/api/openapi.json': {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document (no session needed: it is documentation, no data)',
      security: [],
      responses: { '200': ok('OK', { type: 'object' }) },
    },
  },
} as const;

export const CUSTOMER_API_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Tollgate customer workspace API',
    version: '1',
    description:
      'JSON API behind the customer portal. Sign in with POST /login (form) to get the session cookie; ' +
      'writes also need the x-csrf-token header (csrfToken of GET /api/me). Every read is scoped to the ' +
      "signed-in user's workspaces: another workspace's ids answer 404. Money is exact: credits as integer " +
      'nanocredit strings, fiat as integer minor-unit strings.',
  },
  servers: [{ url: '/' }],
  security,
  paths: { ...IDENTITY_OPENAPI_PATHS, ...PAYMENTS_PATHS, ...INVOICE_PATHS, ...DOCS_PATH },
  components: {
    securitySchemes: IDENTITY_OPENAPI_COMPONENTS.securitySchemes,
    schemas: {
      ...IDENTITY_OPENAPI_COMPONENTS.schemas,
      ApiError: obj({
        error: obj({ code: str, message: str, details: { type: 'object' } }, ['code', 'message']),
      }),
      BillingProfile,
      TaxSnapshot,
      CreditPackage,
      Quote,
      Order,
      OrderListItem,
      Invoice,
      CreditNote,
    },
  },
} as const;
