/**
 * Token usage of one request in OpenAI's convention: cached tokens are INSIDE promptTokens, reasoning
 * tokens INSIDE completionTokens. Kept that way end to end so nothing is ever charged twice.
 */
export interface TokenUsage {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** Counted by our tokenizer because the upstream reported none. */
  estimated: boolean;
}

export const ZERO_USAGE: Readonly<TokenUsage> = Object.freeze({
  promptTokens: 0,
  cachedTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
  estimated: false,
});

/** Counts above this are treated as garbage from the upstream (one request, not a lifetime). */
const MAX_TOKENS = 100_000_000;

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_TOKENS
    ? value
    : null;
}

/**
 * Reads an upstream `usage` object (chat, completions or embeddings). Returns null when absent or
 * malformed, so the caller estimates instead. Cached/reasoning counts larger than their totals (a
 * provider bug) are clamped to the totals: never a negative uncached part.
 */
export function usageFromOpenAi(usage: unknown): TokenUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as Record<string, unknown>;
  const promptTokens = count(u.prompt_tokens);
  if (promptTokens === null) return null;
  const completionTokens = count(u.completion_tokens) ?? 0;
  const promptDetails = u.prompt_tokens_details as Record<string, unknown> | null | undefined;
  const completionDetails = u.completion_tokens_details as Record<string, unknown> | null | undefined;
  const cached = count(promptDetails?.cached_tokens) ?? 0;
  const reasoning = count(completionDetails?.reasoning_tokens) ?? 0;
  return {
    promptTokens,
    cachedTokens: Math.min(cached, promptTokens),
    completionTokens,
    reasoningTokens: Math.min(reasoning, completionTokens),
    estimated: false,
  };
}
