import { z } from 'zod';

/*
 * `login: { github: { orgs, teams } }`: who may use an app behind the sign-in at the edge
 * (charts/sign-in.ts, oauth2-proxy with GitHub). oauth2-proxy's GitHub provider puts the signed-in
 * user's organisations (`acme`) and teams (`acme:ops`) into the session's groups, and its
 * /oauth2/auth and proxy endpoints check them per request against `allowed_groups`: each app's
 * ForwardAuth middleware asks with its own set (lib/constructs/login.ts). Anyone in any listed org
 * or team gets in; everyone else gets 403.
 *
 * `users` is read (so a typo is named) but refused: oauth2-proxy v7 checks GitHub logins only at
 * sign-in and for the whole proxy (`--github-user`), not per request, so a per-app list of users
 * cannot be kept by one sign-in for every app (upstream PR oauth2-proxy#3325 adds `allowed_users`).
 * A person outside any organisation is admitted by inviting them to one (a free organisation, with
 * a team per group of people) and listing it.
 */

/** A GitHub login (user or organisation): letters, digits and single inner dashes, at most 39 characters. */
export const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** A team as GitHub writes it, `org/team-slug` (the slug is lowercase). */
export const GITHUB_TEAM = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([a-z0-9](?:[a-z0-9_-]{0,98}[a-z0-9])?)$/;

const login = (what: string) => z.string().regex(GITHUB_LOGIN, `a GitHub ${what} login such as octo-${what} (letters, digits and single dashes, at most 39 characters)`);
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).min(1, 'at least one entry (leave the field out instead)').optional();

export const loginSchema = z
  .strictObject({
    github: z.strictObject({
      /** GitHub users (logins): read, so that a typo is named, and refused with the reason (see above). */
      users: list(login('user')),
      /** Members of these organisations may pass (the login as GitHub spells it: case matters). */
      orgs: list(login('org')),
      /** Members of these teams, `org/team-slug` as in the team's URL. */
      teams: list(z.string().regex(GITHUB_TEAM, "a GitHub team as org/team-slug, such as octo-org/ops (the slug from the team's URL)")),
    }),
  })
  .superRefine(({ github }, ctx) => {
    if (github.users) {
      ctx.addIssue({ code: 'custom', path: ['github', 'users'], message: 'orgs or teams instead: oauth2-proxy v7 checks GitHub users only for the whole sign-in, not per app (invite them to a GitHub organisation, or a team in one, and list that)' });
    } else if (!github.orgs && !github.teams) {
      ctx.addIssue({ code: 'custom', path: ['github'], message: 'orgs or teams (a login that anyone with a GitHub account passes keeps nothing private)' });
    }
  });

export type LoginInput = z.output<typeof loginSchema>;

/** Who may pass an app's (or a platform UI's) login: oauth2-proxy groups, `org` or `org:team`. */
export interface LoginSpec {
  readonly groups: readonly string[];
}

/** The groups a validated login admits, sorted and each once. */
export function loginGroups(input: LoginInput): LoginSpec {
  const { orgs = [], teams = [] } = input.github;
  return { groups: [...new Set([...orgs, ...teams.map((t) => t.replace('/', ':'))])].sort() };
}
