export * from './decider';
export * from './event-store';
