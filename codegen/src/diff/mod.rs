//! Diff of two database models into migration steps, in an order PostgreSQL accepts, with the inverse of
//! each step for `down.sql`. No database is needed: the old side is the schema recorded with the last
//! migration. Renames come from `@renamedFrom` / `@@renamedFrom` hints, never from guessing.

use crate::dbmodel::*;

/// One change of a migration; [`diff`] orders them, `emit::sql::render` writes their SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `CREATE SCHEMA IF NOT EXISTS` (multi-schema).
    CreateSchema(String),
    /// `DROP SCHEMA IF EXISTS`: refused by PostgreSQL while anything is left in it.
    DropSchema(String),
    /// `CREATE EXTENSION IF NOT EXISTS`.
    CreateExtension(DbExtension),
    /// `DROP EXTENSION`.
    DropExtension(DbExtension),
    /// The application role and the tenant functions.
    TenancySetup,
    /// Drops what [`Step::TenancySetup`] created.
    TenancyTeardown,
    /// `CREATE TYPE ... AS ENUM`.
    CreateEnum(DbEnum),
    /// `DROP TYPE`.
    DropEnum(DbEnum),
    /// `ALTER TYPE ... ADD VALUE`, in place; `before`/`after` keep the declared order. `state` is the enum
    /// right after this value is added (what `down.sql` shrinks back), `usages` the columns of its type.
    AddEnumValue {
        /// The enum with the value added.
        state: DbEnum,
        /// The new value.
        value: String,
        /// The value it goes before, if any.
        before: Option<String>,
        /// The value it goes after, if any.
        after: Option<String>,
        /// `(table, column)` of every column of this type before the change (what `down.sql` converts).
        usages: Vec<(String, Column)>,
    },
    /// Values removed: the type is recreated and its columns converted; fails (and changes nothing) while a
    /// row still holds a removed value.
    RecreateEnum {
        /// The enum before.
        from: DbEnum,
        /// The enum after.
        to: DbEnum,
        /// `(table, column)` of every column of this type.
        usages: Vec<(String, Column)>,
    },
    /// `CREATE TABLE` with its columns and primary key.
    CreateTable(Table),
    /// `DROP TABLE` (data loss: refused without `--allow-destructive`).
    DropTable(Table),
    /// `ALTER TABLE ... RENAME TO` (from `@@renamedFrom`).
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `ALTER SEQUENCE ... RENAME TO`, following a renamed table or column.
    RenameSequence {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `ADD COLUMN`.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// `DROP COLUMN` (data loss).
    DropColumn {
        /// The table.
        table: String,
        /// The column dropped.
        column: Column,
    },
    /// `RENAME COLUMN` (from `@renamedFrom`).
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column's type, nullability or default changes.
    AlterColumn {
        /// The table.
        table: String,
        /// The column before.
        from: Column,
        /// The column after.
        to: Column,
    },
    /// The primary key changes (dropped and added again).
    SetPrimaryKey {
        /// The table.
        table: String,
        /// The key before.
        from: Option<PrimaryKeyDef>,
        /// The key after.
        to: Option<PrimaryKeyDef>,
    },
    /// `RENAME CONSTRAINT`, following a renamed table.
    RenameConstraint {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `CREATE [UNIQUE] INDEX`.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexDef,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexDef,
    },
    /// `ALTER INDEX ... RENAME TO`, following a renamed table or column.
    RenameIndex {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `validate_later`: the table existed before, so the constraint is added `NOT VALID` and validated in a
    /// second statement, which does not block writes while it scans.
    AddForeignKey {
        /// The table holding the key.
        table: String,
        /// The foreign key.
        fk: ForeignKey,
        /// Add it `NOT VALID`, then validate.
        validate_later: bool,
    },
    /// `DROP CONSTRAINT` of a foreign key.
    DropForeignKey {
        /// The table holding the key.
        table: String,
        /// The foreign key.
        fk: ForeignKey,
    },
    /// `ty`: the tenant column's SQL type (the tenant setting is text and is cast to it).
    EnableRls {
        /// The tenant-owned table.
        table: String,
        /// Its tenant key column.
        column: String,
        /// That column's SQL type.
        ty: String,
    },
    /// Drops what [`Step::EnableRls`] created.
    DisableRls {
        /// The table.
        table: String,
        /// Its tenant key column.
        column: String,
        /// That column's SQL type.
        ty: String,
    },
    /// The membership functions (`trato_bind`, `trato_current_role`, `trato_current_user`) and policies:
    /// a user outside any tenant reads their own memberships and tenants; nobody changes their own
    /// membership or gives a role above their own.
    /// With `true`, also the binding functions (a membership replacing another keeps them: restrictive
    /// write policies of other tables use them).
    MembershipSetup(DbMembership, bool),
    /// Drops what [`Step::MembershipSetup`] created; the functions only with `true`.
    MembershipTeardown(DbMembership, bool),
    /// Restrictive policies: only `roles` (and the system scope) insert, update and delete rows of `table`.
    RestrictWrites {
        /// The table.
        table: String,
        /// The roles that may write it.
        roles: Vec<String>,
    },
    /// Drops what [`Step::RestrictWrites`] created.
    UnrestrictWrites {
        /// The table.
        table: String,
        /// The roles that could write it.
        roles: Vec<String>,
    },
    /// What the application role may do on a table and its sequences.
    Grant {
        /// The table.
        table: String,
        /// Its sequences (autoincrement columns).
        sequences: Vec<String>,
    },
    /// Takes back a [`Step::Grant`].
    Revoke {
        /// The table.
        table: String,
        /// Its sequences.
        sequences: Vec<String>,
    },
    /// `UPDATE ... SET col = <its default> WHERE col IS NULL`, ahead of the `SET NOT NULL` of a column
    /// that becomes required and has a default: the rows that hold NULL get the default instead of
    /// failing the migration.
    Backfill {
        /// The table.
        table: String,
        /// The column, as it will be (with its default).
        column: Column,
    },
    /// A comment in the script: what a `down.sql` step cannot give back. `phase` keeps it beside the
    /// step it is about.
    Comment {
        /// Sorts like the step it is about.
        phase: u8,
        /// The text, one line.
        text: String,
    },
}

mod inverse;
pub use inverse::invert;

impl Step {
    /// Phase in which the step runs; steps are sorted by phase, stably.
    fn phase(&self) -> u8 {
        match self {
            Step::CreateSchema(_) | Step::CreateExtension(_) | Step::TenancySetup => 0,
            Step::CreateEnum(_) | Step::AddEnumValue { .. } | Step::UnrestrictWrites { .. } => 1,
            Step::MembershipTeardown(..) => 2,
            Step::DropForeignKey { .. } | Step::DisableRls { .. } | Step::Revoke { .. } | Step::DropIndex { .. } => 2,
            Step::RenameTable { .. } | Step::RenameColumn { .. } | Step::RenameSequence { .. } => 3,
            Step::RenameConstraint { .. } | Step::RenameIndex { .. } => 4,
            Step::DropColumn { .. }
            | Step::AddColumn { .. }
            | Step::AlterColumn { .. }
            | Step::Backfill { .. }
            | Step::SetPrimaryKey { .. } => 5,
            Step::Comment { phase, .. } => *phase,
            Step::DropTable(_) => 6,
            Step::CreateTable(_) => 7,
            Step::CreateIndex { .. } => 8,
            Step::AddForeignKey { .. } => 9,
            // A membership replacing another (its functions kept) comes after enums are recreated: its
            // policies read the role column, whose type cannot change under a policy.
            Step::MembershipSetup(_, false) => 12,
            Step::EnableRls { .. } | Step::Grant { .. } | Step::MembershipSetup(..) | Step::RestrictWrites { .. } => 10,
            Step::RecreateEnum { .. } | Step::DropEnum(_) => 11,
            Step::TenancyTeardown | Step::DropExtension(_) => 12,
            Step::DropSchema(_) => 13,
        }
    }

    /// Why the step can lose data, if it can.
    pub fn data_loss(&self) -> Option<String> {
        match self {
            Step::DropTable(t) => Some(format!("drops table `{}` and its rows", shown(&t.name))),
            Step::DropColumn { table, column } => Some(format!(
                "drops column `{}.{}` and its values",
                shown(table),
                column.name
            )),
            Step::AlterColumn { table, from, to } if from.ty != to.ty && !widens(&from.ty, &to.ty) => Some(format!(
                "changes `{}.{}` from {} to {}: values may not convert",
                shown(table),
                to.name,
                from.ty,
                to.ty
            )),
            Step::RecreateEnum { from, to, .. } => {
                let gone: Vec<&String> = from.values.iter().filter(|v| !to.values.contains(v)).collect();
                (!gone.is_empty()).then(|| {
                    format!(
                        "removes values {gone:?} from enum `{}` (fails while rows use them)",
                        shown(&to.name)
                    )
                })
            }
            _ => None,
        }
    }
}

/// Type changes PostgreSQL makes without losing anything.
fn widens(from: &str, to: &str) -> bool {
    let num = |t: &str, p: &str| {
        t.strip_prefix(p)
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|n| n.parse::<u32>().ok())
    };
    matches!(
        (from, to),
        ("SMALLINT", "INTEGER" | "BIGINT") | ("INTEGER", "BIGINT") | ("REAL", "DOUBLE PRECISION") | ("JSON", "JSONB")
    ) || ((from.starts_with("VARCHAR") || from.starts_with("CHAR(")) && to == "TEXT")
        || from == "VARCHAR" && to == "TEXT"
        || matches!((num(from, "VARCHAR("), num(to, "VARCHAR(")), (Some(a), Some(b)) if b >= a)
}

