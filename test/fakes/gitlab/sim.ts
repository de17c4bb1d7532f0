// The history of the fake instance as a discrete-event simulation over all projects at once. Events run
// in (time, scheduling order), each project draws from its own PRNG, and ids come from global sequences in
// event order: so ids grow with creation time across projects, and running to T1 then to T2 gives exactly
// what running straight to T2 gives. The fake runs the simulation up to its clock before every request;
// `advance` thereby finishes pipelines, opens and merges MRs and adds notes.

import { deriveSeed } from '../common/prng.js';
import { handleEvent, type SimEvent } from './sim-handlers.js';
import { MinHeap } from './heap.js';
import { ACCESS, type Commit, type Project, type User } from './model.js';
import { makeCommit } from './mr-plan.js';
import { createRng, type Rng } from './prng.js';
import { accessLevel, idSequence, type Structure } from './structure.js';
import { DAY, HOUR, MINUTE, startOfDay } from './time.js';

export interface SimOptions {
  seed: number;
  now: number;
  days: number;
  pipelinesPerDay: number;
  runningAtStart: number;
}

export interface ProjectState {
  rng: Rng;
  head: Commit;
  mrIid: number;
  pipelineIid: number;
  deploymentIid: number;
  /** Issues and incidents share one iid sequence per project. */
  issueIid: number;
  /** Issues and incidents draw from their own stream, so the rest of the history is the same with or without them. */
  issueRng: Rng;
  serial: number;
  contributors: User[];
  maintainers: User[];
}

export interface Ids {
  pipeline(): number;
  /** A block of `count` consecutive job ids; returns the first. */
  jobs(count: number): number;
  mergeRequest(): number;
  note(): number;
  deployment(): number;
  issue(): number;
}

export interface Sim {
  readonly options: SimOptions;
  readonly structure: Structure;
  readonly ids: Ids;
  state(project: Project): ProjectState;
  schedule(event: SimEvent): void;
  /** Processes every event up to and including `t`. */
  runUntil(t: number): void;
  /** How far the simulation has run. */
  readonly horizon: number;
}

type Queued = SimEvent & { seq: number };

function queued(event: SimEvent, at: number, seq: number): Queued {
  // Events are made for the queue and never shared, so they are stamped in place rather than copied.
  const stamped = event as Queued;
  stamped.at = at;
  stamped.seq = seq;
  return stamped;
}

export function createSim(structure: Structure, options: SimOptions): Sim {
  const idRng = createRng(deriveSeed(options.seed, 'ids'));
  const issueIdRng = createRng(deriveSeed(options.seed, 'issue-ids'));
  let lastJobId = 7_800_000_000 + idRng.int(0, 9_000_000);
  const ids: Ids = {
    pipeline: idSequence(idRng, 1_300_000_000 + idRng.int(0, 9_000_000), 12),
    jobs(count) {
      const first = lastJobId + idRng.int(1, 40);
      lastJobId = first + Math.max(0, count - 1);
      return first;
    },
    mergeRequest: idSequence(idRng, 310_000_000 + idRng.int(0, 9_000_000), 25),
    note: idSequence(idRng, 2_100_000_000 + idRng.int(0, 9_000_000), 60),
    deployment: idSequence(idRng, 640_000_000 + idRng.int(0, 9_000_000), 20),
    // Their own id stream too: drawing from idRng would renumber everything else.
    issue: idSequence(issueIdRng, 150_000_000 + issueIdRng.int(0, 9_000_000), 30),
  };
  const queue = new MinHeap<Queued>();
  const states = new Map<Project, ProjectState>();
  let seq = 0;
  let horizon = -Infinity;
  const start = startOfDay(options.now) - options.days * DAY;
  const sim: Sim = {
    options,
    structure,
    ids,
    state(project) {
      const s = states.get(project);
      if (!s) throw new Error(`no simulation state for ${project.pathWithNamespace}`);
      return s;
    },
    schedule(event) {
      queue.push(queued(event, Math.max(event.at, horizon), seq++));
    },
    runUntil(t) {
      for (let next = queue.peek(); next && next.at <= t; next = queue.peek()) {
        queue.pop();
        horizon = next.at;
        handleEvent(sim, next);
      }
      horizon = Math.max(horizon, t);
    },
    get horizon() {
      return horizon;
    },
  };
  for (const project of structure.projects) {
    const rng = createRng(deriveSeed(options.seed, 'project', project.pathWithNamespace));
    const issueRng = createRng(deriveSeed(options.seed, 'issues', project.pathWithNamespace));
    states.set(project, { ...initialState(project, structure, rng, start), issueIid: 0, issueRng });
    sim.schedule({ type: 'day', at: start, project });
  }
  const live = structure.projects.filter((p) => p.activeUntil === null);
  const startRng = createRng(deriveSeed(options.seed, 'running'));
  for (const project of live.slice(0, options.runningAtStart)) {
    const author = startRng.pick(sim.state(project).maintainers);
    sim.schedule({ type: 'push', at: options.now - startRng.int(MINUTE, 4 * MINUTE), project, author, hotfix: false });
  }
  return sim;
}

/** Lines added and removed by the setup commits. */
const SETUP = { additions: [10, 900], deletions: [0, 50] } as const;

/** The main branch before the window: a few commits, so every project has a head to branch from. */
function initialState(
  project: Project,
  structure: Structure,
  rng: Rng,
  start: number,
): Omit<ProjectState, 'issueIid' | 'issueRng'> {
  const members = structure.users.filter((u) => accessLevel(u, project) >= ACCESS.developer);
  const maintainers = members.filter((u) => accessLevel(u, project) >= ACCESS.maintainer);
  if (maintainers.length === 0) throw new Error(`${project.pathWithNamespace} has no maintainer`);
  let head: Commit | null = null;
  for (let i = 3; i >= 1; i--) {
    const author = rng.pick(members);
    const at = start - i * rng.int(6 * HOUR, 3 * DAY);
    const title = i === 3 ? 'Initial commit' : rng.pick(['Set up CI', 'Add deploy jobs', 'Add README']);
    head = makeCommit(rng, author, at, title, head ? [head.sha] : [], SETUP);
    project.commits.push({ commit: head, mainline: true, visibleAt: at });
    project.lastActivityAt = at;
  }
  if (!head) throw new Error('unreachable');
  return {
    rng,
    head,
    mrIid: 0,
    pipelineIid: 0,
    deploymentIid: 0,
    serial: rng.int(20, 400),
    contributors: members,
    maintainers,
  };
}
