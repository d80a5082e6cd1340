export * from './circuit-breaker';
export * from './fallback';
export * from './router';
export * from './policy';
