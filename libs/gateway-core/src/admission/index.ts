export * from './admission';
export * from './key-spend';
export * from './lease-admission';
export * from './calendar';
export * from './quota-slices';
export * from './in-memory-quota-store';
export * from './workspace-rules';
export * from './workspace-governor';