/// The SQL type the tenant setting is cast to for the policy on `column`.
fn rls_type(t: &Table, column: &str) -> String {
    let ty = t.column(column).map_or("TEXT", |c| c.ty.as_str());
    match ty {
        "SERIAL" => "INTEGER".into(),
        "BIGSERIAL" => "BIGINT".into(),
        "SMALLSERIAL" => "SMALLINT".into(),
        other => other.to_string(),
    }
}

/// Sequences PostgreSQL created for SERIAL columns of `table`.
pub fn serial_sequences(table: &Table) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|c| c.ty.ends_with("SERIAL"))
        .map(|c| format!("{}_{}_seq", table.name, c.name))
        .collect()
}

/// The steps turning `from` into `to`, in execution order.
pub fn diff(from: &DbSchema, to: &DbSchema) -> Vec<Step> {
    let mut steps = Vec::new();
    // Sorted, as Prisma writes them.
    let mut schemas: Vec<&String> = to.schemas.iter().filter(|s| !from.schemas.contains(s)).collect();
    schemas.sort();
    steps.extend(schemas.into_iter().map(|s| Step::CreateSchema(s.clone())));
    // `public` stays: every database has it, and the connection's schema may be it.
    let gone = from
        .schemas
        .iter()
        .filter(|s| !to.schemas.contains(s) && *s != "public");
    steps.extend(gone.map(|s| Step::DropSchema(s.clone())));
    for e in to
        .extensions
        .iter()
        .filter(|e| !from.extensions.iter().any(|f| f.name == e.name))
    {
        steps.push(Step::CreateExtension(e.clone()));
    }
    for e in from
        .extensions
        .iter()
        .filter(|e| !to.extensions.iter().any(|t| t.name == e.name))
    {
        steps.push(Step::DropExtension(e.clone()));
    }
    if !from.tenancy && to.tenancy {
        steps.push(Step::TenancySetup);
    }
    if from.tenancy && !to.tenancy {
        steps.push(Step::TenancyTeardown);
    }
    if from.membership != to.membership {
        // One membership replacing another keeps the functions: other tables' policies use them.
        let functions = from.membership.is_none() || to.membership.is_none();
        if let Some(m) = &from.membership {
            steps.push(Step::MembershipTeardown(m.clone(), functions));
        }
        if let Some(m) = &to.membership {
            steps.push(Step::MembershipSetup(m.clone(), functions));
        }
    }
    diff_enums(from, to, &mut steps);

    let mut matched_from: Vec<bool> = vec![false; from.tables.len()];
    for t in &to.tables {
        let by_name = from.tables.iter().position(|f| f.name == t.name);
        let by_hint = || {
            let old = t.renamed_from.as_ref()?;
            from.tables.iter().enumerate().position(|(i, f)| {
                (f.model == *old || f.name == *old) && to.table(&f.name).is_none() && !matched_from[i]
            })
        };
        // The same table moved to another PostgreSQL schema (`@@schema` changed): moved, not recreated.
        let by_schema = || {
            from.tables.iter().enumerate().position(|(i, f)| {
                f.model == t.model
                    && split_qualified(&f.name).1 == split_qualified(&t.name).1
                    && to.table(&f.name).is_none()
                    && !matched_from[i]
            })
        };
        match by_name.or_else(by_hint).or_else(by_schema) {
            Some(i) => {
                matched_from[i] = true;
                let old = &from.tables[i];
                if old.name != t.name {
                    steps.push(Step::RenameTable {
                        from: old.name.clone(),
                        to: t.name.clone(),
                    });
                    // A table's sequences move with it to its new schema; their names follow its name.
                    let ((_, old_name), (schema, new_name)) = (split_qualified(&old.name), split_qualified(&t.name));
                    for c in t
                        .columns
                        .iter()
                        .filter(|c| c.ty.ends_with("SERIAL") && old_name != new_name)
                    {
                        if let Some(oc) = old.column(&c.name).filter(|oc| oc.ty == c.ty) {
                            steps.push(Step::RenameSequence {
                                from: qualified(schema, &format!("{old_name}_{}_seq", oc.name)),
                                to: qualified(schema, &format!("{new_name}_{}_seq", c.name)),
                            });
                        }
                    }
                }
                diff_table(old, t, &mut steps);
            }
            None => create_table(t, &mut steps),
        }
    }
    for (i, f) in from.tables.iter().enumerate() {
        if !matched_from[i] {
            drop_table(f, &mut steps);
        }
    }
    steps.sort_by_key(Step::phase);
    steps
}

