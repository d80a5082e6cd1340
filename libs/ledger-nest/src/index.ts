export * from './tokens';
export * from './error-codes';
export * from './commands';
export * from './run-ledger-command';
export * from './stream-command-runner';
export * from './handlers/account.handlers';
export * from './handlers/lease.handlers';
export * from './ledger.module';
