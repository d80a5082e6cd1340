import { usageFromOpenAi, type TokenUsage } from '../metering/usage';

/** Splits a byte stream (already decoded) into server-sent events at blank lines. */
export class SseEventSplitter {
  private buffer = '';

  /** Complete events in `chunk` (each without its terminating blank line). */
  push(chunk: string): string[] {
    this.buffer += chunk.includes('\r') ? chunk.replace(/\r\n?/g, '\n') : chunk;
    const events: string[] = [];
    let start = 0;
    for (;;) {
      const end = this.buffer.indexOf('\n\n', start);
      if (end < 0) break;
      if (end > start) events.push(this.buffer.slice(start, end));
      start = end + 2;
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
    return events;
  }

  /** Bytes received after the last complete event. */
  get pending(): string {
    return this.buffer;
  }
}

/** The `data:` payload of one SSE event (multiple data lines joined), or null for comment-only events. */
export function eventData(event: string): string | null {
  if (event.startsWith('data:') && event.indexOf('\n') < 0)
    return event.slice(event.charCodeAt(5) === 32 ? 6 : 5);
  let data: string | null = null;
  for (const line of event.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/** Bound on the delivered payloads kept for estimating a stream's output when usage is missing. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const NULL_USAGE = '"usage":null';
const NULL_USAGE_FIELD = /,"usage":null(?=[,}])|"usage":null,/;

/**
 * Watches a chat/completions stream on its way to the client: finds the usage (cheaply: only events
 * that carry a usage object are parsed), hides the usage-only chunk from a client that did not ask for
 * it, notices `[DONE]`, and keeps the delivered payloads for a tokenizer estimate if no usage comes.
 */
export class StreamTap {
  usage: TokenUsage | null = null;
  sawDone = false;
  /** Events forwarded to the client (the usage-only chunk it did not ask for is not one). */
  deliveredEvents = 0;
  private readonly kept: string[] = [];
  private keptBytes = 0;

  constructor(private readonly clientWantsUsage: boolean) {}

  /**
   * The event as it should reach the client, or null to hide it. For a client that did not ask for
   * usage, the `"usage":null` the injected option adds to every chunk is taken out again.
   */
  accept(event: string): string | null {
    const data = eventData(event);
    if (data === null) return event;
    if (data === '[DONE]') {
      this.sawDone = true;
      this.deliveredEvents++;
      return event;
    }
    if (USAGE_OBJECT.test(data)) {
      try {
        const parsed = JSON.parse(data) as { usage?: unknown; choices?: unknown };
        const usage = usageFromOpenAi(parsed.usage);
        if (usage) this.usage = usage;
        if (!this.clientWantsUsage && Array.isArray(parsed.choices) && parsed.choices.length === 0)
          return null;
      } catch {
        // Not JSON: forward as it came; usage stays unknown.
      }
    }
    this.keep(data);
    this.deliveredEvents++;
    if (!this.clientWantsUsage && event.includes(NULL_USAGE)) return event.replace(NULL_USAGE_FIELD, '');
    return event;
  }

  /** The text content the client received (choices' deltas or texts), for an estimate. */
  deliveredText(): string {
    let text = '';
    for (const data of this.kept) {
      try {
        text += chunkText(JSON.parse(data));
      } catch {
        text += data;
      }
    }
    return text;
  }

  private keep(data: string): void {
    if (this.keptBytes > MAX_KEPT_BYTES) return;
    this.kept.push(data);
    this.keptBytes += data.length;
  }
}

/** Text of a streamed chat chunk (content, refusal, reasoning, tool call arguments) or completion chunk. */
function chunkText(chunk: unknown): string {
  const choices = (chunk as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const choice of choices as Array<Record<string, unknown>>) {
    if (typeof choice.text === 'string') text += choice.text;
    const delta = choice.delta as Record<string, unknown> | undefined;
    if (!delta) continue;
    for (const field of ['content', 'refusal', 'reasoning_content', 'reasoning'] as const)
      if (typeof delta[field] === 'string') text += delta[field] as string;
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls as Array<{ function?: { name?: unknown; arguments?: unknown } }>) {
        if (typeof call.function?.name === 'string') text += call.function.name;
        if (typeof call.function?.arguments === 'string') text += call.function.arguments;
      }
    }
  }
  return text;
}

/** Output text of a complete (non-streamed) chat or completions response, for an estimate. */
export function responseText(response: unknown): string {
  const choices = (response as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const choice of choices as Array<Record<string, unknown>>) {
    if (typeof choice.text === 'string') text += choice.text;
    const message = choice.message as Record<string, unknown> | undefined;
    if (!message) continue;
    if (typeof message.content === 'string') text += message.content;
    if (typeof message.refusal === 'string') text += message.refusal;
    if (Array.isArray(message.tool_calls)) text += JSON.stringify(message.tool_calls);
  }
  return text;
}
