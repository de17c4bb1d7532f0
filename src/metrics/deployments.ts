// Production deployments as the DORA metrics see them: one SQL source, so every metric (and its
// drill-down) counts the same runs.

/** Narrowing a metric: equality on these, all optional. */
export interface MetricFilters {
  source?: string | undefined;
  pipeline?: string | undefined;
  service?: string | undefined;
  environment?: string | undefined;
  /** A team's name, echoed; what it covers is in the query's `team` scope. */
  team?: string | undefined;
}

/** What a team covers: services (as deployments name them) and repository full paths. */
export interface TeamScope {
  services: string[];
  repositories: string[];
}

/** SQL narrowing a service column to a team's services or repositories (GitLab names a service by its project path). */
export function teamServiceSql(p: Params, column: string, team: TeamScope | undefined): string | null {
  return team === undefined ? null : `${column} = ANY(${p.add([...team.services, ...team.repositories])}::text[])`;
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
 * `id, source, pipeline, service, environment, result, at (finish time), start_time, failed`, read from
 * `dora_deployments` (kept up to date under the tenant's profile, see materialize.ts: call `prepareDora`
 * first).
 */
export function deploymentsSql(
  p: Params,
  tenantId: string,
  from: Date,
  to: Date,
  filters: MetricFilters = {},
  team?: TeamScope,
): string {
  const where = [`tenant_id = ${p.add(tenantId)}`, `at >= ${p.add(from)}`, `at < ${p.add(to)}`];
  if (filters.source !== undefined) where.push(`source = ${p.add(filters.source)}`);
  if (filters.pipeline !== undefined) where.push(`pipeline = ${p.add(filters.pipeline)}`);
  if (filters.service !== undefined) where.push(`service = ${p.add(filters.service)}`);
  if (filters.environment !== undefined) where.push(`environment = ${p.add(filters.environment)}`);
  const byTeam = teamServiceSql(p, 'service', team);
  if (byTeam !== null) where.push(byTeam);
  return `SELECT run_id AS id, source, pipeline, service, environment, result, at, start_time, failed
    FROM dora_deployments WHERE ${where.join(' AND ')}`;
}
