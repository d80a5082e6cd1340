/**
 * Every error the gateway answers with on /v1, as a stable code. ONE table maps a code to its HTTP
 * status and OpenAI error `type`/`code`, so clients written for OpenAI react the same way.
 */
export type GatewayErrorCode =
  | 'invalid_api_key'
  | 'insufficient_quota'
  | 'model_not_allowed'
  | 'model_not_allowed_by_policy'
  | 'model_not_found'
  | 'route_not_found'
  | 'invalid_request'
  | 'invalid_json'
  | 'body_too_large'
  | 'rate_limited'
  | 'spend_limit_reached'
  | 'upstream_client_error'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'internal_error';

interface ErrorMapping {
  status: number;
  type: string;
  code: string;
}

export const ERROR_MAPPINGS: Readonly<Record<GatewayErrorCode, ErrorMapping>> = Object.freeze({
  invalid_api_key: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  insufficient_quota: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota' },
  model_not_allowed: { status: 403, type: 'permission_error', code: 'model_not_allowed' },
  // The workspace's provider policy leaves no deployment of the model (#10).
  model_not_allowed_by_policy: { status: 403, type: 'permission_error', code: 'model_not_allowed_by_policy' },
  model_not_found: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  route_not_found: { status: 404, type: 'invalid_request_error', code: 'unknown_url' },
  invalid_request: { status: 400, type: 'invalid_request_error', code: 'invalid_request' },
  invalid_json: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  body_too_large: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  rate_limited: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  spend_limit_reached: { status: 402, type: 'insufficient_quota', code: 'spend_limit_reached' },
  // The upstream refused the request itself (its 400/422): the client's request is at fault.
  upstream_client_error: { status: 400, type: 'invalid_request_error', code: 'upstream_rejected' },
  upstream_error: { status: 502, type: 'api_error', code: 'upstream_error' },
  upstream_unavailable: { status: 503, type: 'api_error', code: 'upstream_unavailable' },
  upstream_timeout: { status: 504, type: 'api_error', code: 'upstream_timeout' },
  internal_error: { status: 500, type: 'api_error', code: 'internal_error' },
});

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly param: string | null = null,
    /** Overrides the mapped status (only for passing an upstream's 4xx status through). */
    readonly statusOverride?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  get status(): number {
    return this.statusOverride ?? ERROR_MAPPINGS[this.code].status;
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiErrorBody(
  code: GatewayErrorCode,
  message: string,
  param: string | null = null,
): OpenAiErrorBody {
  const m = ERROR_MAPPINGS[code];
  return { error: { message, type: m.type, param, code: m.code } };
}

/** Any thrown value → status + OpenAI error body. Unknown errors become a 500 without internals. */
export function toOpenAiError(err: unknown): { status: number; body: OpenAiErrorBody } {
  if (isGatewayError(err))
    return { status: err.status, body: openAiErrorBody(err.code, err.message, err.param) };
  return {
    status: 500,
    body: openAiErrorBody('internal_error', 'The gateway failed to handle the request.'),
  };
}

/** Maps an HTTP framework error (body parser, routing) to a gateway error code by its status. */
export function gatewayErrorFromHttpStatus(status: number, message: string): GatewayError {
  switch (status) {
    case 413:
      return new GatewayError('body_too_large', 'The request body is too large.');
    case 404:
      return new GatewayError('route_not_found', message);
    case 415:
      return new GatewayError('invalid_request', 'Content-Type must be application/json.');
    case 400:
      return new GatewayError('invalid_json', `We could not parse the JSON body of your request. ${message}`);
    default:
      return status >= 400 && status < 500
        ? new GatewayError('invalid_request', message, null, status)
        : new GatewayError('internal_error', 'The gateway failed to handle the request.');
  }
}
