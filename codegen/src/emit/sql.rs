//! SQL emitter: migration steps -> PostgreSQL statements, laid out as Prisma Migrate lays them out
//! (`-- CreateTable` headers, four-space column lists), so that a plain schema yields Prisma's migration.

use crate::dbmodel::*;
use crate::diff::{diff, Step};

/// A name quoted for SQL; a [`qualified`] one (multi-schema) as `"schema"."name"`.
pub(super) fn q(ident: &str) -> String {
    quote_name(ident)
}

/// The new name of a `RENAME TO`, which PostgreSQL takes unqualified (the object stays in its schema).
fn q_to(ident: &str) -> String {
    q(split_qualified(ident).1)
}

pub(super) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn q_list(cols: &[String]) -> String {
    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", q(&c.name), c.ty);
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    s
}

/// A type usable in `ALTER COLUMN ... TYPE` (SERIAL is only a shorthand of CREATE TABLE).
fn plain_type(ty: &str) -> &str {
    match ty {
        "SERIAL" => "INTEGER",
        "BIGSERIAL" => "BIGINT",
        "SMALLSERIAL" => "SMALLINT",
        other => other,
    }
}

/// [`index_sql`] built `CONCURRENTLY` (outside a transaction; writes go on while it builds).
pub(super) fn index_sql_concurrently(table: &str, i: &IndexDef) -> String {
    index_sql(table, i).replacen("INDEX ", "INDEX CONCURRENTLY ", 1)
}

