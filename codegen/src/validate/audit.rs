//! `@@auditLog(type: kind, description: summary, metadata: data, actor: accountId [, links: [taskId]]
//! [, default: OTHER])`: the tenant-owned model every write to an `@@audit` model is recorded in, declared in
//! the schema so that the generated `Membership` impl carries the audit sink (an application writes no
//! trait impl). `type` is an enum field (each write stores `<MODEL>_CREATED`, `_UPDATED` or `_DELETED` when
//! the enum has that value, else `default`) or a `String` field (`Task.create`, ...); `description` a
//! `String`, `metadata` a `Json`, `actor` an optional `String` (empty for system writes); each of `links` is
//! the foreign key of a relation to an audited model, set to the written row's id.

use super::AuditMark;
use crate::diagnostics::{msg, suggest, Diagnostic};
use crate::model::*;

/// The actions a write is recorded as, with the suffix of their enum values.
const ACTIONS: [(&str, &str); 3] = [("create", "CREATED"), ("update", "UPDATED"), ("delete", "DELETED")];

pub(crate) fn check(schema: &mut Schema, marks: &[AuditMark], diags: &mut Vec<Diagnostic>) {
    let Some(mark) = marks.first() else { return };
    for extra in &marks[1..] {
        diags.push(msg::bad_audit_log(
            extra.span,
            "a second audit log model",
            "mark exactly one model with @@auditLog",
        ));
    }
    let m = schema.model(mark.model);
    let Tenancy::Owned { key } = m.tenancy else {
        diags.push(msg::bad_audit_log(
            mark.span,
            &format!("`{}` is not tenant-owned", m.name),
            "audit rows belong to the tenant of the write: add @@tenant(...)",
        ));
        return;
    };
    if schema.membership.is_none() {
        diags.push(msg::bad_audit_log(
            mark.span,
            "an audit log without a membership model",
            "writes are recorded with their member: mark the model holding each user's role with @@membership",
        ));
        return;
    }
    let field =
        |ident: &crate::syntax::ast::Ident, want: &dyn Fn(&Field) -> bool, what: &str, diags: &mut Vec<Diagnostic>| {
            match m.find_field(&ident.name) {
                Some(f) if want(m.field(f)) => Some(f),
                Some(_) => {
                    diags.push(msg::bad_audit_log(
                        ident.span,
                        &format!("`{}` is not {what}", ident.name),
                        &format!("name a field that is {what}"),
                    ));
                    None
                }
                None => {
                    let s = suggest(&ident.name, m.columns().map(|(_, f)| f.name.as_str()));
                    diags.push(msg::unknown_field_ref(ident.span, &ident.name, &m.name, s));
                    None
                }
            }
        };
    let required = |f: &Field| f.arity == Arity::Required;
    let kind = field(
        &mark.kind,
        &|f| required(f) && (matches!(f.ty, FieldType::Enum(_)) || f.scalar() == Some(Scalar::String)),
        "a required enum or String",
        diags,
    );
    let description = field(
        &mark.description,
        &|f| required(f) && f.scalar() == Some(Scalar::String),
        "a required String",
        diags,
    );
    let metadata = field(
        &mark.metadata,
        &|f| f.scalar() == Some(Scalar::Json),
        "a Json field",
        diags,
    );
    let actor = field(
        &mark.actor,
        &|f| f.arity == Arity::Optional && f.scalar() == Some(Scalar::String),
        "an optional String",
        diags,
    );
    let mut links = Vec::new();
    for link in &mark.links {
        let Some(f) = field(
            link,
            &|f| f.scalar() == Some(Scalar::String),
            "a String foreign key",
            diags,
        ) else {
            continue;
        };
        let target = m
            .fields
            .iter()
            .filter_map(|r| r.ty.relation())
            .find(|r| r.fields == [f])
            .map(|r| r.target);
        match target {
            Some(t) if schema.model(t).audited => links.push((t, f)),
            _ => diags.push(msg::bad_audit_log(
                link.span,
                &format!(
                    "`{}` is not the foreign key of a relation to an @@audit model",
                    link.name
                ),
                "list the fields whose relation points at an audited model, e.g. links: [taskId]",
            )),
        }
    }
    let kinds = kind.and_then(|k| kinds(schema, m.field(k), mark, diags));
    let (Some(kind), Some(description), Some(metadata), Some(actor), Some(kinds)) =
        (kind, description, metadata, actor, kinds)
    else {
        return;
    };
    schema.audit_log = Some(AuditLog {
        model: mark.model,
        tenant: key,
        kind,
        description,
        metadata,
        actor,
        links,
        kinds,
    });
}

/// What each write to each `@@audit` model stores in the type field: `(model, action, value)`.
fn kinds(
    schema: &Schema,
    kind: &Field,
    mark: &AuditMark,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, String, String)>> {
    let audited = schema.models.iter().filter(|m| m.audited && !m.ignored);
    let FieldType::Enum(e) = kind.ty else {
        return Some(
            audited
                .flat_map(|m| {
                    ACTIONS
                        .iter()
                        .map(move |(a, _)| (m.name.clone(), a.to_string(), format!("{}.{a}", m.name)))
                })
                .collect(),
        );
    };
    let values = &schema.enum_(e).values;
    let fallback = match &mark.default {
        None => None,
        Some(d) => match values.iter().find(|v| v.name == d.name) {
            Some(v) => Some(v.db_name.clone()),
            None => {
                let s = suggest(&d.name, values.iter().map(|v| v.name.as_str()));
                diags.push(msg::unknown_role(d.span, &d.name, &schema.enum_(e).name, s));
                return None;
            }
        },
    };
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for m in audited {
        for (action, suffix) in ACTIONS {
            let wanted = format!("{}_{suffix}", screaming(&m.name));
            match values
                .iter()
                .find(|v| v.name == wanted)
                .map(|v| v.db_name.clone())
                .or_else(|| fallback.clone())
            {
                Some(v) => out.push((m.name.clone(), action.to_string(), v)),
                None => missing.push(wanted),
            }
        }
    }
    if !missing.is_empty() {
        diags.push(msg::bad_audit_log(
            mark.span,
            &format!("`{}` has no value for {}", schema.enum_(e).name, missing.join(", ")),
            "add those values to the enum, or give the rest one: default: OTHER",
        ));
        return None;
    }
    Some(out)
}

/// `DocumentChunk` -> `DOCUMENT_CHUNK`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn screaming_case() {
        assert_eq!(super::screaming("DocumentChunk"), "DOCUMENT_CHUNK");
        assert_eq!(super::screaming("Task"), "TASK");
    }
}
