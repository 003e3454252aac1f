//! Model block attributes: `@@id`, `@@unique`, `@@index`, `@@map`, `@@ignore`, `@@audit`, `@@renamedFrom`,
//! the tenancy markers (`@@tenantRoot`, `@@tenant`, `@@global`), and the membership and role markers
//! (`@@membership`, `@@writableBy`). One table ([`MODEL_ATTRIBUTES`]) names each attribute, whether it may
//! appear once only, and the function that reads it; the same table answers "did you mean".

use std::collections::HashMap;

use super::{RoleMark, TenancyMark, Validator};
use crate::diagnostics::{msg, suggest, Span};
use crate::model::*;
use crate::syntax::ast::{Attribute, Block, Expr, Member};

type Read = fn(&mut Validator, ModelId, &Attribute);

/// A model attribute the language knows.
struct ModelAttribute {
    name: &'static str,
    /// Refused when repeated on one model.
    once: bool,
    /// Offered by "did you mean" (not for attributes that exist only to explain that they are not supported).
    suggested: bool,
    read: Read,
}

const fn attr(name: &'static str, once: bool, read: Read) -> ModelAttribute {
    ModelAttribute {
        name,
        once,
        suggested: true,
        read,
    }
}

const MODEL_ATTRIBUTES: &[ModelAttribute] = &[
    attr("id", true, read_id),
    attr("unique", false, read_index),
    attr("index", false, read_index),
    attr("map", true, read_map),
    attr("ignore", true, |v, mid, _| v.schema.models[mid.0].ignored = true),
    attr("audit", true, |v, mid, _| v.schema.models[mid.0].audited = true),
    attr("renamedFrom", true, read_renamed_from),
    attr("tenantRoot", true, read_bare_mark),
    attr("tenant", true, read_tenant),
    attr("global", true, read_bare_mark),
    attr("membership", true, read_membership),
    attr("writableBy", true, read_writable_by),
    attr("auditLog", true, read_audit_log),
    attr("schema", true, |v, mid, a| {
        v.schema_attr(super::schemas::Owner::Model(mid), a)
    }),
    ModelAttribute {
        name: "fulltext",
        once: false,
        suggested: false,
        read: |v, _, a| {
            v.diags.push(msg::attribute_not_allowed(
                a.span,
                "@@fulltext",
                "MySQL and MongoDB only",
                "use @@index([...], type: Gin) on PostgreSQL",
            ))
        },
    },
];

