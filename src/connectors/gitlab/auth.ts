import { AppError } from '../../core/errors.js';
import { createHttpClient } from '../../http/client.js';
import type { ConnectorContext, OAuthSupport, OAuthTokens } from '../connector.js';
import { GitLabApi, type GitLabAuth } from './api.js';
import { GITLAB_CLOUD_URL, type GitLabSettings } from './spec.js';

// Refresh an OAuth access token this long before it expires, so a page never starts with a dying token.
const REFRESH_EARLY_MS = 5 * 60_000;

/** An OAuth integration nobody has signed in for yet: stops the sync like a refused token. */
export class SignInNeeded extends AppError {
  constructor(
    message = 'This GitLab integration is not authorized yet: sign in with GitLab (POST /v1/integrations/:id/oauth/authorize).',
  ) {
    super('upstream_unauthorized', message, { status: 409 });
  }
}

// What the integration asks for: read access to the API (GitLab's read_api scope).
const OAUTH_SCOPE = 'read_api';

/** The answer of GitLab's `POST /oauth/token`. */
interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in?: number;
  created_at?: number;
  scope?: string;
}

/** Exchanges a grant at `/oauth/token` (authorization code or refresh token); answers the tokens to keep. */
export async function oauthTokenRequest(
  settings: GitLabSettings,
  grant: Record<string, string>,
  ctx: Pick<ConnectorContext<GitLabSettings>, 'clock' | 'sleep' | 'signal'>,
): Promise<OAuthTokens> {
  const base = (settings.url ?? GITLAB_CLOUD_URL).replace(/\/+$/, '');
  const secrets = [settings.oauth_client_secret ?? '', ...Object.values(grant)].filter((s) => s.length >= 8);
  const http = createHttpClient({ baseUrl: base, upstream: 'GitLab', secrets, ...ctx, retry: { maxTotalAttempts: 3 } });
  const res = await http.post<TokenAnswer>('/oauth/token', {
    client_id: settings.oauth_client_id,
    client_secret: settings.oauth_client_secret,
    ...grant,
  });
  const t = res.body;
  if (typeof t?.access_token !== 'string' || typeof t.refresh_token !== 'string') {
    throw new Error('GitLab answered /oauth/token without tokens.');
  }
  return {
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    expires_at: ctx.clock.now() + (t.expires_in ?? 7200) * 1000,
    scope: t.scope ?? '',
  };
}

/** Credentials for the API client: the PAT, or OAuth tokens refreshed before they expire and after a 401. */
export function gitlabAuth(ctx: ConnectorContext<GitLabSettings>): GitLabAuth {
  const { settings } = ctx;
  if (settings.auth !== 'oauth') {
    const token = settings.token;
    if (token === undefined || token === '') throw new Error('No personal access token is set.');
    return { kind: 'pat', token: async () => token };
  }
  const store = ctx.oauth;
  if (store === undefined) throw new Error('OAuth tokens are not available here.');
  let current: OAuthTokens | null | undefined;
  const refresh = async (): Promise<boolean> => {
    const known = current ?? (await store.load());
    if (known === null) return false;
    try {
      current = await oauthTokenRequest(
        settings,
        { grant_type: 'refresh_token', refresh_token: known.refresh_token },
        ctx,
      );
    } catch (err) {
      const status = (err as { upstreamStatus?: number }).upstreamStatus;
      if (status !== 400 && status !== 401) throw err;
      const says = (err as { upstreamMessage?: string }).upstreamMessage;
      throw new SignInNeeded(
        `GitLab refused to renew the sign-in (revoked, or the application changed)${says === undefined ? '' : `: "${says}"`}. ` +
          'Re-authenticate the integration (POST /v1/integrations/:id/oauth/authorize); its data and settings stay.',
      );
    }
    await store.save(current);
    return true;
  };
  return {
    kind: 'oauth',
    async token() {
      current ??= await store.load();
      if (current === null) throw new SignInNeeded();
      if (current.expires_at - REFRESH_EARLY_MS <= ctx.clock.now()) await refresh();
      return current!.access_token;
    },
    refresh,
  };
}

/** The API client of a connector context (one per sync job: one rate budget, one token source). */
export async function gitlabApi(ctx: ConnectorContext<GitLabSettings>): Promise<GitLabApi> {
  const known = ctx.memo?.get('gitlab.api');
  if (known instanceof GitLabApi) return known;
  const api = new GitLabApi(ctx.settings, gitlabAuth(ctx), ctx);
  ctx.memo?.set('gitlab.api', api);
  return api;
}

/** GitLab's OAuth provider: `/oauth/authorize` with PKCE (S256), `/oauth/token` for the code. */
export const gitlabOAuth: OAuthSupport<GitLabSettings> = {
  uses: (settings) => settings.auth === 'oauth',
  authorizeUrl(settings, p) {
    const base = (settings.url ?? GITLAB_CLOUD_URL).replace(/\/+$/, '');
    const q = new URLSearchParams({
      client_id: settings.oauth_client_id ?? '',
      redirect_uri: p.redirectUri,
      response_type: 'code',
      state: p.state,
      scope: OAUTH_SCOPE,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
    });
    return `${base}/oauth/authorize?${q.toString()}`;
  },
  async exchange(ctx, p) {
    const tokens = await oauthTokenRequest(
      ctx.settings,
      { grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri, code_verifier: p.verifier },
      ctx,
    );
    const api = new GitLabApi(ctx.settings, { kind: 'oauth', token: async () => tokens.access_token }, ctx);
    const user = await api.user().catch(() => null);
    return { tokens, user: user?.username ?? null };
  },
};
