// Shapes of the API answers the web app reads (see /openapi.json); only the fields it uses.

export interface Session {
  tenant_id: string;
  role: string;
  key_name: string;
  key_prefix: string;
  expires_at: string;
  csrf_token: string;
}

/** A JSON schema of one setting, as GET /v1/integration-types answers it (TypeBox). */
export interface SettingSchema {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  const?: string;
  anyOf?: SettingSchema[];
}

export interface IntegrationType {
  type: string;
  label: string;
  description: string;
  settings: { properties?: Record<string, SettingSchema>; required?: string[] };
  secret_fields: string[];
}

export interface Integration {
  id: string;
  type: string;
  name: string;
  description: string;
  tags: string[];
  settings: Record<string, unknown>;
  sync_enabled: boolean;
  sync_interval_minutes: number;
  created_at: string;
  updated_at: string;
}

export interface Check {
  id: string;
  label: string;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
}

export interface ValidationReport {
  outcome: string;
  message: string;
  checks: Check[];
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface SyncStream {
  stream: string;
  status: string;
  records: number;
  pages: number;
  error: ErrorInfo | null;
}

export interface SyncJob {
  id: string;
  integration_id: string;
  mode: string;
  trigger: string;
  status: string;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress: Record<string, unknown>;
  error: ErrorInfo | null;
  streams?: SyncStream[];
}

export interface SyncStatus {
  integration_id: string;
  sync_enabled: boolean;
  sync_interval_minutes: number;
  next_sync_at: string | null;
  active: SyncJob | null;
  last_success: SyncJob | null;
  history: SyncJob[];
}

export interface OAuthStatus {
  authorized: boolean;
  authorized_by: string | null;
  expires_at: string | null;
}

export interface Instance {
  id: string;
  integration_id: string;
  name: string;
  type: string;
  url: string | null;
  created_at: string;
}

export interface Freshness {
  as_of: string | null;
  integrations: {
    integration_id: string;
    name: string;
    type: string;
    last_sync_at: string | null;
    last_received_at: string | null;
    as_of: string | null;
  }[];
}

export interface SeriesPoint {
  bucket: string;
  start: string;
  value: number | null;
  count: number;
}

export interface MetricAnswer {
  metric: string;
  window: { from: string; to: string };
  time_zone: string;
  interval: string;
  filters: Record<string, string>;
  value: number | null;
  unit: string;
  count: number;
  band: { name: string; source: string } | null;
  series: SeriesPoint[];
  details: Record<string, unknown>;
  records_url: string;
}

export interface RecordsPage {
  metric: string;
  columns: string[];
  rows: Record<string, unknown>[];
  next_offset: number | null;
}

export interface HealthStats {
  runs: number;
  success_rate: number | null;
  duration_p50_ms: number | null;
  duration_p90_ms: number | null;
}

export interface HealthAnswer {
  window: { from: string; to: string };
  totals: HealthStats;
  series: (HealthStats & { bucket: string; start: string })[];
  by: { group_by: string; rows: (HealthStats & { key: string | null })[] };
  slowest_stages: { stage: string; runs: number; duration_p50_ms: number | null; duration_p90_ms: number | null }[];
  flaky: {
    commits: number;
    failed_runs: number;
    rows: { pipeline: string; sha: string; failures: number; successes: number }[];
  };
}

export interface StageStats {
  p50_ms: number | null;
  p90_ms: number | null;
  count: number;
}

export interface MrAnswer {
  window: { from: string; to: string };
  merged: number;
  open_at_end: number;
  stages: Record<'cycle' | 'coding' | 'pickup' | 'review' | 'merge_to_deploy', StageStats>;
  size: { commits_p50: number | null; lines_changed_p50: number | null };
  reviews: { comments_p50: number | null; approvals_avg: number | null; merged_without_review: number };
  series: { bucket: string; start: string; merged: number; cycle_p50_ms: number | null }[];
  records_url: string;
}

/** What counts as a production deployment and a failure (GET /v1/metrics/profile). */
export interface DoraProfile {
  production_environment_types: string[];
  production_environments: string[];
  webhook_cd_is_production: boolean;
  sources: string[];
  pipelines: string[];
  counted_results: string[];
  failure_results: string[];
  incident_window_hours: number;
}

/** What a profile change would do to a window's deployments (POST /v1/metrics/profile/preview). */
export interface ProfilePreview {
  window: { from: string; to: string };
  current: { deployments: number; failed: number };
  proposed: { deployments: number; failed: number };
  added: number;
  removed: number;
  message: string;
}

/** The values the dashboards filter on (GET /v1/metrics/filter-values). */
export interface FilterValues {
  sources: string[];
  pipelines: string[];
  services: string[];
  environments: string[];
  ci_pipelines: string[];
  ci_sources: string[];
  branches: string[];
  environment_types: string[];
  repositories: string[];
}

/** A team: the services and repositories the metrics count for it (GET /v1/teams; metrics take team=<name>). */
export interface Team {
  id: string;
  name: string;
  services: string[];
  repositories: string[];
  created_at: string;
  updated_at: string;
}
