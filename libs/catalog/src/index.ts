export * from './events';
export * from './corrections/history';
