import { ERROR_MAPPINGS, GatewayError, gatewayErrorFromHttpStatus, toOpenAiError } from './errors';

describe('OpenAI error objects', () => {
  it.each([
    ['invalid_api_key', 401],
    ['insufficient_quota', 402],
    ['model_not_allowed', 403],
    ['model_not_found', 404],
    ['invalid_request', 400],
    ['body_too_large', 413],
    ['rate_limited', 429],
    ['upstream_error', 502],
    ['upstream_unavailable', 503],
    ['upstream_timeout', 504],
  ] as const)('given code %s, when mapped, then the status is %i', (code, status) => {
    const { status: mapped, body } = toOpenAiError(new GatewayError(code, 'm'));
    expect(mapped).toBe(status);
    expect(body.error).toEqual({
      message: 'm',
      type: ERROR_MAPPINGS[code].type,
      param: null,
      code: ERROR_MAPPINGS[code].code,
    });
  });

  it('given an unexpected exception, when mapped, then it is a 500 that hides the internals', () => {
    const { status, body } = toOpenAiError(new Error('password=hunter2'));
    expect(status).toBe(500);
    expect(body.error.message).not.toContain('hunter2');
  });

  it('given a framework 413, when mapped, then it becomes request_too_large', () => {
    const err = gatewayErrorFromHttpStatus(413, 'Request body is too large');
    expect(err.status).toBe(413);
    expect(toOpenAiError(err).body.error.code).toBe('request_too_large');
  });
});
