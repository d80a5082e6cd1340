import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@tollgate/platform';
import { IdentityError } from './errors';
import type { User, Workspace } from './model';
import {
  createUser,
  createWorkspace,
  findUserByEmail,
  normalizeEmail,
  setAdmin,
  setMembership,
  setPassword,
} from './users';

/** Every provisioning step commits whole (the client listens for a dropped connection while held). */
const inTransaction = withTransaction;

export interface CreateAdminInput {
  email: string;
  password: string;
  displayName?: string;
  /** When the email already belongs to a user: also replace their password (ends their sessions). */
  resetPassword?: boolean;
}

/**
 * `tollgate admin create`: an operator admin. A new email makes a new user; an existing user is
 * promoted (their password is kept unless `resetPassword`). Safe to run again.
 */
export async function createAdmin(
  pool: Pool,
  input: CreateAdminInput,
): Promise<{ user: User; created: boolean }> {
  const email = normalizeEmail(input.email);
  return inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`identity-user:${email}`]);
    const existing = await findUserByEmail(tx, email);
    if (!existing) {
      const user = await createUser(tx, {
        email,
        password: input.password,
        displayName: input.displayName ?? 'Admin',
        isAdmin: true,
      });
      return { user, created: true };
    }
    await setAdmin(tx, existing.id, true);
    if (input.resetPassword) await setPassword(tx, existing.id, input.password);
    return { user: { ...existing, isAdmin: true }, created: false };
  });
}

export interface CreateWorkspaceWithOwnerInput {
  workspaceName: string;
  ownerEmail: string;
  /** Needed when the owner is a new user; ignored for an existing one. */
  ownerPassword?: string;
  ownerDisplayName?: string;
  /** Fixed id (e.g. the demo seed's); random when absent. */
  workspaceId?: string;
}

/** A new workspace whose owner is the user with that email, created first when new. */
export async function createWorkspaceWithOwner(
  pool: Pool,
  input: CreateWorkspaceWithOwnerInput,
): Promise<{ workspace: Workspace; owner: User; ownerCreated: boolean }> {
  const email = normalizeEmail(input.ownerEmail);
  return inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`identity-user:${email}`]);
    let owner = await findUserByEmail(tx, email);
    const ownerCreated = owner === null;
    if (!owner) {
      if (input.ownerPassword === undefined)
        throw new IdentityError('USER_NOT_FOUND', `no user ${email}: give a password to create one`);
      owner = await createUser(tx, {
        email,
        password: input.ownerPassword,
        displayName: input.ownerDisplayName,
      });
    }
    const workspace = await createWorkspace(tx, { name: input.workspaceName, id: input.workspaceId });
    await setMembership(tx, { workspaceId: workspace.id, userId: owner.id, role: 'owner' });
    return { workspace, owner, ownerCreated };
  });
}

/** Adds (or re-roles) an existing or new user in a workspace. */
export async function addWorkspaceMember(
  pool: Pool,
  input: {
    workspaceId: string;
    email: string;
    role: 'owner' | 'member' | 'billing';
    password?: string;
    displayName?: string;
  },
): Promise<{ user: User; userCreated: boolean }> {
  const email = normalizeEmail(input.email);
  return inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`identity-user:${email}`]);
    await lockWorkspace(tx, input.workspaceId);
    let user = await findUserByEmail(tx, email);
    const userCreated = user === null;
    if (!user) {
      if (input.password === undefined)
        throw new IdentityError('USER_NOT_FOUND', `no user ${email}: give a password to create one`);
      user = await createUser(tx, { email, password: input.password, displayName: input.displayName });
    }
    if (input.role !== 'owner') await refuseLastOwner(tx, input.workspaceId, user.id);
    await setMembership(tx, { workspaceId: input.workspaceId, userId: user.id, role: input.role });
    return { user, userCreated };
  });
}

/** Takes the user out of the workspace; the last owner cannot leave (someone must be able to manage it). */
export async function removeWorkspaceMember(
  pool: Pool,
  input: { workspaceId: string; userId: string },
): Promise<void> {
  await inTransaction(pool, async (tx) => {
    await lockWorkspace(tx, input.workspaceId);
    await refuseLastOwner(tx, input.workspaceId, input.userId);
    const res = await tx.query('DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2', [
      input.workspaceId,
      input.userId,
    ]);
    if (res.rowCount === 0) throw new IdentityError('USER_NOT_FOUND', 'that user is not a member');
  });
}

/** Serializes membership changes of one workspace, so two owners cannot both step down at once. */
async function lockWorkspace(tx: PoolClient, workspaceId: string): Promise<void> {
  const { rowCount } = await tx.query('SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE', [workspaceId]);
  if (!rowCount) throw new IdentityError('WORKSPACE_NOT_FOUND', 'no such workspace');
}

async function refuseLastOwner(tx: PoolClient, workspaceId: string, userId: string): Promise<void> {
  const { rows } = await tx.query<{ owners: number; is_owner: boolean }>(
    `SELECT count(*)::int AS owners, bool_or(user_id = $2) AS is_owner
       FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`,
    [workspaceId, userId],
  );
  if (rows[0].is_owner && rows[0].owners <= 1)
    throw new IdentityError('LAST_OWNER', 'a workspace needs at least one owner');
}
