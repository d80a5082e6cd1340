export * from './rating';
export * from './queries';
export * from './preview';
export * from './corrections';
export * from './catch-up';
