//! The tenancy health page: for each tenant-owned table, what isolation depends on, read from the live
//! catalog (as the owner): row-level security enabled and forced, a policy on the tenant binding, indexes
//! led by the tenant key, uniques that include it, foreign keys that carry it, and a live count of rows
//! whose referenced row belongs to another tenant (must be 0). Plus the application role's own rights.

use maud::{html, Markup};
use trato_hive_runtime::{Db, Error};

use crate::catalog::{Catalog, Kind};
use crate::data::q;

/// One check of one table.
pub struct Check {
    pub table: String,
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

async fn one_bool(db: &Db, sql: &str, params: &[&(dyn trato_hive_runtime::ToSql + Sync)]) -> Result<bool, Error> {
    Ok(db
        .query(sql, params)
        .await?
        .first()
        .is_some_and(|r| r.get::<_, bool>(0)))
}

/// Every check, in table order.
pub async fn checks(owner: &Db, app_user: &str, catalog: &Catalog) -> Result<Vec<Check>, Error> {
    let mut out = Vec::new();
    let role = owner
        .query(
            "SELECT r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = $1",
            &[&app_user],
        )
        .await?;
    let (sup, bypass) = role.first().map_or((false, false), |r| (r.get(0), r.get(1)));
    out.push(Check {
        table: String::new(),
        what: format!("application role `{app_user}`"),
        ok: !role.is_empty() && !sup && !bypass,
        detail: if role.is_empty() {
            "missing".into()
        } else if sup || bypass {
            "superuser or BYPASSRLS: row-level security does not apply to it".into()
        } else {
            "no superuser, no BYPASSRLS".into()
        },
    });
    for m in catalog.models.iter().filter(|m| m.kind == Kind::Tenant && !m.view) {
        let Some(key) = m.tenant_field.as_deref().and_then(|f| m.column(f)) else {
            continue;
        };
        let rel = m.table_sql.as_str();
        let flags = owner
            .query(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) <> $2
                   FROM pg_class c WHERE c.oid = $1::text::regclass",
                &[&rel, &app_user],
            )
            .await?;
        let (enabled, forced, not_owned) = flags
            .first()
            .map_or((false, false, false), |r| (r.get(0), r.get(1), r.get(2)));
        let mut push = |what: &str, ok: bool, detail: String| {
            out.push(Check {
                table: m.name.clone(),
                what: what.into(),
                ok,
                detail,
            })
        };
        push(
            "row-level security enabled and forced",
            enabled && forced && not_owned,
            match (enabled, forced) {
                (true, true) => "ENABLE + FORCE".into(),
                (true, false) => "enabled, not FORCED: the table's owner bypasses it".into(),
                _ => "not enabled: every role sees every tenant".into(),
            },
        );
        let policy = one_bool(
            owner,
            "SELECT EXISTS (SELECT 1 FROM pg_policies p JOIN pg_class c ON c.relname = p.tablename
                     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = p.schemaname
                    WHERE c.oid = $1::text::regclass AND p.qual LIKE '%trato%')",
            &[&rel],
        )
        .await?;
        push(
            "a policy on the tenant binding",
            policy,
            if policy {
                "present".into()
            } else {
                "none reads trato.tenant_id".into()
            },
        );
        let led = one_bool(
            owner,
            "SELECT coalesce(bool_and(a.attname = $2), true) FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
              WHERE i.indrelid = $1::text::regclass",
            &[&rel, &key.column],
        )
        .await?;
        push(
            "indexes led by the tenant key",
            led,
            format!("`{}` first in every index", key.column),
        );
        let uniques = one_bool(
            owner,
            "SELECT coalesce(bool_and(EXISTS (SELECT 1 FROM unnest(i.indkey) k JOIN pg_attribute a
                      ON a.attrelid = i.indrelid AND a.attnum = k WHERE a.attname = $2)), true)
               FROM pg_index i WHERE i.indrelid = $1::text::regclass AND i.indisunique",
            &[&rel, &key.column],
        )
        .await?;
        push(
            "unique constraints include the tenant key",
            uniques,
            "a unique without it would let tenants collide".into(),
        );
        // Every reference the schema declares to another tenant-owned model: a composite foreign key must
        // carry the tenant key, and no row may point at another tenant's row (counted as the owner, whom
        // RLS does not hide anything from; from the schema, so a dropped constraint is no excuse).
        let fks = owner
            .query(
                "SELECT (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM unnest(c.conkey) k
                           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k)
                   FROM pg_constraint c WHERE c.conrelid = $1::text::regclass AND c.contype = 'f'",
                &[&rel],
            )
            .await?;
        let live: Vec<Vec<String>> = fks.iter().map(|r| r.get(0)).collect();
        for c in &m.columns {
            let Some((target, field)) = &c.references else { continue };
            let Some(t) = catalog.model(target).filter(|t| t.kind == Kind::Tenant) else {
                continue;
            };
            let (Some(tt), Some(tref)) = (t.tenant_field.as_deref().and_then(|f| t.column(f)), t.column(field)) else {
                continue;
            };
            let mut want = vec![key.column.clone(), c.column.clone()];
            want.sort();
            let carried = live.contains(&want);
            push(
                &format!("`{}` → {target}: a foreign key with the tenant key", c.field),
                carried,
                if carried {
                    format!("({}, {})", key.column, c.column)
                } else {
                    "missing: nothing stops a reference to another tenant".into()
                },
            );
            let sql = format!(
                "SELECT count(*) FROM {rel} t JOIN {} p ON p.{} = t.{} WHERE p.{} <> t.{}",
                t.table_sql,
                q(&tref.column),
                q(&c.column),
                q(&tt.column),
                q(&key.column)
            );
            let n: i64 = owner.query(&sql, &[]).await?.first().map_or(0, |r| r.get(0));
            push(
                &format!("`{}` rows pointing at another tenant", c.field),
                n == 0,
                format!("{n} (must be 0)"),
            );
        }
    }
    Ok(out)
}

pub fn page(checks: &[Check]) -> Markup {
    let bad = checks.iter().filter(|c| !c.ok).count();
    html! {
        h1 { "Tenancy health" }
        p { @if bad == 0 { span.ok { "All " (checks.len()) " checks pass." } } @else { span.fail { (bad) " of " (checks.len()) " checks fail." } } }
        table.grid.wrap {
            thead { tr { th { "table" } th { "check" } th { "" } th { "detail" } } }
            tbody {
                @for c in checks {
                    tr id=(format!("check-{}", c.table)) {
                        td { (c.table) } td { (c.what) }
                        td { @if c.ok { span.ok { "✓" } } @else { span.fail { "✗" } } }
                        td { (c.detail) }
                    }
                }
            }
        }
    }
}
