export * from './events';
export * from './corrections/history';
export * from './workspace-policy';
export * from './quotas';
export * from './alerts/events';
export * from './alerts/decider';
