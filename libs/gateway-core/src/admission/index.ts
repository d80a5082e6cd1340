export * from './admission';
export * from './key-spend';
export * from './rate-limiter';
export * from './lease-admission';
