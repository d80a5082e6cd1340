import { z } from 'zod';
import { GatewayError } from './errors';

/**
 * Request schemas for the /v1 endpoints. They check what the gateway itself relies on (model, messages,
 * stream, token limits) and let every other field (tools, n, response_format, seed, ...) through
 * untouched to the upstream: objects are loose, never stripped.
 */

const MAX_MESSAGES = 10_000;
const MAX_N = 128;

const tokenLimit = z.number().int().positive().nullable().optional();

const streamOptions = z
  .looseObject({ include_usage: z.boolean().nullable().optional() })
  .nullable()
  .optional();

const chatMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
});

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessage).min(1).max(MAX_MESSAGES),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptions,
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
  n: z.number().int().min(1).max(MAX_N).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

const tokenArray = z.array(z.number().int().nonnegative());
const promptOrInput = z.union([z.string(), z.array(z.string()), tokenArray, z.array(tokenArray)]);

export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: promptOrInput,
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptions,
  max_tokens: tokenLimit,
  n: z.number().int().min(1).max(MAX_N).nullable().optional(),
  best_of: z.number().int().min(1).max(MAX_N).nullable().optional(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: promptOrInput,
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

export type Endpoint = 'chat' | 'completions' | 'embeddings';

export type RequestFor<E extends Endpoint> = E extends 'chat'
  ? ChatCompletionRequest
  : E extends 'completions'
    ? CompletionRequest
    : EmbeddingRequest;

const SCHEMAS = {
  chat: chatCompletionRequestSchema,
  completions: completionRequestSchema,
  embeddings: embeddingRequestSchema,
} as const;

/**
 * Validates a parsed JSON body. Returns the body itself (not a copy: unknown fields must reach the
 * upstream byte for byte) or throws a 400 naming the first offending field, e.g. `messages.0.role`.
 */
export function parseRequest<E extends Endpoint>(endpoint: E, body: unknown): RequestFor<E> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  const result = SCHEMAS[endpoint].safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.length ? issue.path.map(String).join('.') : null;
    const what = param ?? 'body';
    const message =
      issue.code === 'invalid_type' && issue.input === undefined
        ? `Missing required parameter: '${what}'.`
        : `Invalid value for '${what}': ${issue.message}`;
    throw new GatewayError('invalid_request', message, param);
  }
  return body as RequestFor<E>;
}
