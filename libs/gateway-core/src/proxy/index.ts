export * from './gateway-proxy';
