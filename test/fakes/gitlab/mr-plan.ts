// Plans a merge request's whole life when it is opened: the commits pushed before and during review,
// review comments (diff notes that get resolved, replies), approvals, draft → ready, and how it ends
// (merged after minutes to days, closed, or left open). The simulation turns the plan into events.

import { COMMIT_MESSAGES, FILES, LABELS, MR_TITLES, REPLIES, REVIEW_COMMENTS } from './texts.js';
import { pipelineSpec, preparePipeline } from './jobs-plan.js';
import type { Commit, MergeRequest, Note, PipelineSpec, Project, User } from './model.js';
import type { Rng } from './prng.js';
import { DAY, HOUR, MINUTE, SECOND } from './time.js';

/** A note as it will be posted at `at` (it gets its id then), and what it does to the merge request. */
export interface NotePlan extends Omit<Note, 'id' | 'createdAt'> {
  at: number;
  effect?: 'approve' | 'ready';
}

export interface PushPlan {
  at: number;
  commits: Commit[];
}

/** The merge request as it is opened (the fields it takes over), and everything that will happen to it. */
export interface MrPlan extends Pick<
  MergeRequest,
  'title' | 'description' | 'author' | 'reviewers' | 'sourceBranch' | 'labels' | 'draft'
> {
  openAt: number;
  /** `pushes[0]` is the branch as it was when the MR was opened. */
  pushes: PushPlan[];
  notes: NotePlan[];
  /** One merge-request pipeline per push. */
  pipelines: PipelineSpec[];
  outcome: { kind: 'merge' | 'close'; at: number; by: User } | null;
}

export interface MrPlanInput {
  rng: Rng;
  project: Project;
  openAt: number;
  author: User;
  /** People who review and approve (maintainers first). */
  reviewers: User[];
  baseSha: string;
  serial: number;
}

type Kind = 'quick' | 'normal' | 'long' | 'closed' | 'stale';

const KINDS: readonly (readonly [Kind, number])[] = [
  ['quick', 38],
  ['normal', 32],
  ['long', 15],
  ['closed', 8],
  ['stale', 7],
];

type Range = readonly [number, number];

/** Per kind, inclusive ranges: how long the review runs, how many pushes and review comments it gets. */
const SHAPES: Record<Kind, { span: Range; pushes: Range; comments: Range }> = {
  quick: { span: [30 * MINUTE, 6 * HOUR], pushes: [0, 1], comments: [0, 1] },
  normal: { span: [6 * HOUR, 3 * DAY], pushes: [1, 2], comments: [1, 4] },
  long: { span: [3 * DAY, 12 * DAY], pushes: [2, 4], comments: [2, 6] },
  closed: { span: [DAY, 10 * DAY], pushes: [0, 2], comments: [0, 3] },
  stale: { span: [2 * DAY, 6 * DAY], pushes: [0, 2], comments: [0, 2] },
};

/** Lines added and removed by an everyday commit. */
const EVERYDAY: { additions: Range; deletions: Range } = { additions: [1, 240], deletions: [0, 120] };

/** A commit `author` makes at `at` on top of `parents` (merge commits have two). */
export function makeCommit(
  rng: Rng,
  author: User,
  at: number,
  title: string,
  parents: string[],
  size = EVERYDAY,
): Commit {
  return {
    sha: rng.hex(40),
    title,
    message: `${title}\n`,
    author,
    committer: author,
    authoredAt: at,
    committedAt: at,
    parents,
    additions: rng.int(...size.additions),
    deletions: rng.int(...size.deletions),
  };
}

