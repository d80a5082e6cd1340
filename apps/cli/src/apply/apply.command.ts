import { readFileSync, statSync } from 'node:fs';
import { ProjectionRunner } from '@tollgate/projections';
import { catalogProjection } from '../../../gateway/src/catalog/catalog.projection';
import { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { SecretBox } from '../../../gateway/src/secrets/secret-box';
import type { CliRuntime } from '../runtime';
import { applyCatalog } from './apply';
import { CatalogFileError } from './catalog-file';

const MAX_FILE_BYTES = 1024 * 1024;

export interface ApplyCommandOptions {
  file: string;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * `tollgate apply -f FILE`: the catalog file applied through GatewayAdmin. This process projects the
 * catalog while it runs (leader-locked: a running server's projector may do it instead), so each step
 * sees the previous one. Returns the exit code: 0 applied or up to date, 1 invalid file or rejected.
 */
export async function applyCommand(
  rt: CliRuntime,
  options: ApplyCommandOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const say = (line: string): void => void out.write(`${line}\n`);
  let source: string;
  try {
    if (statSync(options.file).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    source = readFileSync(options.file, 'utf8');
  } catch (e) {
    err.write(`tollgate apply: cannot read ${options.file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const runner = new ProjectionRunner({
    pool: rt.pool,
    store: rt.store,
    projections: [catalogProjection],
    lockRetryMs: 250,
    log: (level, message) => {
      if (level !== 'info') err.write(`[catalog projection] ${level}: ${message}\n`);
    },
  });
  await runner.start();
  try {
    const admin = new GatewayAdmin(rt.pool, new SecretBox(rt.config.masterKey), { store: rt.store });
    await applyCatalog(admin, source, { dryRun: options.dryRun, env: options.env, say });
    return 0;
  } catch (e) {
    if (e instanceof CatalogFileError) {
      err.write(`tollgate apply: ${options.file} is invalid; nothing was applied:\n`);
      for (const i of e.issues) err.write(`  ${i.path ? `${i.path}: ` : ''}${i.message}\n`);
      return 1;
    }
    const code = (e as { code?: string }).code;
    err.write(`tollgate apply: ${e instanceof Error ? e.message : String(e)}${code ? ` (${code})` : ''}\n`);
    return 1;
  } finally {
    await runner.stop();
  }
}
