export * from './openai';
export * from './routing';
export * from './metering';
