export * from './metrics/metrics';
export * from './logging/logger';
export * from './tracing/tracing';
export * from './gateway/gateway-telemetry';
export * from './http/readiness';
export * from './http/ops-routes';
export * from './progress/progress';
export * from './process-telemetry';