fn index_sql(table: &str, i: &IndexDef) -> String {
    let cols: Vec<String> = i
        .columns
        .iter()
        .map(|c| {
            let mut s = q(&c.name);
            if let Some(ops) = &c.ops {
                s.push(' ');
                s.push_str(ops);
            }
            if c.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    let unique = if i.unique { "UNIQUE " } else { "" };
    let predicate = i.predicate.as_ref().map(|p| format!(" WHERE {p}")).unwrap_or_default();
    match &i.using {
        Some(u) => format!(
            "CREATE {unique}INDEX {} ON {} USING {u} ({}){predicate};",
            q(&i.name),
            q(table),
            cols.join(", ")
        ),
        None => format!(
            "CREATE {unique}INDEX {} ON {}({}){predicate};",
            q(&i.name),
            q(table),
            cols.join(", ")
        ),
    }
}

pub(super) fn fk_sql(table: &str, fk: &ForeignKey, validate_later: bool) -> String {
    let mut s = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {}",
        q(table),
        q(&fk.name),
        q_list(&fk.columns),
        q(&fk.ref_table),
        q_list(&fk.ref_columns),
        fk.on_delete
    );
    if let Some(u) = &fk.on_update {
        s.push_str(&format!(" ON UPDATE {u}"));
    }
    if validate_later {
        s.push_str(&format!(
            " NOT VALID;\nALTER TABLE {} VALIDATE CONSTRAINT {};",
            q(table),
            q(&fk.name)
        ));
    } else {
        s.push(';');
    }
    s
}

fn alter_column(table: &str, from: &Column, to: &Column) -> String {
    let col = q(&to.name);
    let mut clauses = Vec::new();
    let type_changes = from.ty != to.ty;
    if from.default.is_some() && (type_changes || from.default != to.default) {
        clauses.push(format!("ALTER COLUMN {col} DROP DEFAULT"));
    }
    if type_changes {
        let ty = plain_type(&to.ty);
        let enumish = from.ty.starts_with('"') || to.ty.starts_with('"');
        let using = if enumish {
            let text = if to.ty.ends_with("[]") { "text[]" } else { "text" };
            format!("{col}::{text}::{ty}")
        } else {
            format!("{col}::{ty}")
        };
        clauses.push(format!("ALTER COLUMN {col} SET DATA TYPE {ty} USING {using}"));
    }
    if from.not_null != to.not_null {
        clauses.push(format!(
            "ALTER COLUMN {col} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    if let Some(d) = &to.default {
        if type_changes || from.default.as_ref() != Some(d) {
            clauses.push(format!("ALTER COLUMN {col} SET DEFAULT {d}"));
        }
    }
    format!("ALTER TABLE {} {};", q(table), clauses.join(",\n"))
}

/// `RENAME TO`, after `SET SCHEMA` when the table also moves to another PostgreSQL schema.
fn rename_table(from: &str, to: &str) -> String {
    let ((from_schema, old), (to_schema, new)) = (split_qualified(from), split_qualified(to));
    if from_schema == to_schema {
        return format!("ALTER TABLE {} RENAME TO {};", q(from), q(new));
    }
    let moved = qualified(to_schema, old);
    format!(
        "ALTER TABLE {} SET SCHEMA {};\nALTER TABLE {} RENAME TO {};",
        q(from),
        q(to_schema.unwrap_or("public")),
        q(&moved),
        q(new)
    )
}

/// The policy condition. The current tenant is read in a scalar subquery, which PostgreSQL evaluates once
/// per statement (an InitPlan) instead of once per row: the same check, without a per-row function call.
fn policy_expr(column: &str, ty: &str) -> String {
    let current = format!("{}()", q(CURRENT_TENANT_FN));
    match ty {
        "TEXT" => format!("{} = (SELECT {current})", q(column)),
        t if t.starts_with("VARCHAR") || t.starts_with("CHAR") => format!("{} = (SELECT {current})", q(column)),
        t => format!("{} = (SELECT {current}::{t})", q(column)),
    }
}

/// One step as SQL, with its Prisma-style header comment.
pub fn step_sql(step: &Step) -> String {
    let (header, body) = match step {
        Step::TenancySetup => (
            "Tenancy",
            format!(
                "-- The application role: owns nothing, cannot bypass row-level security. Login roles join it.
DO $$
BEGIN
    CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO {role};

-- Binds the tenant of the current transaction with SET LOCAL (a bound parameter, never a session SET).
CREATE FUNCTION {set}(tenant TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL {setting} = %L', tenant);
END
$$;

-- The tenant bound to the current transaction, or NULL: no binding means no rows.
CREATE FUNCTION {current}() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('{setting}', true), '')
$$;
GRANT EXECUTE ON FUNCTION {set}(TEXT), {current}() TO {role};",
                role = q(APP_ROLE),
                set = q(SET_TENANT_FN),
                current = q(CURRENT_TENANT_FN),
                setting = TENANT_SETTING,
            ),
        ),
        Step::TenancyTeardown => (
            "Tenancy",
            format!(
                "DROP FUNCTION {}();\nDROP FUNCTION {}(TEXT);\nREVOKE USAGE ON SCHEMA public FROM {};",
                q(CURRENT_TENANT_FN),
                q(SET_TENANT_FN),
                q(APP_ROLE)
            ),
        ),
        Step::CreateSchema(name) => ("CreateSchema", format!("CREATE SCHEMA IF NOT EXISTS {};", q(name))),
        Step::DropSchema(name) => ("DropSchema", format!("DROP SCHEMA IF EXISTS {};", q(name))),
        Step::CreateExtension(e) => (
            "CreateExtension",
            format!(
                "CREATE EXTENSION IF NOT EXISTS {}{}{};",
                q(&e.name),
                e.schema.as_deref().map(|s| format!(" WITH SCHEMA {}", q(s))).unwrap_or_default(),
                e.version.as_deref().map(|v| format!(" VERSION {}", lit(v))).unwrap_or_default()
            ),
        ),
        Step::DropExtension(e) => ("DropExtension", format!("DROP EXTENSION IF EXISTS {};", q(&e.name))),
        Step::CreateEnum(e) => (
            "CreateEnum",
            format!("CREATE TYPE {} AS ENUM ({});", q(&e.name), e.values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")),
        ),
        Step::DropEnum(e) => ("DropEnum", format!("DROP TYPE {};", q(&e.name))),
        Step::AddEnumValue { state, value, before, after, .. } => {
            let place = match (before, after) {
                (Some(b), _) => format!(" BEFORE {}", lit(b)),
                (None, Some(a)) => format!(" AFTER {}", lit(a)),
                (None, None) => String::new(),
            };
            ("AlterEnum", format!("ALTER TYPE {} ADD VALUE {}{place};", q(&state.name), lit(value)))
        }
        Step::RecreateEnum { to, usages, .. } => {
            let old = format!("{}_old", to.name);
            let mut s = format!(
                "ALTER TYPE {} RENAME TO {};\nCREATE TYPE {} AS ENUM ({});\n",
                q(&to.name),
                q_to(&old),
                q(&to.name),
                to.values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
            );
            for (table, c) in usages {
                let array = c.ty.ends_with("[]");
                let (ty, text) = if array { (format!("{}[]", q(&to.name)), "text[]") } else { (q(&to.name), "text") };
                if c.default.is_some() {
                    s.push_str(&format!("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;\n", q(table), q(&c.name)));
                }
                s.push_str(&format!("ALTER TABLE {} ALTER COLUMN {} TYPE {ty} USING ({}::{text}::{ty});\n", q(table), q(&c.name), q(&c.name)));
                if let Some(d) = &c.default {
                    s.push_str(&format!("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {d};\n", q(table), q(&c.name)));
                }
            }
            s.push_str(&format!("DROP TYPE {};", q(&old)));
            ("AlterEnum", s)
        }
        Step::CreateTable(t) => {
            let mut body = t.columns.iter().map(|c| format!("    {}", column_def(c))).collect::<Vec<_>>().join(",\n");
            if let Some(pk) = &t.primary_key {
                // Prisma writes a table's key columns without spaces: `("a","b")`.
                let columns: Vec<String> = pk.columns.iter().map(|c| q(c)).collect();
                body.push_str(&format!(",\n\n    CONSTRAINT {} PRIMARY KEY ({})", q(&pk.name), columns.join(",")));
            }
            ("CreateTable", format!("CREATE TABLE {} (\n{body}\n);", q(&t.name)))
        }
        Step::DropTable(t) => ("DropTable", format!("DROP TABLE {};", q(&t.name))),
        Step::RenameTable { from, to } => ("RenameTable", rename_table(from, to)),
        Step::RenameSequence { from, to } => ("RenameSequence", format!("ALTER SEQUENCE {} RENAME TO {};", q(from), q_to(to))),
        Step::AddColumn { table, column } => ("AlterTable", format!("ALTER TABLE {} ADD COLUMN {};", q(table), column_def(column))),
        Step::DropColumn { table, column } => ("AlterTable", format!("ALTER TABLE {} DROP COLUMN {};", q(table), q(&column.name))),
        Step::RenameColumn { table, from, to } => ("AlterTable", format!("ALTER TABLE {} RENAME COLUMN {} TO {};", q(table), q(from), q(to))),
        Step::AlterColumn { table, from, to } => ("AlterTable", alter_column(table, from, to)),
        Step::SetPrimaryKey { table, from, to } => {
            let mut clauses = Vec::new();
            if let Some(pk) = from {
                clauses.push(format!("DROP CONSTRAINT {}", q(&pk.name)));
            }
            if let Some(pk) = to {
                clauses.push(format!("ADD CONSTRAINT {} PRIMARY KEY ({})", q(&pk.name), q_list(&pk.columns)));
            }
            ("AlterTable", format!("ALTER TABLE {} {};", q(table), clauses.join(",\n")))
        }
        Step::RenameConstraint { table, from, to } => ("RenameConstraint", format!("ALTER TABLE {} RENAME CONSTRAINT {} TO {};", q(table), q(from), q(to))),
        Step::CreateIndex { table, index } => ("CreateIndex", index_sql(table, index)),
        Step::DropIndex { table, index } => (
            "DropIndex",
            format!("DROP INDEX {};", q(&qualified(split_qualified(table).0, &index.name))),
        ),
        Step::RenameIndex { from, to } => ("RenameIndex", format!("ALTER INDEX {} RENAME TO {};", q(from), q_to(to))),
        Step::AddForeignKey { table, fk, validate_later } => ("AddForeignKey", fk_sql(table, fk, *validate_later)),
        Step::DropForeignKey { table, fk } => ("DropForeignKey", format!("ALTER TABLE {} DROP CONSTRAINT {};", q(table), q(&fk.name))),
        Step::EnableRls { table, column, ty } => {
            let expr = policy_expr(column, ty);
            (
                "EnableRowLevelSecurity",
                format!(
                    "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;\nALTER TABLE {t} FORCE ROW LEVEL SECURITY;\nCREATE POLICY {p} ON {t} USING ({expr}) WITH CHECK ({expr});",
                    t = q(table),
                    p = q(POLICY_NAME)
                ),
            )
        }
        Step::DisableRls { table, .. } => (
            "DisableRowLevelSecurity",
            format!(
                "DROP POLICY {p} ON {t};\nALTER TABLE {t} NO FORCE ROW LEVEL SECURITY;\nALTER TABLE {t} DISABLE ROW LEVEL SECURITY;",
                t = q(table),
                p = q(POLICY_NAME)
            ),
        ),
        Step::MembershipSetup(m, functions) => ("Membership", super::roles::membership_setup(m, *functions)),
        Step::MembershipTeardown(m, functions) => ("Membership", super::roles::membership_teardown(m, *functions)),
        Step::RestrictWrites { table, roles } => ("RestrictWrites", super::roles::restrict_writes(table, roles)),
        Step::UnrestrictWrites { table, .. } => ("UnrestrictWrites", super::roles::unrestrict_writes(table)),
        Step::Grant { table, sequences } => {
            let mut s = format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {};", q(table), q(APP_ROLE));
            for seq in sequences {
                s.push_str(&format!("\nGRANT USAGE, SELECT ON SEQUENCE {} TO {};", q(seq), q(APP_ROLE)));
            }
            ("Grant", s)
        }
        Step::Backfill { table, column } => (
            "Backfill",
            format!(
                "UPDATE {t} SET {c} = {d} WHERE {c} IS NULL;",
                t = q(table),
                c = q(&column.name),
                d = column.default.as_deref().unwrap_or("DEFAULT")
            ),
        ),
        Step::Comment { text, .. } => return format!("-- {text}\n"),
        Step::Revoke { table, sequences } => {
            let mut s = format!("REVOKE ALL ON {} FROM {};", q(table), q(APP_ROLE));
            for seq in sequences {
                s.push_str(&format!("\nREVOKE ALL ON SEQUENCE {} FROM {};", q(seq), q(APP_ROLE)));
            }
            ("Revoke", s)
        }
    };
    format!("-- {header}\n{body}\n")
}

/// Steps as a migration script.
pub fn render(steps: &[Step]) -> String {
    steps.iter().map(step_sql).collect::<Vec<_>>().join("\n")
}

/// The DDL that creates `db` in an empty database.
pub fn from_empty(db: &DbSchema) -> String {
    render(&diff(&DbSchema::default(), db))
}

/// [`from_empty`] as Prisma's `migrate diff --from-empty --script` prints it: without a `schemas` list it
/// first creates `public` (with one, the list's own `CreateSchema` steps come first).
pub fn from_empty_as_prisma(db: &DbSchema) -> String {
    let header = if db.schemas.is_empty() {
        "-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS \"public\";\n\n"
    } else {
        ""
    };
    format!("{header}{}", from_empty(db))
}
