export * from './errors';
export * from './streams';
export * from './events/schema';
export * from './accounts/events';
export * from './usage/events';