fn diff_enums(from: &DbSchema, to: &DbSchema, steps: &mut Vec<Step>) {
    for e in &to.enums {
        match from.enums.iter().find(|f| f.name == e.name) {
            None => steps.push(Step::CreateEnum(e.clone())),
            Some(old) if old.values == e.values => {}
            Some(old) => {
                let removed = old.values.iter().any(|v| !e.values.contains(v));
                let kept_order: Vec<&String> = e.values.iter().filter(|v| old.values.contains(v)).collect();
                let old_order: Vec<&String> = old.values.iter().filter(|v| e.values.contains(v)).collect();
                let usages_in = |db: &DbSchema| -> Vec<(String, Column)> {
                    db.tables
                        .iter()
                        .flat_map(|t| {
                            t.columns
                                .iter()
                                .filter(|c| c.ty.trim_end_matches("[]") == quote_name(&e.name))
                                .map(|c| (t.name.clone(), c.clone()))
                        })
                        .collect()
                };
                // A recreated type converts the columns as they are then (the new schema's); an added value
                // is taken back by `down.sql` once the columns are as they were (the old schema's).
                let usages = usages_in(to);
                let old_usages = usages_in(from);
                if removed || kept_order != old_order {
                    steps.push(Step::RecreateEnum {
                        from: old.clone(),
                        to: e.clone(),
                        usages,
                    });
                } else {
                    let mut state = old.clone();
                    for (i, v) in e.values.iter().enumerate() {
                        if old.values.contains(v) {
                            continue;
                        }
                        let (before, after) = if i == 0 {
                            (e.values.get(1).cloned(), None)
                        } else {
                            (None, Some(e.values[i - 1].clone()))
                        };
                        let at = after
                            .as_ref()
                            .and_then(|a| state.values.iter().position(|x| x == a))
                            .map_or(0, |p| p + 1);
                        state.values.insert(at, v.clone());
                        steps.push(Step::AddEnumValue {
                            state: state.clone(),
                            value: v.clone(),
                            before,
                            after,
                            usages: old_usages.clone(),
                        });
                    }
                }
            }
        }
    }
    for e in &from.enums {
        if !to.enums.iter().any(|t| t.name == e.name) {
            steps.push(Step::DropEnum(e.clone()));
        }
    }
}

