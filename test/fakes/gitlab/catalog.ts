// The people, groups, projects and environments of the fake instance. Everything here is made up.

import { ACCESS, type Tier, type Visibility } from './model.js';

export interface PersonSpec {
  username: string;
  name: string;
  /** UTC offset in minutes. */
  tz: number;
  jobTitle: string;
}

/** The first person is the main user: the owner of the fake's default token. */
export const PEOPLE: readonly PersonSpec[] = [
  { username: 'sam.rivera', name: 'Sam Rivera', tz: -300, jobTitle: 'Engineering Manager' },
  { username: 'priya.raman', name: 'Priya Raman', tz: 330, jobTitle: 'Senior Backend Engineer' },
  { username: 'mateo.garcia', name: 'Mateo García', tz: 60, jobTitle: 'Backend Engineer' },
  { username: 'kenji.watanabe', name: 'Kenji Watanabe', tz: 540, jobTitle: 'Site Reliability Engineer' },
  { username: 'amara.okafor', name: 'Amara Okafor', tz: 60, jobTitle: 'Frontend Engineer' },
  { username: 'lukas.becker', name: 'Lukas Becker', tz: 60, jobTitle: 'Platform Engineer' },
  { username: 'sofia.rossi', name: 'Sofia Rossi', tz: 60, jobTitle: 'iOS Engineer' },
  { username: 'noah.williams', name: 'Noah Williams', tz: -300, jobTitle: 'Android Engineer' },
  { username: 'chen.wei', name: 'Chen Wei', tz: 480, jobTitle: 'Data Engineer' },
  { username: 'olivia.martin', name: 'Olivia Martin', tz: -480, jobTitle: 'Staff Engineer' },
  { username: 'youssef.haddad', name: 'Youssef Haddad', tz: 120, jobTitle: 'QA Engineer' },
  { username: 'hannah.schmidt', name: 'Hannah Schmidt', tz: 60, jobTitle: 'Data Analyst' },
];

export interface EnvSpec {
  name: string;
  tier: Tier;
}

export interface ProjectSpec {
  path: string;
  name: string;
  description: string;
  visibility: Visibility;
  topics: string[];
  envs: EnvSpec[];
  busyness: number;
  archivedDaysAgo?: number;
  childPipelines?: boolean;
  /** Direct project memberships: username → level. */
  members?: Record<string, number>;
}

export interface GroupSpec {
  path: string;
  name: string;
  description: string;
  visibility: Visibility;
  /** Direct group memberships: username → level. */
  members: Record<string, number>;
  projects: ProjectSpec[];
  subgroups?: GroupSpec[];
}

/** A production environment and, when named, a staging one. */
function envs(production: string, staging?: string): EnvSpec[] {
  return [{ name: production, tier: 'production' }, ...(staging ? [{ name: staging, tier: 'staging' as const }] : [])];
}

const WEB_ENVS: EnvSpec[] = [...envs('production', 'staging'), { name: 'development', tier: 'development' }];

const { guest, reporter, developer, maintainer, owner } = ACCESS;

/** Top-level groups in order; `groups: n` keeps the first n. */
export const GROUPS: readonly GroupSpec[] = [
  {
    path: 'acme',
    name: 'Acme',
    description: 'Acme web shop: storefront, checkout and the platform under them.',
    visibility: 'internal',
    members: {
      'olivia.martin': owner,
      'sam.rivera': maintainer,
      'priya.raman': maintainer,
      'lukas.becker': maintainer,
      'mateo.garcia': developer,
      'amara.okafor': developer,
      'kenji.watanabe': developer,
      'youssef.haddad': reporter,
    },
    projects: [
      {
        path: 'storefront',
        name: 'Storefront',
        description: 'The customer-facing web shop.',
        visibility: 'internal',
        topics: ['web', 'typescript'],
        envs: WEB_ENVS,
        busyness: 1.2,
      },
      {
        path: 'checkout-api',
        name: 'Checkout API',
        description: 'Carts, payments and orders.',
        visibility: 'private',
        topics: ['api', 'go'],
        envs: WEB_ENVS,
        busyness: 1,
      },
    ],
    subgroups: [
      {
        path: 'platform',
        name: 'Platform',
        description: 'Infrastructure and shared services.',
        visibility: 'private',
        members: { 'kenji.watanabe': maintainer },
        projects: [
          {
            path: 'infra',
            name: 'Infra',
            description: 'Terraform for every environment.',
            visibility: 'private',
            topics: ['terraform'],
            envs: envs('production', 'staging'),
            busyness: 0.6,
            childPipelines: true,
          },
          {
            path: 'legacy-billing',
            name: 'Legacy Billing',
            description: 'The old billing service, replaced by checkout-api.',
            visibility: 'private',
            topics: ['ruby'],
            envs: envs('production'),
            busyness: 0.4,
            archivedDaysAgo: 40,
          },
        ],
      },
    ],
  },
  {
    path: 'mobile',
    name: 'Mobile',
    description: 'The iOS and Android apps.',
    visibility: 'private',
    members: {
      'olivia.martin': maintainer,
      'sofia.rossi': maintainer,
      'noah.williams': developer,
      'youssef.haddad': developer,
      'sam.rivera': reporter,
    },
    projects: [
      {
        path: 'ios-app',
        name: 'iOS App',
        description: 'The Acme iPhone app.',
        visibility: 'private',
        topics: ['swift'],
        envs: envs('app-store', 'testflight'),
        busyness: 0.8,
      },
      {
        path: 'android-app',
        name: 'Android App',
        description: 'The Acme Android app.',
        visibility: 'private',
        topics: ['kotlin'],
        envs: envs('play-store', 'internal-testing'),
        busyness: 0.8,
      },
    ],
  },
  {
    path: 'data',
    name: 'Data',
    description: 'Warehouse and reporting.',
    visibility: 'private',
    members: { 'olivia.martin': owner, 'chen.wei': maintainer, 'hannah.schmidt': developer },
    projects: [
      {
        path: 'dashboards',
        name: 'Dashboards',
        description: 'Business dashboards.',
        visibility: 'internal',
        topics: ['sql'],
        envs: envs('production', 'staging'),
        busyness: 0.5,
        members: { 'sam.rivera': guest },
      },
      {
        path: 'warehouse-etl',
        name: 'Warehouse ETL',
        description: 'Nightly loads into the warehouse.',
        visibility: 'private',
        topics: ['python'],
        envs: envs('production'),
        busyness: 0.5,
      },
    ],
  },
];
