import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture(): { out: Writable & { text: string } } {
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.text += chunk.toString();
        done();
      },
    }),
    { text: '' },
  );
  return { out };
}

describe('createLogger', () => {
  it('given objects carrying keys, cookies, passwords or prompts, then they never reach the output', () => {
    const { out } = capture();
    const log = createLogger({ level: 'info', service: 'test', destination: out });
    log.info(
      {
        req: {
          headers: { authorization: 'Bearer tg_live_secret_key', cookie: 'tg_session=abc123' },
          body: { x: 1 },
        },
        provider: { apiKey: 'sk-upstream-secret', name: 'openai' },
        user: { password: 'hunter2' },
        request: { messages: [{ role: 'user', content: 'my private prompt' }], prompt: 'another prompt' },
        input: 'embed this private text',
      },
      'something happened',
    );
    for (const secret of [
      'tg_live_secret_key',
      'abc123',
      'sk-upstream-secret',
      'hunter2',
      'my private prompt',
      'another prompt',
      'embed this private text',
    ])
      expect(out.text).not.toContain(secret);
    const line = JSON.parse(out.text) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      service: 'test',
      msg: 'something happened',
      provider: { name: 'openai', apiKey: '[redacted]' },
    });
    expect(typeof line.time).toBe('string');
  });

  it('given level warn, then info lines are dropped', () => {
    const { out } = capture();
    const log = createLogger({ level: 'warn', service: 'test', destination: out });
    log.info('quiet');
    log.warn('loud');
    expect(out.text).not.toContain('quiet');
    expect(out.text).toContain('loud');
  });
});
