export * from './history';
export * from './commands';
export * from './decider';
