// Production deployments as the DORA metrics see them: one SQL source, built from the tenant's profile,
// so every metric (and its drill-down) counts the same runs.
import type { DoraProfile } from './profile.js';

/** Narrowing a metric: equality on these, all optional. */
export interface MetricFilters {
  source?: string | undefined;
  pipeline?: string | undefined;
  service?: string | undefined;
  environment?: string | undefined;
}

/** Parameters appended to a query, `$n` placeholders handed out in order. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * A CTE body: the tenant's production deployment attempts finished in [from, to), one row each, with
 * `id, source, pipeline, service, environment, result, at (finish time), failed`. A run is one when
 * it is a CD run with a counted result, and it targets a production environment (by type or name), or
 * it is a webhook run without targets and the profile says webhook CD runs are production.
 */
export function deploymentsSql(
  p: Params,
  tenantId: string,
  profile: DoraProfile,
  from: Date,
  to: Date,
  filters: MetricFilters = {},
): string {
  const types = p.add(profile.production_environment_types.map((t) => t.toLowerCase()));
  const names = p.add(profile.production_environments);
  const prod = `(lower(x.environment_type) = ANY(${types}::text[]) OR x.environment = ANY(${names}::text[]))`;
  const where = [
    `r.tenant_id = ${p.add(tenantId)}`,
    'r.cd',
    'r.end_time IS NOT NULL',
    `r.end_time >= ${p.add(from)}`,
    `r.end_time < ${p.add(to)}`,
    `r.result = ANY(${p.add(profile.counted_results)}::text[])`,
  ];
  if (profile.sources.length > 0) where.push(`r.source = ANY(${p.add(profile.sources)}::text[])`);
  if (profile.pipelines.length > 0) where.push(`r.pipeline = ANY(${p.add(profile.pipelines)}::text[])`);
  // Webhook CD runs posted without targets count as production when the profile says so.
  const webhook = profile.webhook_cd_is_production ? 'OR (r.instance_guid IS NOT NULL AND NOT t.targeted)' : '';
  const outer: string[] = [];
  if (filters.source !== undefined) outer.push(`source = ${p.add(filters.source)}`);
  if (filters.pipeline !== undefined) outer.push(`pipeline = ${p.add(filters.pipeline)}`);
  if (filters.service !== undefined) outer.push(`service = ${p.add(filters.service)}`);
  if (filters.environment !== undefined) outer.push(`environment = ${p.add(filters.environment)}`);
  return `SELECT * FROM (
      SELECT r.id, r.source, r.pipeline, r.result, r.end_time AS at, r.start_time,
        COALESCE(t.service, r.pipeline) AS service, COALESCE(t.environment, 'production') AS environment,
        (r.result = ANY(${p.add(profile.failure_results)}::text[]) OR COALESCE(r.cfr_status, false)) AS failed
      FROM cicd_runs r
      -- One look at the run's targets: whether it has any, and its first production one.
      LEFT JOIN LATERAL (
        SELECT count(*) > 0 AS targeted, bool_or(${prod}) AS production,
          (array_agg(x.service ORDER BY x.ordinal) FILTER (WHERE ${prod}))[1] AS service,
          (array_agg(x.environment ORDER BY x.ordinal) FILTER (WHERE ${prod}))[1] AS environment
        FROM cicd_run_deploy_targets x
        WHERE x.tenant_id = r.tenant_id AND x.run_id = r.id
      ) t ON true
      WHERE ${where.join(' AND ')} AND (COALESCE(t.production, false) ${webhook})
    ) d${outer.length > 0 ? ` WHERE ${outer.join(' AND ')}` : ''}`;
}
