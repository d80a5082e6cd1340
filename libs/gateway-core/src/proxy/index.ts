export * from './gateway-proxy';
export * from './observer';
