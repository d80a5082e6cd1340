export * from './errors';
export * from './decimal';
export * from './credits';
export * from './fiat';
export * from './pricing';
export * from './testing/seeded-random';
