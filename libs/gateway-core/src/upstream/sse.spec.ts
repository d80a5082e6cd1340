import { SseEventSplitter, StreamTap } from './sse';

const chunk = (content: string): string =>
  `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}],"usage":null}`;
const usageChunk =
  'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}';

describe('SSE passthrough', () => {
  it('given events split across chunks and CRLFs, when pushed, then whole events come out in order', () => {
    const s = new SseEventSplitter();
    expect(s.push('data: a\r\n\r\ndata: ')).toEqual(['data: a']);
    expect(s.push('b\n\n')).toEqual(['data: b']);
    expect(s.push(': keep-alive\n\ndata: [DONE]\n')).toEqual([': keep-alive']);
    expect(s.pending).toBe('data: [DONE]\n');
  });

  it('given a client that did not ask for usage, when the usage-only chunk passes, then it is read but hidden', () => {
    const tap = new StreamTap(false);
    expect(tap.accept(chunk('Hel'))).toBe(chunk('Hel').replace(',"usage":null', ''));
    expect(tap.accept(chunk('lo'))).not.toContain('usage');
    expect(tap.accept(usageChunk)).toBeNull();
    expect(tap.accept('data: [DONE]')).toBe('data: [DONE]');
    expect(tap.usage).toEqual({
      promptTokens: 7,
      cachedTokens: 0,
      completionTokens: 2,
      reasoningTokens: 0,
      estimated: false,
    });
    expect(tap.sawDone).toBe(true);
    expect(tap.deliveredText()).toBe('Hello');
  });

  it('given a client that asked for usage, when the usage-only chunk passes, then it is forwarded', () => {
    const tap = new StreamTap(true);
    expect(tap.accept(usageChunk)).toBe(usageChunk);
    expect(tap.accept(chunk('x'))).toBe(chunk('x'));
    expect(tap.usage?.promptTokens).toBe(7);
  });

  it('given a stream without [DONE], when it ends, then the tap says so', () => {
    const tap = new StreamTap(false);
    tap.accept(chunk('x'));
    expect(tap.sawDone).toBe(false);
    expect(tap.usage).toBeNull();
  });
});
