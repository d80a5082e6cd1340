import type { Pool } from 'pg';
import { runMigrations, type Migration, type RunMigrationsResult } from '@tollgate/event-store';

/**
 * Identity lives in plain Postgres tables, not in the event store: users, workspaces and sessions are
 * not balance facts (DESIGN: only balance-affecting facts are events). Workspace ids double as the
 * billing account ids the ledger uses, so the two sides join without a mapping table.
 */
export const IDENTITY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, workspaces, members, sessions, login failures',
    sql: `
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        disabled_at timestamptz,
        CONSTRAINT users_email_normalized CHECK (email = lower(btrim(email)))
      );
      CREATE UNIQUE INDEX users_email_key ON users (email);

      CREATE TABLE workspaces (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
        created_at timestamptz NOT NULL
      );

      CREATE TABLE workspace_members (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'member', 'billing')),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      );
      CREATE INDEX workspace_members_user_idx ON workspace_members (user_id);

      -- Only the sha256 of the cookie token is kept: a leaked table cannot be replayed as cookies.
      CREATE TABLE user_sessions (
        token_sha256 bytea PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ip text,
        user_agent text
      );
      CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);
      CREATE INDEX user_sessions_expires_idx ON user_sessions (expires_at);

      -- Failed sign-ins per (email, ip), shared by every portal instance.
      CREATE TABLE login_failures (
        id bigserial PRIMARY KEY,
        email text NOT NULL,
        ip text NOT NULL,
        attempted_at timestamptz NOT NULL
      );
      CREATE INDEX login_failures_key_idx ON login_failures (email, ip, attempted_at);
    `,
  },
];

export const IDENTITY_MIGRATION_COMPONENT = 'identity';

/** Creates or updates the identity tables; safe to run again and from several processes. */
export function migrateIdentity(pool: Pool): Promise<RunMigrationsResult> {
  return runMigrations(pool, IDENTITY_MIGRATIONS, { component: IDENTITY_MIGRATION_COMPONENT });
}
