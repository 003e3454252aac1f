//! A migration as the migrator runs it: the steps' SQL split into parts (`-- trato:part`, see the runtime's
//! `migrate::script`) wherever one transaction would hold a lock longer than it must, or could not apply:
//!
//! - enum values added first, in a part of their own: a value added in a transaction cannot be used
//!   before that transaction commits (55P04), and the steps after may use it;
//! - indexes on tables that already existed built `CONCURRENTLY`, outside any transaction (writes go on
//!   while they build);
//! - foreign keys to existing tables added `NOT VALID`, then validated in a transaction of their own
//!   (SHARE UPDATE EXCLUSIVE on the referencing table, not SHARE ROW EXCLUSIVE, while it scans);
//! - `SET NOT NULL` on an existing column through a `CHECK (col IS NOT NULL) NOT VALID` constraint validated
//!   in its own transaction, so the final `SET NOT NULL` needs no scan under its ACCESS EXCLUSIVE lock.
//!
//! A part that would be empty is left out: a migration of new tables only stays one transaction.

use std::collections::HashSet;

use super::sql::{fk_sql, index_sql_concurrently, q, step_sql};
use crate::dbmodel::Column;
use crate::diff::Step;

const PART: &str = "-- trato:part\n";
const PART_NO_TRANSACTION: &str = "-- trato:part no-transaction\n";

/// The migration script of `steps`, split into parts where that keeps locks short or lets it apply.
pub fn render_migration(steps: &[Step]) -> String {
    let created: HashSet<&str> = steps
        .iter()
        .filter_map(|s| match s {
            Step::CreateTable(t) => Some(t.name.as_str()),
            _ => None,
        })
        .collect();
    let only_enum_values = steps.iter().all(|s| matches!(s, Step::AddEnumValue { .. }));
    let (mut enums, mut main, mut concurrent, mut after, mut validate, mut finish) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for step in steps {
        match step {
            Step::AddEnumValue { .. } if !only_enum_values => enums.push(step_sql(step)),
            Step::CreateIndex { table, index } if !created.contains(table.as_str()) => {
                concurrent.push(format!("-- CreateIndex\n{}\n", index_sql_concurrently(table, index)))
            }
            Step::AddForeignKey {
                table,
                fk,
                validate_later: true,
            } => {
                let added = fk_sql(table, fk, false);
                let not_valid = format!("-- AddForeignKey\n{} NOT VALID;\n", added.trim_end_matches(';'));
                let validation = format!(
                    "-- ValidateForeignKey\nALTER TABLE {} VALIDATE CONSTRAINT {};\n",
                    q(table),
                    q(&fk.name)
                );
                target(&concurrent, &mut main, &mut after).push(not_valid);
                validate.push(validation);
            }
            Step::AlterColumn { table, from, to }
                if !from.not_null && to.not_null && !created.contains(table.as_str()) =>
            {
                let check = not_null_check(table, to);
                let mut relaxed = to.clone();
                relaxed.not_null = false;
                let part = target(&concurrent, &mut main, &mut after);
                if *from != relaxed {
                    part.push(step_sql(&Step::AlterColumn {
                        table: table.clone(),
                        from: from.clone(),
                        to: relaxed,
                    }));
                }
                part.push(format!(
                    "-- AlterTable\nALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID;\n",
                    t = q(table),
                    c = q(&to.name)
                ));
                validate.push(format!(
                    "-- ValidateNotNull\nALTER TABLE {} VALIDATE CONSTRAINT {check};\n",
                    q(table)
                ));
                finish.push(format!(
                    "-- AlterTable\nALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT {check};\n",
                    t = q(table),
                    c = q(&to.name)
                ));
            }
            _ => target(&concurrent, &mut main, &mut after).push(step_sql(step)),
        }
    }
    let sections = [
        ("", enums),
        (PART, main),
        (PART_NO_TRANSACTION, concurrent),
        (PART, after),
        (PART, validate),
        (PART, finish),
    ];
    let mut out = String::new();
    for (marker, section) in sections {
        if section.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        // The first part needs its marker only when it runs outside a transaction.
        if !out.is_empty() || marker == PART_NO_TRANSACTION {
            out.push_str(marker);
        }
        out.push_str(&section.join("\n"));
    }
    out
}

/// Steps after the concurrent index builds go after them, in a part of their own (they may need the
/// indexes, e.g. a foreign key to a new unique index).
fn target<'a>(concurrent: &[String], main: &'a mut Vec<String>, after: &'a mut Vec<String>) -> &'a mut Vec<String> {
    if concurrent.is_empty() {
        main
    } else {
        after
    }
}

/// The temporary CHECK constraint's name: `<table>_<column>_not_null`, quoted.
fn not_null_check(table: &str, column: &Column) -> String {
    let table = table.rsplit('\0').next().unwrap_or(table);
    let name: String = format!("{table}_{}_not_null", column.name).chars().take(63).collect();
    q(&name)
}
