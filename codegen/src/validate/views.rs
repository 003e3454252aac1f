//! `view` blocks: Prisma accepts them and Prisma Migrate creates nothing for them (the view is the
//! database's, written in a migration by hand). They are models without a table of ours: read-only in Rust
//! (no create, update or delete exists for them), without relations or indexes, and need no primary key.
//! In a schema that uses tenancy a view must be `@@global`: PostgreSQL runs a view with its owner's
//! rights, so row-level security does not filter it and a tenant scope could not trust it.

use super::TenancyMark;
use crate::diagnostics::{msg, Diagnostic};
use crate::model::*;

/// A view marked `@@tenant` or `@@tenantRoot` is refused here, and counted `@@global` for the tenancy rules
/// (so that they do not add errors about a key that could never be right).
pub(crate) fn tenancy_marks(schema: &Schema, marks: &mut [Vec<TenancyMark>], diags: &mut Vec<Diagnostic>) {
    for (m, model_marks) in schema.models.iter().zip(marks.iter_mut()) {
        if !m.view {
            continue;
        }
        let tenant = model_marks.iter().find_map(|mark| match mark {
            TenancyMark::Root(s) | TenancyMark::Owned(_, s) => Some(*s),
            TenancyMark::Global(_) => None,
        });
        if let Some(span) = tenant {
            diags.push(msg::bad_view(
                span,
                &format!("view `{}` belongs to a tenant", m.name),
                "a view runs with its owner's rights, unfiltered by row-level security: mark it @@global, and \
                 let it read no tenant data",
            ));
            *model_marks = vec![TenancyMark::Global(span)];
        }
    }
}

pub(crate) fn check(schema: &Schema, diags: &mut Vec<Diagnostic>) {
    for m in schema.models.iter().filter(|m| m.view) {
        if let Some(f) = m.fields.iter().find(|f| f.ty.is_relation()) {
            diags.push(msg::bad_view(
                f.span,
                "relations on a view are not supported",
                "keep the related id as a plain field and query it yourself",
            ));
        }
        if let Some(i) = m.indexes.first() {
            diags.push(msg::bad_view(
                i.span,
                "a view has no indexes",
                "index the tables it reads",
            ));
        }
    }
}
