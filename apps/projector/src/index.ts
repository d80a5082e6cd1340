export * from './projector';
export * from './projector.module';
export * from './projector-metrics';
