//! The inverse of each step: what `down.sql` runs. Where the inverse cannot give back what the step took
//! (a dropped column's values, a dropped table's rows), it says so in the file, and it never re-adds a
//! required column as required (which would fail on a table with rows).

use super::Step;
use crate::dbmodel::{shown, Column, DbEnum};

/// The steps of `down.sql`: the inverses of `steps`, in reverse order; but a membership's policies that
/// come back over kept functions come back last, after the role enum is recreated (a column's type
/// cannot change under a policy that reads it).
pub fn invert(steps: &[Step]) -> Vec<Step> {
    let (mut policies, mut inverse): (Vec<Step>, Vec<Step>) = steps
        .iter()
        .rev()
        .flat_map(Step::inverse)
        .partition(|s| matches!(s, Step::MembershipSetup(_, false)));
    inverse.append(&mut policies);
    inverse
}

impl Step {
    /// The steps that undo this one.
    pub fn inverse(&self) -> Vec<Step> {
        match self.clone() {
            Step::CreateSchema(s) => vec![Step::DropSchema(s)],
            Step::DropSchema(s) => vec![Step::CreateSchema(s)],
            Step::CreateExtension(e) => vec![Step::DropExtension(e)],
            Step::DropExtension(e) => vec![Step::CreateExtension(e)],
            Step::TenancySetup => vec![Step::TenancyTeardown],
            Step::TenancyTeardown => vec![Step::TenancySetup],
            Step::CreateEnum(e) => vec![Step::DropEnum(e)],
            Step::DropEnum(e) => vec![Step::CreateEnum(e)],
            Step::AddEnumValue {
                state, value, usages, ..
            } => {
                // PostgreSQL cannot drop an enum value: recreate the type without it.
                let smaller = DbEnum {
                    values: state.values.iter().filter(|v| **v != value).cloned().collect(),
                    ..state.clone()
                };
                vec![Step::RecreateEnum {
                    from: state,
                    to: smaller,
                    usages,
                }]
            }
            Step::RecreateEnum { from, to, usages } => vec![Step::RecreateEnum {
                from: to,
                to: from,
                usages,
            }],
            Step::CreateTable(t) => vec![Step::DropTable(t)],
            Step::RenameTable { from, to } => vec![Step::RenameTable { from: to, to: from }],
            Step::RenameSequence { from, to } => vec![Step::RenameSequence { from: to, to: from }],
            Step::AddColumn { table, column } => vec![Step::DropColumn { table, column }],
            Step::DropColumn { table, column } if column.not_null && column.default.is_none() => {
                let text = format!(
                    "{}.{} comes back empty: its values were dropped. It was NOT NULL without a default, so it is re-added nullable (required again, it would fail on any row); fill it, then SET NOT NULL.",
                    shown(&table),
                    column.name
                );
                let nullable = Column {
                    not_null: false,
                    ..column
                };
                vec![Step::Comment { phase: 5, text }, Step::AddColumn { table, column: nullable }]
            }
            Step::DropColumn { table, column } => vec![
                Step::Comment {
                    phase: 5,
                    text: format!(
                        "{}.{} comes back with its default (or NULL) in every row: its values were dropped.",
                        shown(&table),
                        column.name
                    ),
                },
                Step::AddColumn { table, column },
            ],
            Step::DropTable(t) => vec![
                Step::Comment {
                    phase: 7,
                    text: format!("{} comes back empty: its rows were dropped.", shown(&t.name)),
                },
                Step::CreateTable(t),
            ],
            Step::Backfill { .. } | Step::Comment { .. } => Vec::new(),
            Step::RenameColumn { table, from, to } => vec![Step::RenameColumn {
                table,
                from: to,
                to: from,
            }],
            Step::AlterColumn { table, from, to } if from.not_null && !to.not_null => vec![
                Step::Comment {
                    phase: 5,
                    text: format!(
                        "{}.{} becomes required again: this fails while a row holds NULL there (fill those rows first).",
                        shown(&table),
                        to.name
                    ),
                },
                Step::AlterColumn {
                    table,
                    from: to,
                    to: from,
                },
            ],
            Step::AlterColumn { table, from, to } => vec![Step::AlterColumn {
                table,
                from: to,
                to: from,
            }],
            Step::SetPrimaryKey { table, from, to } => vec![Step::SetPrimaryKey {
                table,
                from: to,
                to: from,
            }],
            Step::RenameConstraint { table, from, to } => vec![Step::RenameConstraint {
                table,
                from: to,
                to: from,
            }],
            Step::CreateIndex { table, index } => vec![Step::DropIndex { table, index }],
            Step::DropIndex { table, index } => vec![Step::CreateIndex { table, index }],
            Step::RenameIndex { from, to } => vec![Step::RenameIndex { from: to, to: from }],
            Step::AddForeignKey { table, fk, .. } => vec![Step::DropForeignKey { table, fk }],
            Step::DropForeignKey { table, fk } => vec![Step::AddForeignKey {
                table,
                fk,
                validate_later: true,
            }],
            Step::EnableRls { table, column, ty } => vec![Step::DisableRls { table, column, ty }],
            Step::DisableRls { table, column, ty } => vec![Step::EnableRls { table, column, ty }],
            Step::MembershipSetup(m, functions) => vec![Step::MembershipTeardown(m, functions)],
            Step::MembershipTeardown(m, functions) => vec![Step::MembershipSetup(m, functions)],
            Step::RestrictWrites { table, roles } => vec![Step::UnrestrictWrites { table, roles }],
            Step::UnrestrictWrites { table, roles } => vec![Step::RestrictWrites { table, roles }],
            Step::Grant { table, sequences } => vec![Step::Revoke { table, sequences }],
            Step::Revoke { table, sequences } => vec![Step::Grant { table, sequences }],
        }
    }
}
