import { z } from 'zod';

/*
 * `login: { github: { users, orgs, teams } }`: who may use an app behind the sign-in at the edge
 * (charts/sign-in.ts, oauth2-proxy with GitHub). Anyone listed, or in a listed org or team, gets
 * in; everyone else is refused.
 *
 * Orgs and teams are checked per request: oauth2-proxy's GitHub provider puts the signed-in user's
 * organisations (`acme`) and teams (`acme:ops`) into the session's groups, and its proxy endpoint
 * checks them against `allowed_groups`, so one shared sign-in serves every such app, each asking
 * with its own set (lib/constructs/login.ts).
 *
 * Users are not: oauth2-proxy v7 checks GitHub logins (`--github-user`) only at sign-in, for the
 * whole proxy. A login that names users therefore gets a sign-in of its own (one more small
 * oauth2-proxy, with its own session cookie), which lets only those users, or members of what the
 * login also lists, sign in at all. Beside users, that sign-in takes one `--github-org`, and teams
 * only as slugs of that org (`--github-team`, which it ANDs with the org, and never checks without
 * one): so with users, at most one org, or teams of one org, and synth refuses the rest rather than
 * admit other people than listed.
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
      /** GitHub users, by login as GitHub spells it (github.com/<login>): oauth2-proxy compares the case too. */
      users: list(login('user')),
      /** Members of these organisations may pass (the login as GitHub spells it: case matters). */
      orgs: list(login('org')),
      /** Members of these teams, `org/team-slug` as in the team's URL. */
      teams: list(z.string().regex(GITHUB_TEAM, "a GitHub team as org/team-slug, such as octo-org/ops (the slug from the team's URL)")),
    }),
  })
  .superRefine(({ github }, ctx) => {
    const { users, orgs, teams } = github;
    if (!users && !orgs && !teams) {
      ctx.addIssue({ code: 'custom', path: ['github'], message: 'users, orgs or teams (a login that anyone with a GitHub account passes keeps nothing private)' });
    } else if (users && orgs && orgs.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['github', 'orgs'], message: "at most one org beside users (a login with users has its own sign-in, and oauth2-proxy's takes one --github-org: list the other org's people as users, or a team)" });
    } else if (users && orgs && teams) {
      ctx.addIssue({ code: 'custom', path: ['github', 'teams'], message: `no teams beside users and an org (oauth2-proxy's own sign-in would let in only who is in both the org and a team): the org's members pass anyway; list the teams' people as users, or drop the org` });
    } else if (users && teams && new Set(teams.map((t) => t.split('/')[0]!)).size > 1) {
      ctx.addIssue({ code: 'custom', path: ['github', 'teams'], message: "teams of one org, spelled alike, beside users (a login with users has its own sign-in, and oauth2-proxy's takes the teams of one --github-org, compared as spelled): list the other org's people as users" });
    }
  });

export type LoginInput = z.output<typeof loginSchema>;

/** Who may pass an app's (or a platform UI's) login. */
export interface LoginSpec {
  /** oauth2-proxy groups, `org` or `org:team`, sorted and each once. */
  readonly groups: readonly string[];
  /** GitHub logins, sorted and each once; none for a login the shared sign-in keeps. */
  readonly users: readonly string[];
}

/** The groups and users a validated login admits. */
export function loginGroups(input: LoginInput): LoginSpec {
  const { users = [], orgs = [], teams = [] } = input.github;
  return { groups: [...new Set([...orgs, ...teams.map((t) => t.replace('/', ':'))])].sort(), users: [...new Set(users)].sort() };
}
