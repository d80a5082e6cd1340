export * from './events';
export * from './corrections';
export * from './workspace-policy';
export * from './quotas';
export * from './alerts/events';
export * from './alerts/decider';
