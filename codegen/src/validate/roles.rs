//! Membership and role rules. `@@membership(user: userId, role: role)` marks the one tenant-owned model
//! whose rows give a user a role in a tenant: `user` a required scalar field, `role` a required field of an
//! enum whose declaration order ranks the roles, highest first. `@@writableBy([...])` on a tenant-owned
//! model or the tenant root names the roles that may write it: values of that enum.

use super::RoleMark;
use crate::diagnostics::{msg, suggest, Diagnostic};
use crate::model::*;

pub(crate) fn check(schema: &mut Schema, marks: &[RoleMark], diags: &mut Vec<Diagnostic>) {
    let mut membership: Option<Membership> = None;
    for mark in marks {
        let RoleMark::Membership {
            model,
            user,
            role,
            read_only,
            span,
        } = mark
        else {
            continue;
        };
        if membership.is_some() {
            diags.push(msg::bad_membership(
                *span,
                "a second membership model",
                "mark exactly one model with @@membership",
            ));
            continue;
        }
        let m = schema.model(*model);
        if !matches!(m.tenancy, Tenancy::Owned { .. }) {
            diags.push(msg::bad_membership(
                *span,
                &format!("`{}` is not tenant-owned", m.name),
                "the membership model belongs to a tenant: add @@tenant(...)",
            ));
            continue;
        }
        let field = |ident: &crate::syntax::ast::Ident, diags: &mut Vec<Diagnostic>| {
            let found = m
                .find_field(&ident.name)
                .filter(|f| !m.field(*f).ty.is_relation() && m.field(*f).arity == Arity::Required);
            if found.is_none() {
                let s = suggest(&ident.name, m.columns().map(|(_, f)| f.name.as_str()));
                diags.push(msg::unknown_field_ref(ident.span, &ident.name, &m.name, s));
            }
            found
        };
        let (Some(user), Some(role)) = (field(user, diags), field(role, diags)) else {
            continue;
        };
        let FieldType::Enum(e) = m.field(role).ty else {
            diags.push(msg::bad_membership(
                *span,
                &format!("`{}` is not an enum", m.field(role).name),
                "the role field's type is an enum whose values are the roles, highest first",
            ));
            continue;
        };
        let roles_enum = schema.enum_(e);
        let ranks = roles_enum.values.iter().map(|v| v.db_name.clone()).collect();
        let read_only = role_values(roles_enum, read_only, diags);
        membership = Some(Membership {
            model: *model,
            user,
            role,
            ranks,
            read_only,
        });
    }
    for mark in marks {
        let RoleMark::WritableBy { model, roles, span } = mark else {
            continue;
        };
        let Some(ms) = &membership else {
            diags.push(msg::bad_membership(
                *span,
                "roles without a membership model",
                "mark the model that holds each user's role with @@membership(user: ..., role: ...)",
            ));
            continue;
        };
        if matches!(schema.model(*model).tenancy, Tenancy::Global | Tenancy::Unmarked) {
            diags.push(msg::bad_membership(
                *span,
                &format!("`{}` belongs to no tenant", schema.model(*model).name),
                "@@writableBy restricts writes to tenant-owned models and the tenant root",
            ));
            continue;
        }
        let m = schema.model(ms.model);
        let FieldType::Enum(e) = m.field(ms.role).ty else {
            continue;
        };
        let values = role_values(schema.enum_(e), roles, diags);
        schema.models[model.0].write_roles = values;
    }
    schema.membership = membership;
}

/// The database values of `roles`, each a value of the role enum (else a diagnostic with the closest).
fn role_values(roles_enum: &Enum, roles: &[crate::syntax::ast::Ident], diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut values = Vec::new();
    for r in roles {
        match roles_enum.values.iter().find(|v| v.name == r.name) {
            Some(v) => values.push(v.db_name.clone()),
            None => {
                let s = suggest(&r.name, roles_enum.values.iter().map(|v| v.name.as_str()));
                diags.push(msg::unknown_role(r.span, &r.name, &roles_enum.name, s));
            }
        }
    }
    values
}
