import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { IdentityError } from './errors';
import {
  isWorkspaceRole,
  type Membership,
  type User,
  type Workspace,
  type WorkspaceMember,
  type WorkspaceRole,
} from './model';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';

type Db = Pool | PoolClient;

const EMAIL_MAX_LENGTH = 254;
const NAME_MAX_LENGTH = 120;
/** A user in more workspaces than this is an operator mistake; the nav lists them all. */
export const MAX_MEMBERSHIPS_LISTED = 200;
export const MAX_MEMBERS_LISTED = 500;

export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  // Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
  if (e.length > EMAIL_MAX_LENGTH || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e))
    throw new IdentityError('EMAIL_INVALID', 'email address is not valid');
  return e;
}

function checkName(name: string, what: string): string {
  const n = name.trim();
  if (n.length === 0 || n.length > NAME_MAX_LENGTH)
    throw new IdentityError('NAME_INVALID', `${what} must have 1 to ${NAME_MAX_LENGTH} characters`);
  return n;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  is_admin: boolean;
  created_at: Date;
}

const USER_COLUMNS = 'id, email, display_name, is_admin, created_at';

function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    isAdmin: r.is_admin,
    createdAt: r.created_at,
  };
}

export interface NewUser {
  email: string;
  password: string;
  displayName?: string;
  isAdmin?: boolean;
  now?: Date;
}

export async function createUser(db: Db, input: NewUser): Promise<User> {
  const email = normalizeEmail(input.email);
  const displayName = checkName(input.displayName ?? email.split('@')[0], 'display name');
  const passwordHash = await hashPassword(input.password);
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (id, email, display_name, password_hash, is_admin, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (email) DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [randomUUID(), email, displayName, passwordHash, input.isAdmin ?? false, input.now ?? new Date()],
  );
  if (rows.length === 0) throw new IdentityError('EMAIL_TAKEN', `a user with email ${email} exists`);
  return toUser(rows[0]);
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  let normalized: string;
  try {
    normalized = normalizeEmail(email);
  } catch {
    return null;
  }
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE email = $1 AND disabled_at IS NULL`,
    [normalized],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserById(db: Db, userId: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NULL`,
    [userId],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

/** The user when email and password match an active account; null otherwise (same time either way). */
export async function checkCredentials(db: Db, email: string, password: string): Promise<User | null> {
  let normalized: string;
  try {
    normalized = normalizeEmail(email);
  } catch {
    return burnPasswordCheck(password).then(() => null);
  }
  const { rows } = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL`,
    [normalized],
  );
  if (!rows[0]) return burnPasswordCheck(password).then(() => null);
  return (await verifyPassword(rows[0].password_hash, password)) ? toUser(rows[0]) : null;
}

export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  const res = await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
  if (res.rowCount === 0) throw new IdentityError('USER_NOT_FOUND', 'no such user');
  // A new password ends every existing session.
  await db.query('DELETE FROM user_sessions WHERE user_id = $1', [userId]);
}

export async function setAdmin(db: Db, userId: string, isAdmin: boolean): Promise<void> {
  const res = await db.query('UPDATE users SET is_admin = $2 WHERE id = $1', [userId, isAdmin]);
  if (res.rowCount === 0) throw new IdentityError('USER_NOT_FOUND', 'no such user');
}

export async function createWorkspace(
  db: Db,
  input: { name: string; now?: Date; id?: string },
): Promise<Workspace> {
  const name = checkName(input.name, 'workspace name');
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    'INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3) RETURNING id, name, created_at',
    [input.id ?? randomUUID(), name, input.now ?? new Date()],
  );
  return { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at };
}

export async function renameWorkspace(db: Db, workspaceId: string, name: string): Promise<Workspace> {
  const checked = checkName(name, 'workspace name');
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    'UPDATE workspaces SET name = $2 WHERE id = $1 RETURNING id, name, created_at',
    [workspaceId, checked],
  );
  if (!rows[0]) throw new IdentityError('WORKSPACE_NOT_FOUND', 'no such workspace');
  return { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at };
}

/** Adds the user to the workspace, or changes their role when they are already in it. */
export async function setMembership(
  db: Db,
  input: { workspaceId: string; userId: string; role: WorkspaceRole; now?: Date },
): Promise<void> {
  if (!isWorkspaceRole(input.role))
    throw new IdentityError('ROLE_INVALID', `role must be owner, member or billing`);
  await db.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
    [input.workspaceId, input.userId, input.role, input.now ?? new Date()],
  );
}

export async function listMemberships(db: Db, userId: string): Promise<Membership[]> {
  const { rows } = await db.query<{ workspace_id: string; name: string; role: string }>(
    `SELECT m.workspace_id, w.name, m.role
       FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
      WHERE m.user_id = $1
      ORDER BY w.name, w.id
      LIMIT ${MAX_MEMBERSHIPS_LISTED}`,
    [userId],
  );
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    workspaceName: r.name,
    role: r.role as WorkspaceRole,
  }));
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** The workspace and the user's role in it, or null when it does not exist or the user is not a member. */
export async function findWorkspaceForMember(
  db: Db,
  workspaceId: string,
  userId: string,
): Promise<{ workspace: Workspace; role: WorkspaceRole } | null> {
  if (!isUuid(workspaceId)) return null;
  const { rows } = await db.query<{ id: string; name: string; created_at: Date; role: string }>(
    `SELECT w.id, w.name, w.created_at, m.role
       FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
      WHERE w.id = $1 AND m.user_id = $2`,
    [workspaceId, userId],
  );
  if (!rows[0]) return null;
  const r = rows[0];
  return {
    workspace: { id: r.id, name: r.name, createdAt: r.created_at },
    role: r.role as WorkspaceRole,
  };
}

export async function listWorkspaceMembers(db: Db, workspaceId: string): Promise<WorkspaceMember[]> {
  const { rows } = await db.query<{
    user_id: string;
    email: string;
    display_name: string;
    role: string;
  }>(
    `SELECT m.user_id, u.email, u.display_name, m.role
       FROM workspace_members m JOIN users u ON u.id = m.user_id
      WHERE m.workspace_id = $1
      ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'billing' THEN 1 ELSE 2 END, u.email
      LIMIT ${MAX_MEMBERS_LISTED}`,
    [workspaceId],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    email: r.email,
    displayName: r.display_name,
    role: r.role as WorkspaceRole,
  }));
}

export async function listWorkspaces(
  db: Db,
  options: { limit: number },
): Promise<(Workspace & { memberCount: number })[]> {
  const limit = Math.min(Math.max(1, Math.trunc(options.limit)), 1000);
  const { rows } = await db.query<{ id: string; name: string; created_at: Date; members: string }>(
    `SELECT w.id, w.name, w.created_at, count(m.user_id) AS members
       FROM workspaces w LEFT JOIN workspace_members m ON m.workspace_id = w.id
      GROUP BY w.id ORDER BY w.created_at DESC, w.id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    memberCount: Number(r.members),
  }));
}
