export * from './estimate';
export * from './pricing';
export * from './usage';
