import { GatewayError } from './errors';
import { parseRequest } from './schemas';

function errorOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('OpenAI request schemas', () => {
  it('given a chat request with tools, n and response_format, when parsed, then the same object comes back untouched', () => {
    const body = {
      model: 'gpt-fast',
      messages: [{ role: 'user', content: 'hi', name: 'x' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      n: 2,
      response_format: { type: 'json_object' },
      seed: 7,
      logit_bias: { '50256': -100 },
    };
    const parsed = parseRequest('chat', body);
    expect(parsed).toBe(body);
    expect(parsed).toEqual({ ...body });
  });

  it('given a message with a bad role, when parsed, then a 400 names the field path', () => {
    const err = errorOf(() =>
      parseRequest('chat', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }),
    );
    expect(err.status).toBe(400);
    expect(err.param).toBe('messages.0.role');
    expect(err.message).toContain('messages.0.role');
  });

  it('given a chat request without messages, when parsed, then the error says the parameter is missing', () => {
    const err = errorOf(() => parseRequest('chat', { model: 'm' }));
    expect(err.param).toBe('messages');
    expect(err.message).toBe("Missing required parameter: 'messages'.");
  });

  it('given a negative max_tokens, when parsed, then max_tokens is named', () => {
    const err = errorOf(() =>
      parseRequest('chat', { model: 'm', messages: [{ role: 'user' }], max_tokens: -1 }),
    );
    expect(err.param).toBe('max_tokens');
  });

  it('given a non-object body, when parsed, then it is a 400 without a param', () => {
    const err = errorOf(() => parseRequest('embeddings', [1, 2]));
    expect(err.status).toBe(400);
    expect(err.param).toBeNull();
  });

  it('given embeddings input as token arrays and completions prompt as strings, when parsed, then both pass', () => {
    expect(() => parseRequest('embeddings', { model: 'e', input: [[1, 2], [3]] })).not.toThrow();
    expect(() => parseRequest('completions', { model: 'c', prompt: ['a', 'b'] })).not.toThrow();
    expect(errorOf(() => parseRequest('completions', { model: 'c', prompt: 5 })).param).toBe('prompt');
  });
});
