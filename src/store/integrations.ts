import type { SecretBox } from '../core/crypto.js';
import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { check } from '../core/validate.js';
import type { IntegrationRegistry, IntegrationType } from '../integrations/registry.js';
import type { Queryable } from './db.js';

export const MASK = '********';

export interface Integration {
  id: string;
  type: string;
  name: string;
  description: string;
  tags: string[];
  /** Non-secret settings, and secret ones replaced by the mask. */
  settings: Record<string, unknown>;
  sync_enabled: boolean;
  sync_interval_minutes: number;
  created_at: Date;
  updated_at: Date;
}

export interface IntegrationInput {
  type?: string;
  name?: string;
  description?: string;
  tags?: string[];
  settings?: Record<string, unknown>;
  sync_enabled?: boolean;
  sync_interval_minutes?: number;
}

interface IntegrationRow {
  id: string | number;
  type: string;
  name: string;
  description: string;
  tags: string[];
  settings: Record<string, unknown>;
  secrets: string | null;
  sync_enabled: boolean;
  sync_interval_minutes: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, type, name, description, tags, settings, secrets, sync_enabled, sync_interval_minutes, created_at, updated_at';
const UNIQUE_VIOLATION = '23505';

/** Reads and writes the integrations registry; secret settings are sealed before they reach the database. */
export class IntegrationStore {
  constructor(
    private readonly registry: IntegrationRegistry,
    private readonly box: SecretBox,
  ) {}

  typeOf(type: string): IntegrationType {
    const t = this.registry.get(type);
    if (t === undefined) {
      throw new InputError(
        'unknown_integration_type',
        `type must be one of ${[...this.registry.keys()].join(', ')}; got "${type}".`,
        { field: 'type' },
      );
    }
    return t;
  }

  #present(row: IntegrationRow): Integration {
    const t = this.registry.get(row.type);
    const settings = { ...row.settings };
    const sealed = row.secrets === null ? {} : (JSON.parse(this.box.decrypt(row.secrets)) as Record<string, unknown>);
    for (const f of t?.secretFields ?? []) if (sealed[f] !== undefined) settings[f] = MASK;
    return {
      id: String(row.id),
      type: row.type,
      name: row.name,
      description: row.description,
      tags: row.tags,
      settings,
      sync_enabled: row.sync_enabled,
      sync_interval_minutes: row.sync_interval_minutes,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  /** Splits settings into plain and sealed parts; a masked value keeps the stored secret. */
  #split(
    t: IntegrationType,
    settings: Record<string, unknown>,
    previous: Record<string, unknown>,
  ): { plain: Record<string, unknown>; sealed: string | null } {
    const plain: Record<string, unknown> = {};
    const secret: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(settings)) {
      if (t.secretFields.includes(k)) {
        const value = v === MASK ? previous[k] : v;
        if (value !== undefined) secret[k] = value;
      } else plain[k] = v;
    }
    return { plain, sealed: Object.keys(secret).length === 0 ? null : this.box.encrypt(JSON.stringify(secret)) };
  }

  /** Secret settings in clear, for connectors only; never for an API answer. */
  async secretsOf(db: Queryable, tenantId: string, id: string): Promise<Record<string, unknown>> {
    const row = await this.#row(db, tenantId, id);
    return row.secrets === null ? {} : (JSON.parse(this.box.decrypt(row.secrets)) as Record<string, unknown>);
  }

  /** All settings in clear (plain and secret), for connectors only; never for an API answer. */
  async settingsOf(db: Queryable, tenantId: string, id: string): Promise<Record<string, unknown>> {
    const row = await this.#row(db, tenantId, id);
    const secret = row.secrets === null ? {} : (JSON.parse(this.box.decrypt(row.secrets)) as Record<string, unknown>);
    return { ...row.settings, ...secret };
  }

