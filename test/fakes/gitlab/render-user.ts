// Users as the API shows them: `UserBasic` inside other objects, the fuller public profile on jobs,
// and `/user` for the token's owner.

import { deriveSeed } from '../common/prng.js';
import type { User } from './model.js';
import { dateOnly, iso } from './time.js';

export type Json = Record<string, unknown>;

function avatarHash(user: User): string {
  return [1, 2, 3, 4].map((i) => deriveSeed(user.id, user.username, String(i)).toString(16).padStart(8, '0')).join('');
}

export function userBasic(user: User, base: string): Json {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: `https://secure.gravatar.com/avatar/${avatarHash(user)}?s=80&d=identicon`,
    web_url: `${base}/${user.username}`,
  };
}

/** `Entities::User`: what jobs and deployables embed. */
export function userPublic(user: User, base: string): Json {
  return {
    ...userBasic(user, base),
    created_at: iso(user.createdAt),
    bio: '',
    location: '',
    public_email: '',
    skype: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: 'Acme',
    job_title: user.jobTitle,
    pronouns: null,
    bot: false,
    work_information: `${user.jobTitle} at Acme`,
    followers: 0,
    following: 0,
    is_followed: false,
    local_time: null,
  };
}

/** `GET /user`: the caller's own profile, with the private fields. */
export function currentUser(user: User, base: string, now: number): Json {
  const lastSignIn = now - 3 * 3_600_000;
  return {
    ...userPublic(user, base),
    last_sign_in_at: iso(lastSignIn - 86_400_000),
    confirmed_at: iso(user.createdAt + 60_000),
    last_activity_on: dateOnly(now),
    email: user.email,
    theme_id: 1,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: iso(lastSignIn),
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: true,
    external: false,
    private_profile: false,
    commit_email: user.email,
    shared_runners_minutes_limit: null,
    extra_shared_runners_minutes_limit: null,
    scim_identities: [],
  };
}
