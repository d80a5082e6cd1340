export * from './catalog';
export * from './catalog-cache';
