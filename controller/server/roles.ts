/**
 * Roles and what each may do. Roles are ordered: each includes everything of the ones before it, so a
 * check is one comparison. Pure: the router asks `allows(role, verb)` before a handler runs.
 */
export const ROLES = ['viewer', 'submitter', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route does, in the words of the role table (docs/api.md, "Roles"). */
export type Verb =
  /** get, list, watch, read logs */
  | 'read'
  /** create runs, cancel runs */
  | 'submit'
  /** kill runs, delete runs, create/replace/delete pools */
  | 'operate'
  /** manage tokens */
  | 'administer';

const LEAST_ROLE: Record<Verb, Role> = { read: 'viewer', submit: 'submitter', operate: 'operator', administer: 'admin' };

export function allows(role: Role, verb: Verb): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(LEAST_ROLE[verb]);
}

export function leastRoleFor(verb: Verb): Role {
  return LEAST_ROLE[verb];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
