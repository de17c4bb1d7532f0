// Repository commits. The default branch lists every commit reachable from it (merge commits, direct
// pushes and the commits merged MRs brought in), newest committed first; `first_parent=true` keeps the
// merge commits and direct pushes. An MR's source branch lists its commits on top of its base; an
// unknown ref lists nothing. `since`/`until` bound the committed date, both inclusive.

import { authorizedProject, paged, requireUser, type Handler } from './context.js';
import { notFound } from './errors.js';
import type { Commit, Project } from './model.js';
import { commitDetail, commitJson } from './render-commit.js';

function mainHistory(project: Project, firstParent: boolean): Commit[] {
  const entries = project.commits.map((c, index) => ({ c, index })).filter((e) => !firstParent || e.c.mainline);
  entries.sort((a, b) => b.c.commit.committedAt - a.c.commit.committedAt || b.index - a.index);
  return entries.map((e) => e.c.commit);
}

function historyOf(project: Project, ref: string | undefined, firstParent: boolean): Commit[] {
  if (ref === undefined || ref === project.defaultBranch || ref === 'HEAD') return mainHistory(project, firstParent);
  const mr = project.mergeRequests.find((m) => m.sourceBranch === ref && m.state === 'opened' && !m.deleted);
  if (!mr) return [];
  const base = mainHistory(project, firstParent);
  const at = base.findIndex((c) => c.sha === mr.baseSha);
  return [...[...mr.commits].reverse(), ...(at >= 0 ? base.slice(at) : [])];
}

export const listCommits: Handler = (ctx, [id = '']) => {
  const caller = requireUser(ctx);
  const p = ctx.params;
  const ref = p.string('ref_name');
  const since = p.dateTime('since');
  const until = p.dateTime('until');
  const withStats = p.bool('with_stats') ?? false;
  const firstParent = p.bool('first_parent') ?? false;
  const author = p.string('author')?.toLowerCase();
  p.bool('all');
  p.oneOf('order', ['default', 'topo'] as const);
  p.done();
  const project = authorizedProject(ctx, caller, id, 'read_code');
  const rows = historyOf(project, ref, firstParent).filter(
    (c) =>
      (since === undefined || c.committedAt >= since) &&
      (until === undefined || c.committedAt <= until) &&
      (!author || c.author.name.toLowerCase().includes(author) || c.author.email.includes(author)),
  );
  return paged(ctx, rows, (c) => commitJson(c, project, ctx.base, withStats));
};

export const getCommit: Handler = (ctx, [id = '', sha = '']) => {
  const caller = requireUser(ctx);
  const withStats = ctx.params.bool('stats') ?? true;
  ctx.params.done();
  const project = authorizedProject(ctx, caller, id, 'read_code');
  const all = [
    ...mainHistory(project, false),
    ...project.mergeRequests.filter((m) => !m.deleted).flatMap((m) => m.commits),
  ];
  const head = project.commits.filter((c) => c.mainline).at(-1)?.commit;
  const commit =
    sha === project.defaultBranch
      ? head
      : sha.length >= 7
        ? all.find((c) => c.sha.startsWith(sha.toLowerCase()))
        : undefined;
  if (!commit) throw notFound('Commit');
  const last = project.pipelines.filter((pl) => pl.commit.sha === commit.sha && !pl.deleted).at(-1) ?? null;
  return { body: commitDetail(commit, project, ctx.base, last, ctx.now, withStats) };
};
