// Who may do what and see what, in one place (docs/security.md). Roles come from the caller's Keystone token;
// which roles mean what is configurable (POLICY_*_ROLES), with the services' own defaults:
// - reading and advising: reader, member or admin (Keystone's default roles; admin implies member implies reader,
//   but a token lists implied roles only where the inference rules exist, so each is accepted explicitly);
// - admin: Glance's and Nova's `context_is_admin` (role:admin): every image and flavor, and starting a sync;
// - host-level data (host names, per-host and per-provider figures, sync job internals): admin, as Nova's
//   os-hypervisors and Placement's default policies allow only admin (role:admin, rule:admin_api).

/** Who is asking, as far as what they may see is concerned. */
export interface Caller {
  /** The token's project; null for the operator's own unscoped use (AUTH_MODE=none, the CLI), which sees all. */
  project: string | null;
  /** Glance's and Nova's is_admin: every image and flavor by id, listings as the services list them to admin. */
  admin: boolean;
  /** May see host names, per-host and per-provider figures and sync job internals; else aggregates only. */
  hostDetail: boolean;
}

/** The operator on the service's own machine or in the open demo: nothing is scoped. */
export const UNSCOPED: Caller = { project: null, admin: true, hostDetail: true };

/** What a /v1 route needs: `read` (advise, list) or `admin` (start a sync). */
export type Access = 'read' | 'admin';

export interface PolicyRoles {
  reader: readonly string[];
  admin: readonly string[];
  hostDetail: readonly string[];
}

export const DEFAULT_POLICY_ROLES: PolicyRoles = {
  reader: ['reader', 'member', 'admin'],
  admin: ['admin'],
  hostDetail: ['admin'],
};

export class Policy {
  constructor(private readonly roles: PolicyRoles = DEFAULT_POLICY_ROLES) {}

  /** The roles any of which grants `access`, for the 403's message. */
  rolesFor(access: Access): readonly string[] {
    return access === 'admin' ? this.roles.admin : [...new Set([...this.roles.reader, ...this.roles.admin])];
  }

  allows(access: Access, roles: readonly string[]): boolean {
    const granted = this.rolesFor(access);
    return roles.some((r) => granted.includes(r));
  }

  /** The caller a validated token makes; role names compare case-insensitively, as Keystone's do. */
  callerOf(token: { projectId: string | null; roles: readonly string[] }): Caller {
    const has = (wanted: readonly string[]) => token.roles.some((r) => wanted.includes(r.toLowerCase()));
    return { project: token.projectId, admin: has(this.roles.admin), hostDetail: has(this.roles.hostDetail) };
  }
}
