import { quietFrameworkChatter, type FrameworkLogger } from './framework-chatter';

function recording(): FrameworkLogger & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (message: unknown, ...rest: unknown[]): void =>
      void lines.push(`${level} ${String(message)} ${rest.map(String).join(' ')}`.trim());
  return { lines, log: at('info'), error: at('error'), warn: at('warn'), debug: at('debug') };
}

describe('quiet framework chatter', () => {
  it("given info level, when Nest maps routes and loads modules, then those lines are dropped and the app's own lines pass", () => {
    const inner = recording();
    const logger = quietFrameworkChatter(inner, false);
    logger.log('Mapped {/v1/models, GET} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('applying correction corr-1', 'CorrectionJobs');
    logger.warn('slow start', 'NestApplication');
    logger.error('boom', 'stack', 'RoutesResolver');
    expect(inner.lines).toEqual([
      'info applying correction corr-1 CorrectionJobs',
      'warn slow start NestApplication',
      'error boom stack RoutesResolver',
    ]);
  });

  it('given debug level, then the chatter is kept', () => {
    const inner = recording();
    quietFrameworkChatter(inner, true).log('Mapped {/v1/models, GET} route', 'RouterExplorer');
    expect(inner.lines).toEqual(['info Mapped {/v1/models, GET} route RouterExplorer']);
  });
});
