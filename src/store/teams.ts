// Teams: a name for a set of services and repositories, to read the metrics per team.
import { AppError, InputError, NotFoundError } from '../core/errors.js';
import type { Queryable } from './db.js';

export interface Team {
  id: string;
  name: string;
  services: string[];
  repositories: string[];
  created_at: Date;
  updated_at: Date;
}

export interface TeamChange {
  name?: string;
  services?: string[];
  repositories?: string[];
}

const COLUMNS = 'id::text AS id, name, services, repositories, created_at, updated_at';
const UNIQUE_VIOLATION = '23505';

const taken = (name: string) =>
  new AppError('team_exists', `A team called "${name}" exists already.`, { status: 409, field: 'name' });

const unique = (xs: string[] | undefined) => (xs === undefined ? undefined : [...new Set(xs.map((x) => x.trim()))]);

export async function listTeams(db: Queryable, tenantId: string): Promise<Team[]> {
  return db.query<Team>(`SELECT ${COLUMNS} FROM teams WHERE tenant_id = $1 ORDER BY name, id`, [tenantId]);
}

export async function createTeam(db: Queryable, tenantId: string, t: Required<Pick<TeamChange, 'name'>> & TeamChange) {
  const name = t.name.trim();
  if (name === '') throw new InputError('invalid_name', 'name must not be blank.', { field: 'name' });
  try {
    const [row] = await db.query<Team>(
      `INSERT INTO teams (tenant_id, name, services, repositories) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [tenantId, name, unique(t.services) ?? [], unique(t.repositories) ?? []],
    );
    return row!;
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw taken(name);
    throw err;
  }
}

const isId = (id: string) => /^\d{1,18}$/.test(id);

export async function updateTeam(db: Queryable, tenantId: string, id: string, t: TeamChange): Promise<Team> {
  if (!isId(id)) throw new NotFoundError(`No team ${id}.`);
  const name = t.name?.trim();
  if (name === '') throw new InputError('invalid_name', 'name must not be blank.', { field: 'name' });
  try {
    const [row] = await db.query<Team>(
      `UPDATE teams SET name = COALESCE($3, name), services = COALESCE($4, services),
         repositories = COALESCE($5, repositories), updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, name ?? null, unique(t.services) ?? null, unique(t.repositories) ?? null],
    );
    if (row === undefined) throw new NotFoundError(`No team ${id}.`);
    return row;
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw taken(name ?? '');
    throw err;
  }
}

export async function deleteTeam(db: Queryable, tenantId: string, id: string): Promise<void> {
  if (!isId(id)) throw new NotFoundError(`No team ${id}.`);
  const rows = await db.query('DELETE FROM teams WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id]);
  if (rows.length === 0) throw new NotFoundError(`No team ${id}.`);
}

/** The team a metric query names, or a 400 naming the `team` field. */
export async function teamByName(db: Queryable, tenantId: string, name: string): Promise<Team> {
  const [row] = await db.query<Team>(`SELECT ${COLUMNS} FROM teams WHERE tenant_id = $1 AND name = $2`, [
    tenantId,
    name,
  ]);
  if (row === undefined) {
    throw new InputError('unknown_team', `No team called "${name}": GET /v1/teams lists them.`, { field: 'team' });
  }
  return row;
}
