//! Tenancy rules. A schema without markers is plain Prisma. Once any model is marked, every model is
//! classified (`@@tenantRoot`, `@@tenant(key)`, `@@global`), there is exactly one root, each tenant-owned
//! model carries its key with a relation to the root, and global models hold no foreign key into tenant data.

use super::TenancyMark;
use crate::diagnostics::{msg, suggest, Diagnostic, Span};
use crate::model::*;

pub(crate) fn check(schema: &mut Schema, marks: &[Vec<TenancyMark>], diags: &mut Vec<Diagnostic>) {
    if marks.iter().all(Vec::is_empty) {
        return;
    }
    let mut root: Option<(ModelId, Span)> = None;
    for (i, model_marks) in marks.iter().enumerate() {
        let model = &schema.models[i];
        let head = Span::new(model.span.start, model.span.start + 6 + model.name.len());
        match model_marks.as_slice() {
            [] => diags.push(msg::unclassified(head, &model.name)),
            [mark] => {
                if let TenancyMark::Root(span) = mark {
                    match root {
                        Some((_, first)) => diags.push(msg::tenant_root_twice(*span, first)),
                        None => root = Some((ModelId(i), *span)),
                    }
                }
            }
            [_, second, ..] => {
                let span = match second {
                    TenancyMark::Root(s) | TenancyMark::Owned(_, s) | TenancyMark::Global(s) => *s,
                };
                diags.push(msg::tenancy_twice(span, &model.name));
            }
        }
    }
    let Some((root_id, _)) = root else {
        let first_owned = marks.iter().flatten().find_map(|m| match m {
            TenancyMark::Owned(_, s) => Some(*s),
            _ => None,
        });
        if let Some(span) = first_owned {
            diags.push(msg::tenant_root_missing(span));
        } else if let Some(span) = marks.iter().flatten().find_map(|m| match m {
            TenancyMark::Global(s) => Some(*s),
            _ => None,
        }) {
            diags.push(msg::tenant_root_missing(span));
        }
        return;
    };
    if schema.model(root_id).primary_key.fields.len() != 1 {
        diags.push(msg::bad_tenant_key(
            schema.model(root_id).span,
            "the tenant root needs a single-field primary key",
            "give the tenant root an `id` field with @id",
        ));
        return;
    }
    schema.tenant_root = Some(root_id);
    schema.models[root_id.0].tenancy = Tenancy::Root;

    for (i, model_marks) in marks.iter().enumerate() {
        match model_marks.as_slice() {
            [TenancyMark::Global(_)] => schema.models[i].tenancy = Tenancy::Global,
            [TenancyMark::Owned(key, _)] => {
                if let Some(k) = owned_key(schema, ModelId(i), root_id, key, diags) {
                    schema.models[i].tenancy = Tenancy::Owned { key: k };
                }
            }
            _ => {}
        }
    }

    for model in &schema.models {
        match model.tenancy {
            Tenancy::Global => {
                for f in &model.fields {
                    let Some(rel) = f.ty.relation() else { continue };
                    if !rel.fields.is_empty() && matches!(schema.model(rel.target).tenancy, Tenancy::Owned { .. }) {
                        diags.push(msg::global_references_tenant(
                            f.span,
                            &model.name,
                            &schema.model(rel.target).name,
                        ));
                    }
                }
            }
            Tenancy::Owned { key } => {
                let key_name = &model.field(key).db_name;
                for idx in &model.indexes {
                    if idx.fields.first().map(|f| f.field) != Some(key) {
                        diags.push(msg::index_not_tenant_led(idx.span, &model.name, key_name));
                    }
                }
            }
            _ => {}
        }
    }
}

fn owned_key(
    schema: &Schema,
    mid: ModelId,
    root: ModelId,
    key: &crate::syntax::ast::Ident,
    diags: &mut Vec<Diagnostic>,
) -> Option<FieldId> {
    let model = schema.model(mid);
    let Some(fid) = model
        .find_field(&key.name)
        .filter(|f| !model.field(*f).ty.is_relation())
    else {
        let s = suggest(&key.name, model.columns().map(|(_, f)| f.name.as_str()));
        let help = s.map_or_else(
            || {
                format!(
                    "add `{} String` with a relation to the tenant root, or name an existing field",
                    key.name
                )
            },
            |s| format!("did you mean `{s}`?"),
        );
        diags.push(msg::bad_tenant_key(
            key.span,
            &format!("`{}` is not a scalar field of `{}`", key.name, model.name),
            &help,
        ));
        return None;
    };
    let field = model.field(fid);
    if field.arity != Arity::Required {
        diags.push(msg::bad_tenant_key(
            key.span,
            &format!("`{}` is optional or a list", key.name),
            "the tenant key must be required: every row belongs to exactly one tenant",
        ));
        return None;
    }
    let root_model = schema.model(root);
    let root_pk = root_model.primary_key.fields[0];
    let has_relation = model.fields.iter().any(|f| {
        f.ty.relation()
            .is_some_and(|r| r.target == root && r.fields == [fid] && r.references == [root_pk])
    });
    if !has_relation {
        let root_name = &root_model.name;
        let rel_field = lower_first(root_name);
        diags.push(msg::bad_tenant_key(
            key.span,
            &format!("`{}` has no relation to the tenant root `{root_name}`", key.name),
            &format!(
                "add `{rel_field} {root_name} @relation(fields: [{}], references: [{}])`",
                key.name,
                root_model.field(root_pk).name
            ),
        ));
        return None;
    }
    Some(fid)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}
