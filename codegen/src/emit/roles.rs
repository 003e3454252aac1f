//! The SQL of the membership and role steps: the binding functions for role and member, the policies that
//! let a user outside any tenant read their own memberships and tenants, the rank rules of the membership
//! table, and the restrictive policies of `@@writableBy`. Every rule reads the role through
//! `trato_current_role()`, bound by the runtime with the tenant (`SYSTEM` for the system scope), and fails
//! closed: with no role bound, a restricted write is refused.

use super::sql::{lit, q};
use crate::dbmodel::*;

/// `(SELECT "trato_current_role"())`: evaluated once per statement (an init plan), like the tenant.
fn current_role() -> String {
    format!("(SELECT {}())", q(CURRENT_ROLE_FN))
}

fn is_system() -> String {
    format!("{} = {}", current_role(), lit(SYSTEM_ROLE))
}

/// `array_position(ARRAY['OWNER', ...], x)`: a role's rank, 1 for the highest; NULL for no role.
fn rank(ranks: &[String], of: &str) -> String {
    let list: Vec<String> = ranks.iter().map(|r| lit(r)).collect();
    format!("array_position(ARRAY[{}]::text[], {of})", list.join(", "))
}

pub(super) fn membership_setup(m: &DbMembership, functions: bool) -> String {
    let (t, user, role) = (q(&m.table), q(&m.user), q(&m.role));
    let (current_user, current_tenant) = (
        format!("(SELECT {}())", q(CURRENT_USER_FN)),
        format!("(SELECT {}())", q(CURRENT_TENANT_FN)),
    );
    // The row's role is not above the actor's (rank numbers grow downwards).
    let not_above = format!(
        "{} >= {}",
        rank(&m.ranks, &format!("{role}::text")),
        rank(&m.ranks, &current_role())
    );
    let not_self = format!("{user} IS DISTINCT FROM {current_user}");
    let policies = format!(
        "-- Outside any tenant, a user reads their own memberships and the tenants they belong to, nothing else.
CREATE POLICY \"member_self\" ON {t} FOR SELECT USING ({current_tenant} IS NULL AND {user} = {current_user});
CREATE POLICY \"member_self\" ON {root} FOR SELECT USING ({current_tenant} IS NULL AND EXISTS (SELECT 1 FROM {t} m WHERE m.{tenant} = {root}.{root_id} AND m.{user} = {current_user}));

-- Nobody changes their own membership, or gives, changes or removes a role above their own.
CREATE POLICY \"member_rank_insert\" ON {t} AS RESTRICTIVE FOR INSERT WITH CHECK ({system} OR {not_above});
CREATE POLICY \"member_rank_update\" ON {t} AS RESTRICTIVE FOR UPDATE USING ({system} OR ({not_self} AND {not_above})) WITH CHECK ({system} OR ({not_self} AND {not_above}));
CREATE POLICY \"member_rank_delete\" ON {t} AS RESTRICTIVE FOR DELETE USING ({system} OR {not_above});",
        root = q(&m.root_table),
        root_id = q(&m.root_id),
        tenant = q(&m.tenant),
        system = is_system(),
    );
    if !functions {
        return policies;
    }
    format!(
        "-- Binds tenant, role and member of the current transaction with SET LOCAL (bound parameters).
CREATE FUNCTION {bind}(tenant TEXT, member_role TEXT, member TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL {tenant_setting} = %L', coalesce(tenant, ''));
    EXECUTE format('SET LOCAL trato.role = %L', coalesce(member_role, ''));
    EXECUTE format('SET LOCAL trato.user_id = %L', coalesce(member, ''));
END
$$;
CREATE FUNCTION {cur_role}() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('trato.role', true), '')
$$;
CREATE FUNCTION {cur_user}() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('trato.user_id', true), '')
$$;
GRANT EXECUTE ON FUNCTION {bind}(TEXT, TEXT, TEXT), {cur_role}(), {cur_user}() TO {app};

{policies}",
        bind = q(BIND_FN),
        tenant_setting = TENANT_SETTING,
        cur_role = q(CURRENT_ROLE_FN),
        cur_user = q(CURRENT_USER_FN),
        app = q(APP_ROLE),
    )
}

pub(super) fn membership_teardown(m: &DbMembership, functions: bool) -> String {
    let t = q(&m.table);
    let mut s = format!(
        "DROP POLICY \"member_rank_delete\" ON {t};\nDROP POLICY \"member_rank_update\" ON {t};\n\
         DROP POLICY \"member_rank_insert\" ON {t};\nDROP POLICY \"member_self\" ON {root};\n\
         DROP POLICY \"member_self\" ON {t};",
        root = q(&m.root_table),
    );
    if functions {
        s.push_str(&format!(
            "\nDROP FUNCTION {}();\nDROP FUNCTION {}();\nDROP FUNCTION {}(TEXT, TEXT, TEXT);",
            q(CURRENT_USER_FN),
            q(CURRENT_ROLE_FN),
            q(BIND_FN)
        ));
    }
    s
}

pub(super) fn restrict_writes(table: &str, roles: &[String]) -> String {
    let mut allowed: Vec<String> = roles.iter().map(|r| lit(r)).collect();
    allowed.push(lit(SYSTEM_ROLE));
    let ok = format!("{} = ANY (ARRAY[{}]::text[])", current_role(), allowed.join(", "));
    let t = q(table);
    format!(
        "CREATE POLICY \"role_insert\" ON {t} AS RESTRICTIVE FOR INSERT WITH CHECK ({ok});\n\
         CREATE POLICY \"role_update\" ON {t} AS RESTRICTIVE FOR UPDATE USING ({ok}) WITH CHECK ({ok});\n\
         CREATE POLICY \"role_delete\" ON {t} AS RESTRICTIVE FOR DELETE USING ({ok});"
    )
}

pub(super) fn unrestrict_writes(table: &str) -> String {
    let t = q(table);
    format!(
        "DROP POLICY \"role_delete\" ON {t};\nDROP POLICY \"role_update\" ON {t};\nDROP POLICY \"role_insert\" ON {t};"
    )
}
