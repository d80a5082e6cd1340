export * from './migrations';
export * from './postgres-quota-store';
export * from './workspace-rules.service';
export * from './workspace-rules.controller';
export * from './workspace-rules.providers';
export * from './workspace-rules-admin-page.controller';
