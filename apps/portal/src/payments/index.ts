export { PaymentsModule, PaymentsLifecycle } from './payments.module';
export { PaymentsHttpException } from './payment-errors';
export * from './payments.tokens';
