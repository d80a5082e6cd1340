export * from './database';
export * from './embedded-postgres';
export * from './esm-import';
export * from './config';
export * from './runtime-database';
export * from './chromium';
export * from './pg-client';
