export * from './admission';
export * from './catalog';
export * from './metering';
export * from './openai';
export * from './proxy';
export * from './routing';
export * from './upstream';
