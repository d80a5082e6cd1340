/**
 * Token counting for when an upstream reports no usage (the row is then marked estimated). Uses
 * gpt-tokenizer's o200k_base encoding, which ships its ranks inside the package: nothing is downloaded.
 * Loading it takes ~0.3 s, so it is loaded lazily (or warmed at start-up), never per request.
 */
interface Encoding {
  countTokens(text: string): number;
}

let encoding: Encoding | null = null;

function load(): Encoding {
  if (!encoding) {
    // The package's `exports` map sends this to its CommonJS build.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    encoding = require('gpt-tokenizer/encoding/o200k_base') as Encoding;
  }
  return encoding;
}

/** Loads the encoding now (start-up), so the first estimate does not stall the event loop. */
export function warmTokenizer(): void {
  load();
}

/** Longer texts are counted from a prefix and scaled: bounded CPU per request. */
const MAX_COUNTED_CHARS = 200_000;

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= MAX_COUNTED_CHARS) return load().countTokens(text);
  const sample = load().countTokens(text.slice(0, MAX_COUNTED_CHARS));
  return Math.ceil((sample * text.length) / MAX_COUNTED_CHARS);
}

/** Per-message framing tokens of the chat format (OpenAI's published counting recipe). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as unknown[]) {
    if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string')
      text += (part as { text: string }).text;
  }
  return text;
}

/** Prompt tokens of a chat request (messages, plus tool definitions as JSON). */
export function countChatPromptTokens(body: { messages: readonly unknown[]; tools?: unknown }): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of body.messages) {
    const m = message as Record<string, unknown>;
    total +=
      TOKENS_PER_MESSAGE + countTextTokens(String(m.role ?? '')) + countTextTokens(contentText(m.content));
    if (typeof m.name === 'string') total += TOKENS_PER_NAME + countTextTokens(m.name);
    if (m.tool_calls) total += countTextTokens(JSON.stringify(m.tool_calls));
  }
  if (body.tools) total += countTextTokens(JSON.stringify(body.tools));
  return total;
}

/** Tokens of a completions `prompt` or an embeddings `input` (strings, or token id arrays as given). */
export function countPromptInputTokens(input: unknown): number {
  if (typeof input === 'string') return countTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input as unknown[]) {
    if (typeof item === 'string') total += countTextTokens(item);
    else if (typeof item === 'number') total += 1;
    else if (Array.isArray(item)) total += item.length;
  }
  return total;
}