function branchName(title: string, serial: number, rng: Rng): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${rng.pick(['feature', 'fix', 'chore'])}/${serial}-${slug}`;
}

export function planMergeRequest(input: MrPlanInput): MrPlan {
  const { rng, openAt, author, project } = input;
  const kind = rng.weighted(KINDS);
  const shape = SHAPES[kind];
  const span = rng.int(...shape.span);
  const end = openAt + span;
  const title = rng.pick(MR_TITLES);
  const reviewers = rng.shuffle(input.reviewers.filter((r) => r !== author)).slice(0, rng.int(1, 2));
  let head = input.baseSha;
  const commitAt = (at: number, message: string): Commit => {
    const c = makeCommit(rng, author, at, message, [head]);
    head = c.sha;
    return c;
  };
  const initialCount = rng.int(1, 3);
  const firstAt = openAt - rng.int(20 * MINUTE, 30 * HOUR);
  const initial = Array.from({ length: initialCount }, (_, i) =>
    commitAt(
      firstAt + Math.floor(((openAt - 5 * MINUTE - firstAt) * i) / initialCount),
      i === 0 ? title : rng.pick(COMMIT_MESSAGES),
    ),
  );
  const pushTimes = Array.from(
    { length: rng.int(...shape.pushes) },
    () => openAt + rng.int(20 * MINUTE, Math.floor(span * 0.85)),
  )
    .sort((a, b) => a - b)
    .map((at, i, all) => Math.max(at, (all[i - 1] ?? 0) + 5 * MINUTE));
  const pushes: PushPlan[] = [
    { at: openAt, commits: initial },
    ...pushTimes.map((at) => ({
      at,
      commits: [commitAt(at - rng.int(MINUTE, 20 * MINUTE), rng.pick(COMMIT_MESSAGES))],
    })),
  ];
  const outcomeKind = kind === 'closed' ? 'close' : kind === 'stale' ? null : 'merge';
  const pipelines = pushes.map((p, i) =>
    pipelineSpec('mr', rng.seed(), p.at + rng.int(2 * SECOND, 8 * SECOND), {
      mustPass: outcomeKind === 'merge' && i === pushes.length - 1,
    }),
  );
  // A newer push's pipeline auto-cancels the one before it.
  pipelines.forEach((spec, i) => (spec.cancelAt = pipelines[i + 1]?.createdAt ?? null));
  const draft = rng.chance(0.2);
  const readyAt = draft ? openAt + Math.floor(span * 0.3) : openAt;
  const notes: NotePlan[] = [];
  const system = (at: number, by: User, body: string, effect?: NotePlan['effect']): void => {
    notes.push({ ...systemNote(at, by, body), ...(effect ? { effect } : {}) });
  };
  system(openAt + SECOND, author, `assigned to @${author.username}`);
  if (draft) system(readyAt, author, 'marked this merge request as **ready**', 'ready');
  const names = reviewers.map((r) => `@${r.username}`).join(' and ');
  if (reviewers.length > 0) system(readyAt + 2 * SECOND, author, `requested review from ${names}`);
  const reviewWindow = { author, reviewers, from: readyAt + 30 * MINUTE, to: end - 10 * MINUTE, pushTimes };
  planComments(rng, notes, reviewWindow, shape.comments);
  let outcome: MrPlan['outcome'] = null;
  const last = pipelines[pipelines.length - 1];
  if (outcomeKind === 'merge' && last) {
    const ciEnd = preparePipeline(last, project).transitions.at(-1)?.at ?? end;
    const at = Math.max(end, ciEnd + rng.int(2 * MINUTE, 40 * MINUTE));
    // Approvals come after the last push and before the merge.
    const lower = Math.max(readyAt + 2 * MINUTE, (pushes.at(-1)?.at ?? openAt) + MINUTE);
    reviewers.forEach((r, i) =>
      system(
        lower + rng.int(0, Math.max(0, at - lower - MINUTE)) + i * SECOND,
        r,
        'approved this merge request',
        'approve',
      ),
    );
    outcome = { kind: 'merge', at, by: reviewers[0] ?? author };
  } else if (outcomeKind === 'close') {
    outcome = { kind: 'close', at: end, by: rng.chance(0.7) ? author : (reviewers[0] ?? author) };
  }
  notes.sort((a, b) => a.at - b.at);
  return {
    title,
    description: `${rng.pick(['Closes', 'Part of', 'Relates to'])} #${rng.int(10, 900)}.\n\n## What\n\n${title}.`,
    author,
    reviewers,
    sourceBranch: branchName(title, input.serial, rng),
    labels: rng.shuffle(LABELS).slice(0, rng.int(0, 2)).sort(),
    draft,
    openAt,
    pushes,
    notes,
    pipelines,
    outcome,
  };
}

/** A plain note: not resolvable, no position. */
function plainNote(at: number, author: User, body: string, system: boolean): NotePlan {
  return {
    at,
    author,
    body,
    system,
    type: null,
    resolvable: false,
    resolvedAt: null,
    resolvedBy: null,
    position: null,
  };
}

/** A system note ("assigned to", "added 2 commits", "merged", ...). */
export function systemNote(at: number, author: User, body: string): NotePlan {
  return plainNote(at, author, body, true);
}

interface CommentWindow {
  author: User;
  reviewers: User[];
  from: number;
  to: number;
  pushTimes: number[];
}

/** Review comments: diff notes resolved by the next push, general comments, and some replies. */
function planComments(rng: Rng, notes: NotePlan[], w: CommentWindow, counts: Range): void {
  if (w.reviewers.length === 0 || w.to <= w.from) return;
  const count = rng.int(...counts);
  for (let i = 0; i < count; i++) {
    const at = rng.int(w.from, w.to);
    const by = rng.pick(w.reviewers);
    const diff = rng.chance(0.6);
    const fix = w.pushTimes.find((p) => p > at);
    const note: NotePlan = {
      ...plainNote(at, by, rng.pick(REVIEW_COMMENTS), false),
      type: diff ? 'DiffNote' : rng.chance(0.5) ? 'DiscussionNote' : null,
      resolvable: diff,
      resolvedAt: diff && fix !== undefined ? fix + MINUTE : null,
      resolvedBy: diff && fix !== undefined ? w.author : null,
      position: diff ? { path: rng.pick(FILES), line: rng.int(3, 400) } : null,
    };
    notes.push(note);
    if (rng.chance(0.5)) {
      notes.push({ ...note, at: at + rng.int(10 * MINUTE, 2 * HOUR), author: w.author, body: rng.pick(REPLIES) });
    }
  }
}