fn create_table(t: &Table, steps: &mut Vec<Step>) {
    steps.push(Step::CreateTable(t.clone()));
    for i in &t.indexes {
        steps.push(Step::CreateIndex {
            table: t.name.clone(),
            index: i.clone(),
        });
    }
    for fk in &t.foreign_keys {
        steps.push(Step::AddForeignKey {
            table: t.name.clone(),
            fk: fk.clone(),
            validate_later: false,
        });
    }
    if let Some(c) = &t.rls {
        steps.push(Step::EnableRls {
            table: t.name.clone(),
            column: c.clone(),
            ty: rls_type(t, c),
        });
    }
    if t.grant_app {
        steps.push(Step::Grant {
            table: t.name.clone(),
            sequences: serial_sequences(t),
        });
    }
    if !t.write_roles.is_empty() {
        steps.push(Step::RestrictWrites {
            table: t.name.clone(),
            roles: t.write_roles.clone(),
        });
    }
}

fn drop_table(t: &Table, steps: &mut Vec<Step>) {
    // Dropped explicitly (not just by DROP TABLE) so that down.sql recreates them.
    if !t.write_roles.is_empty() {
        steps.push(Step::UnrestrictWrites {
            table: t.name.clone(),
            roles: t.write_roles.clone(),
        });
    }
    for fk in &t.foreign_keys {
        steps.push(Step::DropForeignKey {
            table: t.name.clone(),
            fk: fk.clone(),
        });
    }
    for i in &t.indexes {
        steps.push(Step::DropIndex {
            table: t.name.clone(),
            index: i.clone(),
        });
    }
    if let Some(c) = &t.rls {
        steps.push(Step::DisableRls {
            table: t.name.clone(),
            column: c.clone(),
            ty: rls_type(t, c),
        });
    }
    if t.grant_app {
        steps.push(Step::Revoke {
            table: t.name.clone(),
            sequences: serial_sequences(t),
        });
    }
    steps.push(Step::DropTable(Table {
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        rls: None,
        grant_app: false,
        write_roles: Vec::new(),
        ..t.clone()
    }));
}

