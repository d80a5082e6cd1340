export * from './rating';
export * from './queries';
export * from './preview';
export * from './corrections';
