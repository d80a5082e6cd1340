/** Output cap assumed for admission when a request sets no max_tokens and its alias names none. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/**
 * A bound on prompt tokens that costs nothing to compute: a BPE token is at least one byte of the
 * UTF-8 text, and the JSON body holds the text plus more bytes of framing than the per-message token
 * overhead, so body bytes ≥ prompt tokens for text. (Images and audio are priced by the upstream per
 * item, not per byte, and are not bounded by this.)
 */
export function promptTokensUpperBound(bodyBytes: number): number {
  return Math.max(1, bodyBytes);
}

/** The output tokens a request may use at most: its own limit, else the alias default, times n. */
export function maxOutputTokens(
  body: { max_tokens?: number | null; max_completion_tokens?: number | null; n?: number | null },
  aliasDefault: number | null,
): number {
  const own = body.max_completion_tokens ?? body.max_tokens ?? null;
  const perChoice = own ?? aliasDefault ?? DEFAULT_MAX_OUTPUT_TOKENS;
  return perChoice * (body.n ?? 1);
}
