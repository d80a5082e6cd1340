export * from './admission';
export * from './key-spend';
export * from './rate-limiter';
export * from './lease-admission';
export * from './calendar';
export * from './quota-slices';
export * from './in-memory-quota-store';
