// Static vocabulary for the generated account. All names and e-mail addresses are made up.

export interface ServiceEntry {
  id: string;
  name: string;
  deploymentType: string;
  infrastructureType: string;
}

export interface ProjectEntry {
  id: string;
  name: string;
  repo: string;
  services: ServiceEntry[];
}

export interface OrgEntry {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  projects: ProjectEntry[];
}

const k8s = (id: string, name: string): ServiceEntry => ({
  id,
  name,
  deploymentType: 'Kubernetes',
  infrastructureType: 'KubernetesDirect',
});
const helm = (id: string, name: string): ServiceEntry => ({
  id,
  name,
  deploymentType: 'NativeHelm',
  infrastructureType: 'KubernetesGcp',
});
const ecs = (id: string, name: string): ServiceEntry => ({
  id,
  name,
  deploymentType: 'ECS',
  infrastructureType: 'ECS',
});
const lambda = (id: string, name: string): ServiceEntry => ({
  id,
  name,
  deploymentType: 'ServerlessAwsLambda',
  infrastructureType: 'ServerlessAwsLambda',
});
const custom = (id: string, name: string): ServiceEntry => ({
  id,
  name,
  deploymentType: 'CustomDeployment',
  infrastructureType: 'CustomDeployment',
});

/** Orgs in the order they are used; `orgCount` takes the first n. */
export const ORG_CATALOG: readonly OrgEntry[] = [
  {
    id: 'payments',
    name: 'Payments',
    description: 'Payments BU',
    tags: { team: 'pay' },
    projects: [
      { id: 'checkout', name: 'Checkout', repo: 'checkout-service', services: [k8s('checkout_svc', 'Checkout')] },
      {
        id: 'billing',
        name: 'Billing',
        repo: 'billing',
        services: [k8s('billing_api', 'Billing API'), k8s('invoice_worker', 'Invoice Worker')],
      },
      {
        id: 'fraud_detection',
        name: 'Fraud Detection',
        repo: 'fraud-detection',
        services: [lambda('fraud_scorer', 'Fraud Scorer')],
      },
      { id: 'ledger', name: 'Ledger', repo: 'ledger', services: [ecs('ledger_svc', 'Ledger')] },
    ],
  },
  {
    id: 'platform',
    name: 'Platform',
    description: 'Shared infrastructure and developer platform',
    tags: { team: 'platform', cost_center: 'eng-100' },
    projects: [
      { id: 'api_gateway', name: 'API Gateway', repo: 'api-gateway', services: [helm('gateway', 'Gateway')] },
      {
        id: 'identity',
        name: 'Identity',
        repo: 'identity',
        services: [k8s('auth_svc', 'Auth'), k8s('user_profile', 'User Profile')],
      },
      {
        id: 'observability',
        name: 'Observability',
        repo: 'observability-stack',
        services: [helm('otel_collector', 'OTel Collector')],
      },
    ],
  },
  {
    id: 'mobile',
    name: 'Mobile',
    description: '',
    tags: {},
    projects: [
      { id: 'ios_app', name: 'iOS App', repo: 'ios-app', services: [custom('ios_release', 'iOS Release')] },
      {
        id: 'android_app',
        name: 'Android App',
        repo: 'android-app',
        services: [custom('android_release', 'Android Release')],
      },
      { id: 'mobile_bff', name: 'Mobile BFF', repo: 'mobile-bff', services: [k8s('mobile_bff', 'Mobile BFF')] },
    ],
  },
  {
    id: 'data',
    name: 'Data',
    description: 'Data engineering',
    tags: { team: 'data' },
    projects: [
      { id: 'warehouse', name: 'Warehouse', repo: 'warehouse-dbt', services: [ecs('dbt_runner', 'dbt Runner')] },
      {
        id: 'ml_platform',
        name: 'ML Platform',
        repo: 'ml-platform',
        services: [k8s('feature_store', 'Feature Store')],
      },
      { id: 'etl', name: 'ETL Jobs', repo: 'etl-jobs', services: [lambda('ingest_fn', 'Ingest')] },
    ],
  },
  {
    id: 'growth',
    name: 'Growth',
    description: 'Web storefront and experiments',
    tags: { team: 'growth' },
    projects: [
      {
        id: 'web_storefront',
        name: 'Web Storefront',
        repo: 'storefront',
        services: [k8s('storefront_web', 'Storefront')],
      },
      { id: 'experiments', name: 'Experiments', repo: 'experiments', services: [k8s('flags_svc', 'Flags')] },
    ],
  },
];

export const PROJECT_COLORS: readonly string[] = ['#0063F7', '#e63535', '#1abc9c', '#ff8800', '#9b59b6', '#4dc952'];

export const PEOPLE_NAMES: readonly string[] = [
  'Priya Raman',
  'Tomás Ortega',
  'Mei Chen',
  'Olu Adeyemi',
  'Sara Lindqvist',
  'Jonas Weber',
  'Aiko Tanaka',
  'Diego Álvarez',
  'Fatima Noor',
  "Liam O'Connor",
  'Nadia Petrova',
  'Kwame Mensah',
  'Hannah Cohen',
  'Ravi Iyer',
  'Elena Rossi',
  'Marcus Reed',
  'Yuki Sato',
  'Chloé Martin',
  'Ahmed Hassan',
  'Ingrid Berg',
];

export const COMMIT_MESSAGES: readonly string[] = [
  'fix: handle null currency in totals',
  'feat: add retry to payment webhook',
  'chore(deps): bump axios from 1.6.8 to 1.7.2',
  'refactor: extract pricing rules into their own module',
  'test: cover refund edge cases',
  'docs: update on-call runbook',
  'perf: cache exchange rates for 5 minutes',
  'ci: split unit and integration tests',
  'fix(api): return 404 for unknown ids',
  'Revert "feat: new checkout flow"',
  'feat: add audit log\n\nRecords who changed what, and when.',
  'fix: off-by-one in pagination',
  'feat: expose health endpoint for the load balancer',
  'chore: remove dead feature flag `legacy_tax`',
  'fix: time zone bug in daily report (UTC vs local)',
  'feat(ui): dark mode for settings page',
  'build: pin node to 20.x',
  'fix: race between cache warm-up and first request',
  'feat: support idempotency keys on POST /orders',
  'chore: tidy logging — no PII in debug lines',
  'Merge pull request #212 from feature/faster-search',
  'fix: 🐛 emoji in product names broke CSV export',
];

export const PR_TITLES: readonly string[] = [
  'Faster search results',
  'Add idempotency keys',
  'Refactor retry policy',
  'Upgrade to Node 20',
  'Fix flaky integration test',
  'New onboarding flow',
  'Reduce image size',
];

export const CI_FAILURES: readonly string[] = [
  'Step unit_tests failed with exit code 1',
  'Step lint failed with exit code 2',
  'Step build_image failed: Error response from daemon: manifest unknown',
  'Timeout: step integration_tests exceeded 30m0s',
  'Shell Script execution failed. Please check execution logs.',
];

export const CD_FAILURES: readonly string[] = [
  'Deployment failed: 2/3 pods not ready within 10m0s (ProgressDeadlineExceeded)',
  'Helm upgrade failed: timed out waiting for the condition',
  'Canary verification failed: error rate 7.2% above threshold 5%',
  'Shell Script execution failed. Please check execution logs.',
];
