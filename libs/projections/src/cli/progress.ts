// The progress helper is shared by every long command (migrate, rebuild, verify, apply).
export { createProgress, type ProgressOutput, type ProgressReporter } from '@tollgate/observability';