impl Validator {
    pub(super) fn model_attributes(&mut self, mid: ModelId, b: &Block) {
        if self.model_id_of(b) != Some(mid) {
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for m in &b.members {
            let Member::BlockAttribute(a, _) = m else { continue };
            let name = a.name.name.as_str();
            let Some(known) = MODEL_ATTRIBUTES.iter().find(|k| k.name == name) else {
                let names = MODEL_ATTRIBUTES.iter().filter(|k| k.suggested).map(|k| k.name);
                self.diags
                    .push(msg::unknown_attribute(a.name.span, name, "model", suggest(name, names)));
                continue;
            };
            if known.once && seen.insert(name, a.span).is_some() {
                self.diags.push(msg::attribute_not_allowed(
                    a.span,
                    &format!("@@{name}"),
                    "repeated",
                    "keep one of them",
                ));
                continue;
            }
            (known.read)(self, mid, a);
        }
        self.implicit_primary_key(mid);
    }

    /// Prisma accepts a model without @id when a unique constraint on required fields identifies its rows.
    fn implicit_primary_key(&mut self, mid: ModelId) {
        let model = &self.schema.models[mid.0];
        if model.primary_key.declared {
            return;
        }
        let candidate = model
            .uniques
            .iter()
            .find(|u| u.fields.iter().all(|f| model.field(f.field).arity == Arity::Required))
            .map(Index::field_ids);
        match candidate {
            Some(fields) => self.schema.models[mid.0].primary_key.fields = fields,
            // A field lost to an error may have been the @id: say nothing that may be false.
            None if !model.ignored && !model.view && !self.dropped.contains(&model.name) => {
                let span = Span::new(model.span.start, model.span.start + 5 + 1 + model.name.len());
                self.diags.push(msg::missing_primary_key(span, &model.name));
            }
            None => {}
        }
    }

    /// Reads the field list of `@@id`, `@@unique` and `@@index`: `[a, b(sort: Desc)]` positional or `fields:`.
    fn index_fields(&mut self, mid: ModelId, a: &Attribute) -> Option<Vec<IndexField>> {
        let list = a.positional().next().or_else(|| a.named("fields"));
        let Some(list) = list else {
            self.diags.push(msg::bad_argument(
                a.span,
                &format!("@@{}", a.name.name),
                "no fields",
                &format!("write @@{}([fieldA, fieldB])", a.name.name),
            ));
            return None;
        };
        let model = &self.schema.models[mid.0];
        let mut out = Vec::new();
        let mut ok = true;
        if list.value.items().is_empty() {
            self.diags.push(msg::bad_argument(
                list.span,
                &format!("@@{}", a.name.name),
                "the field list is empty",
                "name at least one field",
            ));
            return None;
        }
        for item in list.value.items() {
            let Some((ident, args)) = item.as_field_ref() else {
                self.diags.push(msg::bad_argument(
                    item.span(),
                    &format!("@@{}", a.name.name),
                    "expected a field name",
                    "list field names, e.g. [organizationId, createdAt(sort: Desc)]",
                ));
                ok = false;
                continue;
            };
            let found = model
                .find_field(&ident.name)
                .filter(|f| !model.field(*f).ty.is_relation());
            let Some(fid) = found else {
                let s = suggest(&ident.name, model.columns().map(|(_, f)| f.name.as_str()));
                self.diags
                    .push(msg::unknown_field_ref(ident.span, &ident.name, &model.name, s));
                ok = false;
                continue;
            };
            let mut field = IndexField {
                field: fid,
                sort: None,
                length: None,
                ops: None,
            };
            for arg in args {
                match (arg.name.as_ref().map(|n| n.name.as_str()), &arg.value) {
                    (Some("sort"), Expr::Path(p)) if p.name == "Asc" => field.sort = Some(Sort::Asc),
                    (Some("sort"), Expr::Path(p)) if p.name == "Desc" => field.sort = Some(Sort::Desc),
                    (Some("length"), Expr::Number { raw, .. }) if raw.parse::<u32>().is_ok() => {
                        field.length = raw.parse().ok()
                    }
                    (Some("ops"), Expr::Path(p)) => field.ops = Some(operator_class(&p.name)),
                    (Some("ops"), Expr::Call { name, args, .. }) if name.name == "raw" => {
                        field.ops = args.first().and_then(|x| x.value.as_str()).map(str::to_string);
                    }
                    _ => {
                        self.diags.push(msg::bad_argument(
                            arg.span,
                            &format!("@@{}", a.name.name),
                            "unknown field option",
                            "allowed: sort: Asc|Desc, length: n, ops: ...",
                        ));
                        ok = false;
                    }
                }
            }
            out.push(field);
        }
        ok.then_some(out)
    }
}

/// A partial index's `where:` as Prisma writes it: `raw("n > 0")` -> `(n > 0)`; `{ deleted: false, kind:
/// "x", gone: null }` -> `("deleted" = false AND "kind" = 'x' AND "gone" IS NULL)` (columns by their
/// database names).
fn partial_predicate(v: &mut Validator, mid: ModelId, value: &Expr) -> Option<String> {
    let bad = |v: &mut Validator, span: Span, problem: &str| {
        v.diags.push(msg::bad_argument(
            span,
            "where",
            problem,
            "write where: raw(\"deleted = false\") or where: { deleted: false }",
        ))
    };
    match value {
        Expr::Call { name, args, .. } if name.name == "raw" => match args.first().and_then(|a| a.value.as_str()) {
            Some(sql) if !sql.trim().is_empty() => Some(format!("({sql})")),
            _ => {
                bad(v, value.span(), "raw(...) takes the condition as a string");
                None
            }
        },
        Expr::Object { entries, .. } if !entries.is_empty() => {
            let mut conditions = Vec::new();
            for (key, val) in entries {
                let model = &v.schema.models[mid.0];
                let Some(fid) = model
                    .find_field(&key.name)
                    .filter(|f| !model.field(*f).ty.is_relation())
                else {
                    let s = suggest(&key.name, model.columns().map(|(_, f)| f.name.as_str()));
                    let name = model.name.clone();
                    v.diags.push(msg::unknown_field_ref(key.span, &key.name, &name, s));
                    return None;
                };
                let column = format!("\"{}\"", model.field(fid).db_name.replace('"', "\"\""));
                let condition = match val {
                    Expr::Path(p) if p.name == "null" => format!("{column} IS NULL"),
                    Expr::Path(p) if p.name == "true" || p.name == "false" => format!("{column} = {}", p.name),
                    Expr::Number { raw, .. } => format!("{column} = {raw}"),
                    Expr::Str(s) => format!("{column} = '{}'", s.value.replace('\'', "''")),
                    other => {
                        bad(
                            v,
                            other.span(),
                            "a condition's value is true, false, null, a number or a string",
                        );
                        return None;
                    }
                };
                conditions.push(condition);
            }
            Some(format!("({})", conditions.join(" AND ")))
        }
        other => {
            bad(v, other.span(), "expected raw(\"...\") or { field: value, ... }");
            None
        }
    }
}

/// Prisma's name of an operator class as PostgreSQL spells it: `ArrayOps` -> `array_ops`, `JsonbPathOps` ->
/// `jsonb_path_ops`, `Int4MinMaxOps` -> `int4_minmax_ops`, `TimestampTzBloomOps` -> `timestamptz_bloom_ops`.
fn operator_class(prisma: &str) -> String {
    let mut snake = String::new();
    for (i, c) in prisma.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
        .replace("min_max", "minmax")
        .replace("_tz_", "tz_")
        .replace("var_bit", "varbit")
}

/// `clustered:` is SQL Server's; Prisma refuses it on PostgreSQL.
pub(super) fn refuse_clustered(v: &mut Validator, a: &Attribute) {
    if let Some(arg) = a.named("clustered") {
        v.diags.push(msg::attribute_not_allowed(
            arg.span,
            &format!("{}(clustered: ...)", a.name.name),
            "SQL Server only",
            "remove `clustered:`; PostgreSQL does not keep tables ordered by an index",
        ));
    }
}

fn read_id(v: &mut Validator, mid: ModelId, a: &Attribute) {
    refuse_clustered(v, a);
    v.check_named_args(a, &["fields", "name", "map", "clustered"]);
    let Some(fields) = v.index_fields(mid, a) else {
        return;
    };
    let model = &v.schema.models[mid.0];
    if model.primary_key.declared {
        let first = model
            .primary_key
            .fields
            .first()
            .map_or(model.span, |f| model.field(*f).span);
        v.diags.push(msg::double_primary_key(a.span, &model.name, first));
        return;
    }
    for f in &fields {
        let fd = model.field(f.field);
        if fd.arity != Arity::Required {
            v.diags
                .push(msg::bad_primary_key_field(a.span, &fd.name, "it is optional or a list"));
        }
    }
    let pk = &mut v.schema.models[mid.0].primary_key;
    pk.fields = fields.iter().map(|f| f.field).collect();
    pk.declared = true;
    pk.name = a.named("name").and_then(|x| x.value.as_str()).map(str::to_string);
    pk.map = a.named("map").and_then(|x| x.value.as_str()).map(str::to_string);
}

fn read_index(v: &mut Validator, mid: ModelId, a: &Attribute) {
    let unique = a.name.name == "unique";
    refuse_clustered(v, a);
    let allowed: &[&str] = if unique {
        &["fields", "name", "map", "clustered", "where"]
    } else {
        &["fields", "name", "map", "type", "clustered", "where"]
    };
    v.check_named_args(a, allowed);
    let Some(fields) = v.index_fields(mid, a) else {
        return;
    };
    let algorithm = match a.named("type").map(|x| &x.value) {
        None => None,
        Some(val) => match val.as_path().map(|p| p.name.as_str()) {
            Some(t @ ("BTree" | "Hash" | "Gin" | "Gist" | "SpGist" | "Brin")) => Some(t.to_string()),
            _ => {
                v.diags.push(msg::bad_argument(
                    val.span(),
                    "@@index",
                    "unknown index type",
                    "use BTree, Hash, Gin, Gist, SpGist or Brin",
                ));
                return;
            }
        },
    };
    let index = Index {
        fields,
        name: a.named("name").and_then(|x| x.value.as_str()).map(str::to_string),
        map: a.named("map").and_then(|x| x.value.as_str()).map(str::to_string),
        algorithm,
        from_field: false,
        predicate: a.named("where").and_then(|w| {
            v.needs_preview("partialIndexes", w.span, "partial indexes (`where:`)");
            partial_predicate(v, mid, &w.value)
        }),
        span: a.span,
    };
    let model = &mut v.schema.models[mid.0];
    if unique {
        model.uniques.push(index);
    } else {
        model.indexes.push(index);
    }
}

fn read_map(v: &mut Validator, mid: ModelId, a: &Attribute) {
    if let Some(s) = v.string_arg(a) {
        v.schema.models[mid.0].db_name = s;
    }
}

fn read_renamed_from(v: &mut Validator, mid: ModelId, a: &Attribute) {
    if let Some(old) = v.string_arg(a) {
        v.schema.models[mid.0].renamed_from = Some(old);
    }
}

/// `@@tenantRoot` and `@@global`, which take no arguments.
fn read_bare_mark(v: &mut Validator, mid: ModelId, a: &Attribute) {
    let name = a.name.name.as_str();
    if a.args.as_ref().is_some_and(|x| !x.is_empty()) {
        v.diags.push(msg::bad_argument(
            a.span,
            &format!("@@{name}"),
            "takes no arguments",
            &format!("write @@{name}"),
        ));
    }
    let mark = if name == "global" {
        TenancyMark::Global(a.span)
    } else {
        TenancyMark::Root(a.span)
    };
    v.marks[mid.0].push(mark);
}

fn read_tenant(v: &mut Validator, mid: ModelId, a: &Attribute) {
    let key = a.positional().next().and_then(|x| x.value.as_path()).cloned();
    match key {
        Some(k) if a.args.as_ref().is_some_and(|x| x.len() == 1) => v.marks[mid.0].push(TenancyMark::Owned(k, a.span)),
        _ => v.diags.push(msg::bad_argument(
            a.span,
            "@@tenant",
            "expected the tenant key field",
            "write @@tenant(organizationId), naming the field that holds the tenant id",
        )),
    }
}

/// `@@membership(user: userId, role: role [, readOnly: [VIEWER]])`: the model whose rows say which user has
/// which role in which tenant, and which roles only read. Checked with the tenancy rules, once every model
/// is classified.
fn read_membership(v: &mut Validator, mid: ModelId, a: &Attribute) {
    v.check_named_args(a, &["user", "role", "readOnly"]);
    let field = |n: &str| a.named(n).and_then(|x| x.value.as_path()).cloned();
    let read_only: Option<Vec<_>> = match a.named("readOnly").map(|x| &x.value) {
        None => Some(Vec::new()),
        Some(Expr::Array { items, .. }) => items.iter().map(|i| i.as_path().cloned()).collect(),
        Some(_) => None,
    };
    match (field("user"), field("role"), read_only) {
        (Some(user), Some(role), Some(read_only)) => v.roles.push(RoleMark::Membership {
            model: mid,
            user,
            role,
            read_only,
            span: a.span,
        }),
        _ => v.diags.push(msg::bad_argument(
            a.span,
            "@@membership",
            "expected the user and role fields (and a list of read-only roles)",
            "write @@membership(user: userId, role: role, readOnly: [VIEWER])",
        )),
    }
}

/// `@@auditLog(type: kind, description: summary, metadata: data, actor: userId [, links: [...]]
/// [, default: OTHER])`: the model audit rows go to. Checked once memberships are known ([`super::audit`]).
fn read_audit_log(v: &mut Validator, mid: ModelId, a: &Attribute) {
    v.check_named_args(a, &["type", "description", "metadata", "actor", "links", "default"]);
    let field = |n: &str| a.named(n).and_then(|x| x.value.as_path()).cloned();
    let links: Option<Vec<_>> = match a.named("links").map(|x| &x.value) {
        None => Some(Vec::new()),
        Some(Expr::Array { items, .. }) => items.iter().map(|i| i.as_path().cloned()).collect(),
        Some(_) => None,
    };
    let default = a.named("default").map(|x| x.value.as_path().cloned());
    match (
        field("type"),
        field("description"),
        field("metadata"),
        field("actor"),
        links,
        default,
    ) {
        (Some(kind), Some(description), Some(metadata), Some(actor), Some(links), default @ (None | Some(Some(_)))) => {
            v.audit.push(super::AuditMark {
                model: mid,
                kind,
                description,
                metadata,
                actor,
                links,
                default: default.flatten(),
                span: a.span,
            })
        }
        _ => v.diags.push(msg::bad_argument(
            a.span,
            "@@auditLog",
            "expected the type, description, metadata and actor fields (and a list of links)",
            "write @@auditLog(type: kind, description: summary, metadata: data, actor: userId, links: [taskId])",
        )),
    }
}

/// `@@writableBy([OWNER, ADMIN])`: the membership roles that may write this model.
fn read_writable_by(v: &mut Validator, mid: ModelId, a: &Attribute) {
    let roles: Option<Vec<_>> = a
        .positional()
        .next()
        .filter(|_| a.args.as_ref().is_some_and(|x| x.len() == 1))
        .and_then(|x| match &x.value {
            Expr::Array { items, .. } if !items.is_empty() => items.iter().map(|i| i.as_path().cloned()).collect(),
            _ => None,
        });
    match roles {
        Some(roles) => v.roles.push(RoleMark::WritableBy {
            model: mid,
            roles,
            span: a.span,
        }),
        None => v.diags.push(msg::bad_argument(
            a.span,
            "@@writableBy",
            "expected a list of roles",
            "write @@writableBy([OWNER, ADMIN]), naming values of the membership's role enum",
        )),
    }
}
