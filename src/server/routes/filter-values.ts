import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { prepareDora } from '../../metrics/materialize.js';
import type { Queryable } from '../../store/db.js';
import { tenantOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { errors } from '../schemas.js';

/** At most this many values per list. */
export const FILTER_VALUES_CAP = 500;
/** Where no index leads with the column, the distinct values are read from this many newest rows. */
export const RECENT_DEPLOYMENTS = 100_000;
export const RECENT_RUNS = 50_000;
/** (service, environment) pairs walked to find the environments. */
const PAIRS_CAP = 10_000;

const Values = (description: string) =>
  Type.Array(Type.String(), { maxItems: FILTER_VALUES_CAP, description: `${description} Sorted, at most 500.` });

const FilterValuesSchema = Type.Object({
  sources: Values('Sources of the production deployments (DORA source filter).'),
  pipelines: Values(
    `Pipelines of the production deployments (DORA pipeline filter), from the newest ${RECENT_DEPLOYMENTS} deployments.`,
  ),
  services: Values('Services (or projects) of the production deployments (DORA service filter).'),
  environments: Values('Environments of the production deployments (DORA environment filter).'),
  ci_pipelines: Values('Pipelines of all CI/CD runs (CI/CD health pipeline filter).'),
  ci_sources: Values(`Sources of the newest ${RECENT_RUNS} CI/CD runs (CI/CD health source filter).`),
  branches: Values(`Branches of the newest ${RECENT_RUNS} CI/CD runs (CI/CD health branch filter).`),
  environment_types: Values(
    'Environment types of the deployment targets of all runs (what a DORA profile picks production from).',
  ),
  repositories: Values('Full paths of the connected repositories that are not gone (merge request repo filter).'),
});

/**
 * A loose index scan: the distinct values of `column` for a tenant, one index probe per value, in the
 * index's order (an index must lead with (tenant_id, column)). Never reads more rows than values it answers.
 */
function distinctByIndex(table: string, column: string): string {
  return `WITH RECURSIVE t(v) AS (
      (SELECT ${column} FROM ${table} WHERE tenant_id = $1 AND ${column} IS NOT NULL ORDER BY ${column} LIMIT 1)
      UNION ALL
      SELECT (SELECT ${column} FROM ${table} WHERE tenant_id = $1 AND ${column} > t.v ORDER BY ${column} LIMIT 1)
      FROM t WHERE t.v IS NOT NULL
    )
    SELECT v FROM t WHERE v IS NOT NULL LIMIT ${FILTER_VALUES_CAP}`;
}

const list = async (db: Queryable, sql: string, tenantId: string): Promise<string[]> =>
  (await db.query<{ v: string }>(sql, [tenantId])).map((r) => r.v);

/** Sorted the same way whichever store answered (code unit order, not the database's collation). */
const sorted = (values: string[]): string[] => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** `GET /v1/metrics/filter-values`: what the dashboards' filters can be set to, for the dropdowns. */
export function filterValueRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/metrics/filter-values',
    {
      schema: {
        tags: ['metrics'],
        summary: 'The distinct values the dashboards filter on (sources, pipelines, services, ...), for dropdowns',
        response: { 200: FilterValuesSchema, ...errors(401, 403) },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const db = ctx.db;
      await prepareDora(db, tenantId);
      // Index (tenant_id, service, environment, at): services by a loose scan; environments by a loose scan
      // over the (service, environment) pairs.
      const services = list(db, distinctByIndex('dora_deployments', 'service'), tenantId);
      const environments = list(
        db,
        `WITH RECURSIVE t(s, e) AS (
          (SELECT service, environment FROM dora_deployments WHERE tenant_id = $1
            ORDER BY service, environment LIMIT 1)
          UNION ALL
          SELECT n.service, n.environment FROM t CROSS JOIN LATERAL (
            SELECT service, environment FROM dora_deployments
            WHERE tenant_id = $1 AND (service, environment) > (t.s, t.e)
            ORDER BY service, environment LIMIT 1
          ) n
        )
        SELECT DISTINCT e AS v FROM (SELECT e FROM t LIMIT ${PAIRS_CAP}) p ORDER BY v LIMIT ${FILTER_VALUES_CAP}`,
        tenantId,
      );
      // No index leads with source or pipeline: the newest deployments, read along (tenant_id, at).
      const deployments = db.query<{ sources: string[]; pipelines: string[] }>(
        `WITH recent AS MATERIALIZED (
          SELECT source, pipeline FROM dora_deployments WHERE tenant_id = $1 ORDER BY at DESC
          LIMIT ${RECENT_DEPLOYMENTS}
        )
        SELECT ARRAY(SELECT DISTINCT source FROM recent ORDER BY 1 LIMIT ${FILTER_VALUES_CAP}) AS sources,
          ARRAY(SELECT DISTINCT pipeline FROM recent ORDER BY 1 LIMIT ${FILTER_VALUES_CAP}) AS pipelines`,
        [tenantId],
      );
      // Index (tenant_id, pipeline, start_time): every pipeline by a loose scan.
      const ciPipelines = list(db, distinctByIndex('cicd_runs', 'pipeline'), tenantId);
      // No index leads with branch_name or source: the newest runs, read along (tenant_id, start_time, id).
      const runs = db.query<{ sources: string[]; branches: string[] }>(
        `WITH recent AS MATERIALIZED (
          SELECT source, branch_name FROM cicd_runs WHERE tenant_id = $1 ORDER BY start_time DESC, id DESC
          LIMIT ${RECENT_RUNS}
        )
        SELECT ARRAY(SELECT DISTINCT source FROM recent ORDER BY 1 LIMIT ${FILTER_VALUES_CAP}) AS sources,
          ARRAY(SELECT DISTINCT branch_name FROM recent WHERE branch_name IS NOT NULL AND branch_name <> ''
            ORDER BY 1 LIMIT ${FILTER_VALUES_CAP}) AS branches`,
        [tenantId],
      );
      // Index (tenant_id, environment_type, environment): a loose scan.
      const environmentTypes = list(db, distinctByIndex('cicd_run_deploy_targets', 'environment_type'), tenantId);
      // Index (tenant_id, full_path).
      const repositories = list(
        db,
        `SELECT DISTINCT full_path AS v FROM scm_repos WHERE tenant_id = $1 AND gone_at IS NULL
          ORDER BY v LIMIT ${FILTER_VALUES_CAP}`,
        tenantId,
      );
      const [svc, env, d, ci, r, types, repos] = await Promise.all([
        services,
        environments,
        deployments,
        ciPipelines,
        runs,
        environmentTypes,
        repositories,
      ]);
      return {
        sources: sorted(d[0]?.sources ?? []),
        pipelines: sorted(d[0]?.pipelines ?? []),
        services: sorted(svc),
        environments: sorted(env),
        ci_pipelines: sorted(ci),
        ci_sources: sorted(r[0]?.sources ?? []),
        branches: sorted(r[0]?.branches ?? []),
        environment_types: sorted(types),
        repositories: sorted(repos),
      };
    },
  );
}
