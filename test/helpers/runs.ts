import { readFileSync } from 'node:fs';
import type { DomainRun } from '../../src/domain/cicd-run.js';
import type { DomainCommit, DomainRepo } from '../../src/domain/scm.js';

const FIXTURES = new URL('../fixtures/custom-cicd/', import.meta.url);

/** The source document's example payload, verbatim (it misses a comma after `"cfr_status": true`). */
export const DOC_PAYLOAD_TEXT = readFileSync(new URL('doc-example-payload.txt', FIXTURES), 'utf8');
/** The document's curl example body, with `<PLACEHOLDERS>` still in it. */
export const DOC_CURL_BODY = readFileSync(new URL('doc-curl-body.txt', FIXTURES), 'utf8');
/** The document's instances example body (it has a trailing comma). */
export const DOC_INSTANCES_BODY = readFileSync(new URL('doc-instances-body.txt', FIXTURES), 'utf8');

/** The document's example payload with the missing comma added and our instance GUID. */
export function docPayload(guid: string): Record<string, unknown> {
  const fixed = DOC_PAYLOAD_TEXT.replace('"cfr_status": true\n', '"cfr_status": true,\n');
  return { ...(JSON.parse(fixed) as Record<string, unknown>), instance_guid: guid };
}

/** Replaces `<NAME>` placeholders; values are inserted as raw JSON text. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/<([A-Za-z_.]+)>/g, (m, name: string) => values[name] ?? m);
}

let seq = 0;
/** A minimal valid run. */
export function run(guid: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    pipeline: 'deploy-api',
    job_full_name: 'deploy-api',
    qualified_name: 'deploy-api',
    instance_name: 'Jenkins-1',
    instance_guid: guid,
    start_time: 1_711_603_545_000 + seq * 1000,
    duration: 60_000,
    result: 'SUCCESS',
    execution_id: `exec-${process.pid}-${seq}`,
    ...extra,
  };
}

const MIN = 60_000;

/** A run a connector pulled (Harness-like): a CD execution with its deployment targets. */
export function pulled(
  key: string,
  start: string,
  result: 'success' | 'failure' | 'running',
  env: [string, string],
): DomainRun {
  const startTime = new Date(start);
  const running = result === 'running';
  return {
    instanceGuid: null,
    runKey: key,
    executionId: key,
    pipeline: 'deploy_api',
    jobFullName: 'deploy_api',
    qualifiedName: 'deploy_api',
    instanceName: 'harness',
    instanceUrl: null,
    projectName: 'payments/api',
    userId: null,
    repoUrl: null,
    buildNumber: null,
    branchName: 'main',
    moduleName: null,
    result,
    resultRaw: result,
    startTime,
    endTime: running ? null : new Date(startTime.getTime() + 20 * MIN),
    durationMs: running ? null : 20 * MIN,
    ci: false,
    cd: true,
    cfrStatus: null,
    themes: [],
    webUrl: null,
    triggerChain: [],
    stages: [],
    commits: [],
    artifacts: [],
    params: [],
    deployTargets: [{ service: 'api', environment: env[0], environmentType: env[1], infrastructure: null }],
  };
}

/** A connected repository `acme/<key>` as a connector would store it. */
export function repo(key: string): DomainRepo {
  return {
    repoKey: key,
    fullPath: `acme/${key}`,
    name: key,
    defaultBranch: 'main',
    webUrl: null,
    visibility: 'private',
    archived: false,
    createdAt: null,
    lastActivityAt: null,
  };
}

/** A commit on the default branch of repository `repoKey`, authored and committed at `time`, by ada. */
export function commitOn(repoKey: string, sha: string, time: string, parentSha: string | null): DomainCommit {
  return {
    repoKey,
    sha,
    title: sha.slice(0, 8),
    message: sha.slice(0, 8),
    authorName: 'ada',
    authorEmail: 'ada@example.com',
    authoredAt: new Date(time),
    committerName: 'ada',
    committerEmail: 'ada@example.com',
    committedAt: new Date(time),
    parentShas: parentSha === null ? [] : [parentSha],
    additions: 1,
    deletions: 0,
    webUrl: null,
    onDefaultBranch: true,
  };
}