fn diff_table(old: &Table, new: &Table, steps: &mut Vec<Step>) {
    let table = new.name.clone();
    let mut matched_old = vec![false; old.columns.len()];
    for c in &new.columns {
        let by_name = old.columns.iter().position(|o| o.name == c.name);
        let by_hint = || {
            let hint = c.renamed_from.as_ref()?;
            old.columns.iter().enumerate().position(|(i, o)| {
                (o.field == *hint || o.name == *hint) && new.column(&o.name).is_none() && !matched_old[i]
            })
        };
        match by_name.or_else(by_hint) {
            Some(i) => {
                matched_old[i] = true;
                let o = &old.columns[i];
                if o.name != c.name {
                    steps.push(Step::RenameColumn {
                        table: table.clone(),
                        from: o.name.clone(),
                        to: c.name.clone(),
                    });
                    if c.ty.ends_with("SERIAL") {
                        steps.push(Step::RenameSequence {
                            from: format!("{}_{}_seq", new.name, o.name),
                            to: format!("{}_{}_seq", new.name, c.name),
                        });
                    }
                }
                let renamed = Column {
                    name: c.name.clone(),
                    field: c.field.clone(),
                    renamed_from: c.renamed_from.clone(),
                    ..o.clone()
                };
                if renamed.ty != c.ty || renamed.not_null != c.not_null || renamed.default != c.default {
                    if !renamed.not_null && c.not_null && c.default.is_some() && renamed.ty == c.ty {
                        steps.push(Step::Backfill {
                            table: table.clone(),
                            column: c.clone(),
                        });
                    }
                    steps.push(Step::AlterColumn {
                        table: table.clone(),
                        from: renamed,
                        to: c.clone(),
                    });
                }
            }
            None => steps.push(Step::AddColumn {
                table: table.clone(),
                column: c.clone(),
            }),
        }
    }
    for (i, o) in old.columns.iter().enumerate() {
        if !matched_old[i] {
            steps.push(Step::DropColumn {
                table: table.clone(),
                column: o.clone(),
            });
        }
    }
    match (&old.primary_key, &new.primary_key) {
        (Some(a), Some(b)) if a.columns == b.columns && a.name != b.name => steps.push(Step::RenameConstraint {
            table: table.clone(),
            from: a.name.clone(),
            to: b.name.clone(),
        }),
        (a, b) if a != b => steps.push(Step::SetPrimaryKey {
            table: table.clone(),
            from: a.clone(),
            to: b.clone(),
        }),
        _ => {}
    }
    // Indexes: same name and definition -> nothing; same definition, new name -> rename; else drop/create.
    let same_index = |a: &IndexDef, b: &IndexDef| {
        a.unique == b.unique && a.columns == b.columns && a.using == b.using && a.predicate == b.predicate
    };
    let mut used = vec![false; old.indexes.len()];
    for i in &new.indexes {
        if let Some(k) = old.indexes.iter().position(|o| o == i) {
            used[k] = true;
            continue;
        }
        let renamed = old
            .indexes
            .iter()
            .enumerate()
            .position(|(k, o)| !used[k] && same_index(o, i) && !new.indexes.iter().any(|n| n.name == o.name));
        match renamed {
            Some(k) => {
                used[k] = true;
                // Index names are per PostgreSQL schema: the table's.
                let schema = split_qualified(&table).0;
                steps.push(Step::RenameIndex {
                    from: qualified(schema, &old.indexes[k].name),
                    to: qualified(schema, &i.name),
                });
            }
            None => steps.push(Step::CreateIndex {
                table: table.clone(),
                index: i.clone(),
            }),
        }
    }
    for (k, o) in old.indexes.iter().enumerate() {
        if !used[k] {
            steps.push(Step::DropIndex {
                table: table.clone(),
                index: o.clone(),
            });
        }
    }
    let same_fk = |a: &ForeignKey, b: &ForeignKey| {
        a.columns == b.columns
            && a.ref_table == b.ref_table
            && a.ref_columns == b.ref_columns
            && a.on_delete == b.on_delete
            && a.on_update == b.on_update
    };
    let mut used = vec![false; old.foreign_keys.len()];
    for fk in &new.foreign_keys {
        if let Some(k) = old.foreign_keys.iter().position(|o| o == fk) {
            used[k] = true;
            continue;
        }
        let renamed = old
            .foreign_keys
            .iter()
            .enumerate()
            .position(|(k, o)| !used[k] && same_fk(o, fk) && !new.foreign_keys.iter().any(|n| n.name == o.name));
        match renamed {
            Some(k) => {
                used[k] = true;
                steps.push(Step::RenameConstraint {
                    table: table.clone(),
                    from: old.foreign_keys[k].name.clone(),
                    to: fk.name.clone(),
                });
            }
            None => steps.push(Step::AddForeignKey {
                table: table.clone(),
                fk: fk.clone(),
                validate_later: true,
            }),
        }
    }
    for (k, o) in old.foreign_keys.iter().enumerate() {
        if !used[k] {
            steps.push(Step::DropForeignKey {
                table: table.clone(),
                fk: o.clone(),
            });
        }
    }
    if old.rls != new.rls || old.rls.as_ref().is_some_and(|c| rls_type(old, c) != rls_type(new, c)) {
        if let Some(c) = &old.rls {
            steps.push(Step::DisableRls {
                table: table.clone(),
                column: c.clone(),
                ty: rls_type(old, c),
            });
        }
        if let Some(c) = &new.rls {
            steps.push(Step::EnableRls {
                table: table.clone(),
                column: c.clone(),
                ty: rls_type(new, c),
            });
        }
    }
    if old.write_roles != new.write_roles {
        if !old.write_roles.is_empty() {
            steps.push(Step::UnrestrictWrites {
                table: old.name.clone(),
                roles: old.write_roles.clone(),
            });
        }
        if !new.write_roles.is_empty() {
            steps.push(Step::RestrictWrites {
                table: table.clone(),
                roles: new.write_roles.clone(),
            });
        }
    }
    let (old_seq, new_seq) = (serial_sequences(old), serial_sequences(new));
    if old.grant_app != new.grant_app || (new.grant_app && old_seq != new_seq) {
        if old.grant_app {
            steps.push(Step::Revoke {
                table: table.clone(),
                sequences: old_seq.iter().map(|s| s.replacen(&old.name, &new.name, 1)).collect(),
            });
        }
        if new.grant_app {
            steps.push(Step::Grant {
                table,
                sequences: new_seq,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::widens;

    #[test]
    fn widening_type_changes() {
        assert!(widens("INTEGER", "BIGINT"));
        assert!(widens("VARCHAR(3)", "VARCHAR(10)"));
        assert!(widens("VARCHAR(3)", "TEXT"));
        assert!(!widens("VARCHAR(10)", "VARCHAR(3)"));
        assert!(!widens("TEXT", "INTEGER"));
    }
}
