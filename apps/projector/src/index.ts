export * from './projector';
export * from './projector.module';