  async create(db: Queryable, tenantId: string, input: IntegrationInput): Promise<Integration> {
    const t = this.typeOf(input.type ?? '');
    const settings = check<Record<string, unknown>>(t.settings, input.settings ?? {}, 'settings');
    const { plain, sealed } = this.#split(t, settings, {});
    try {
      const rows = await db.query<IntegrationRow>(
        `INSERT INTO integrations (tenant_id, type, name, description, tags, settings, secrets, sync_enabled,
           sync_interval_minutes)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) RETURNING ${COLUMNS}`,
        [
          tenantId,
          t.type,
          input.name,
          input.description ?? '',
          input.tags ?? [],
          JSON.stringify(plain),
          sealed,
          input.sync_enabled ?? true,
          input.sync_interval_minutes ?? 60,
        ],
      );
      return this.#present(rows[0]!);
    } catch (err) {
      throw this.#conflict(err, input.name);
    }
  }

  #conflict(err: unknown, name: string | undefined): unknown {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
      return new ConflictError(`An integration named "${name ?? ''}" already exists.`, 'integration_name_taken');
    }
    return err;
  }

  async #row(db: Queryable, tenantId: string, id: string): Promise<IntegrationRow> {
    const rows = /^\d{1,18}$/.test(id)
      ? await db.query<IntegrationRow>(`SELECT ${COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2`, [
          tenantId,
          id,
        ])
      : [];
    const row = rows[0];
    if (row === undefined) {
      throw new NotFoundError(`No integration "${id}" in this tenant.`, {
        code: 'integration_not_found',
        field: 'id',
      });
    }
    return row;
  }

  async get(db: Queryable, tenantId: string, id: string): Promise<Integration> {
    return this.#present(await this.#row(db, tenantId, id));
  }

  async list(db: Queryable, tenantId: string, type?: string): Promise<Integration[]> {
    const rows = await db.query<IntegrationRow>(
      `SELECT ${COLUMNS} FROM integrations WHERE tenant_id = $1 AND ($2::text IS NULL OR type = $2) ORDER BY id`,
      [tenantId, type ?? null],
    );
    return rows.map((r) => this.#present(r));
  }

  async update(db: Queryable, tenantId: string, id: string, patch: IntegrationInput): Promise<Integration> {
    const row = await this.#row(db, tenantId, id);
    if (patch.type !== undefined && patch.type !== row.type) {
      throw new InputError('immutable_field', 'The type of an integration cannot change.', { field: 'type' });
    }
    const t = this.typeOf(row.type);
    const previous = row.secrets === null ? {} : (JSON.parse(this.box.decrypt(row.secrets)) as Record<string, unknown>);
    const merged = { ...row.settings, ...previous, ...(patch.settings ?? {}) };
    for (const f of t.secretFields) if (merged[f] === MASK) merged[f] = previous[f];
    const settings = check<Record<string, unknown>>(t.settings, merged, 'settings');
    const { plain, sealed } = this.#split(t, settings, previous);
    try {
      const rows = await db.query<IntegrationRow>(
        `UPDATE integrations SET name = $3, description = $4, tags = $5, settings = $6::jsonb, secrets = $7,
           sync_enabled = $8, sync_interval_minutes = $9, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [
          tenantId,
          row.id,
          patch.name ?? row.name,
          patch.description ?? row.description,
          patch.tags ?? row.tags,
          JSON.stringify(plain),
          sealed,
          patch.sync_enabled ?? row.sync_enabled,
          patch.sync_interval_minutes ?? row.sync_interval_minutes,
        ],
      );
      return this.#present(rows[0]!);
    } catch (err) {
      throw this.#conflict(err, patch.name);
    }
  }

  async remove(db: Queryable, tenantId: string, id: string): Promise<void> {
    const row = await this.#row(db, tenantId, id);
    await db.query('DELETE FROM integrations WHERE tenant_id = $1 AND id = $2', [tenantId, row.id]);
  }
}
