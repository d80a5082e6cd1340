/**
 * OpenAPI 3.1 fragments for the identity part of the customer JSON API (`/api/*`), to be merged into
 * `/api/openapi.json` with the other modules' paths. Errors use Nest's body plus a stable `code`.
 */
const ErrorBody = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', examples: ['UNAUTHENTICATED', 'NOT_FOUND', 'CSRF_TOKEN_INVALID'] },
    message: { type: 'string' },
  },
} as const;

const Role = { type: 'string', enum: ['owner', 'member', 'billing'] } as const;

export const IDENTITY_OPENAPI_COMPONENTS = {
  securitySchemes: {
    session: {
      type: 'apiKey',
      in: 'cookie',
      name: 'tg_session',
      description: 'Set by POST /login. Writes also need the x-csrf-token header (csrfToken of GET /api/me).',
    },
  },
  schemas: {
    Error: ErrorBody,
    Me: {
      type: 'object',
      required: ['user', 'workspaces', 'csrfToken'],
      properties: {
        user: {
          type: 'object',
          required: ['id', 'email', 'displayName', 'isAdmin'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            email: { type: 'string', format: 'email' },
            displayName: { type: 'string' },
            isAdmin: { type: 'boolean' },
          },
        },
        workspaces: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'name', 'role'],
            properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, role: Role },
          },
        },
        csrfToken: { type: 'string', description: 'Send as x-csrf-token on POST/PUT/PATCH/DELETE.' },
      },
    },
    Workspace: {
      type: 'object',
      required: ['id', 'name', 'createdAt', 'role', 'members'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        name: { type: 'string' },
        createdAt: { type: 'string', format: 'date-time' },
        role: { ...Role, description: "The caller's role." },
        members: {
          type: 'array',
          items: {
            type: 'object',
            required: ['userId', 'email', 'displayName', 'role'],
            properties: {
              userId: { type: 'string', format: 'uuid' },
              email: { type: 'string', format: 'email' },
              displayName: { type: 'string' },
              role: Role,
            },
          },
        },
      },
    },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export const IDENTITY_OPENAPI_PATHS = {
  '/api/me': {
    get: {
      operationId: 'getMe',
      summary: 'The signed-in user, their workspaces and the CSRF token for writes',
      security: [{ session: [] }],
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Me' } } },
        },
        '401': errorResponse('No live session'),
      },
    },
  },
  '/api/workspaces/{workspaceId}': {
    get: {
      operationId: 'getWorkspace',
      summary: 'A workspace of the signed-in user, with its members',
      security: [{ session: [] }],
      parameters: [
        { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      ],
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Workspace' } } },
        },
        '401': errorResponse('No live session'),
        '404': errorResponse('No such workspace, or the caller is not a member (the same answer)'),
      },
    },
  },
} as const;
