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
function teamServiceSql(p: Params, column: string, team: TeamScope | undefined): string | null {
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
/** The conditions a deployment row (as `alias`) meets to count for a tenant, its filters and team. */
export function deploymentConditions(
  p: Params,
  alias: string,
  tenantId: string,
  filters: MetricFilters = {},
  team?: TeamScope,
): string[] {
  const where = [`${alias}.tenant_id = ${p.add(tenantId)}`];
  for (const k of ['source', 'pipeline', 'service', 'environment'] as const) {
    if (filters[k] !== undefined) where.push(`${alias}.${k} = ${p.add(filters[k])}`);
  }
  const byTeam = teamServiceSql(p, `${alias}.service`, team);
  if (byTeam !== null) where.push(byTeam);
  return where;
}

export function deploymentsSql(
  p: Params,
  tenantId: string,
  from: Date,
  to: Date,
  filters: MetricFilters = {},
  team?: TeamScope,
): string {
  const where = [
    ...deploymentConditions(p, 'd', tenantId, filters, team),
    `d.at >= ${p.add(from)}`,
    `d.at < ${p.add(to)}`,
  ];
  return `SELECT d.run_id AS id, d.source, d.pipeline, d.service, d.environment, d.result, d.at, d.start_time, d.failed
    FROM dora_deployments d WHERE ${where.join(' AND ')}`;
}
