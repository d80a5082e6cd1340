export * from './sse';
export * from './tokenizer';
export * from './upstream-client';
