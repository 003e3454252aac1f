//! Relation rules: pairing each relation field with its back-relation, `fields`/`references` arity and
//! types, uniqueness of what is referenced, optionality, and which side holds the foreign key.

use std::collections::{BTreeMap, HashSet};

use super::PendingRelation;
use crate::diagnostics::{msg, suggest, Diagnostic};
use crate::model::*;

struct Resolved {
    p: PendingRelation,
    fields: Option<Vec<FieldId>>,
    references: Option<Vec<FieldId>>,
}

/// Whether `fields` (as a set) is the primary key or a unique constraint of `model`.
pub(crate) fn is_unique(model: &Model, fields: &[FieldId]) -> bool {
    let set: HashSet<FieldId> = fields.iter().copied().collect();
    let same = |other: Vec<FieldId>| other.len() == set.len() && other.iter().all(|f| set.contains(f));
    same(model.primary_key.fields.clone()) || model.uniques.iter().any(|u| same(u.field_ids()))
}

fn resolve_names(
    schema: &Schema,
    model: ModelId,
    names: &[crate::syntax::ast::Ident],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<FieldId>> {
    let m = schema.model(model);
    let mut out = Vec::new();
    let mut ok = true;
    for n in names {
        match m.find_field(&n.name).filter(|f| !m.field(*f).ty.is_relation()) {
            Some(f) => out.push(f),
            None => {
                let s = suggest(&n.name, m.columns().map(|(_, f)| f.name.as_str()));
                diags.push(msg::unknown_field_ref(n.span, &n.name, &m.name, s));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

pub(crate) fn resolve(
    schema: &mut Schema,
    pending: Vec<PendingRelation>,
    dropped: &std::collections::HashSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut resolved = Vec::new();
    for p in pending {
        let fields = p
            .raw
            .fields
            .as_ref()
            .and_then(|n| resolve_names(schema, p.model, n, diags));
        let references = p
            .raw
            .references
            .as_ref()
            .and_then(|n| resolve_names(schema, p.target, n, diags));
        let failed =
            (p.raw.fields.is_some() && fields.is_none()) || (p.raw.references.is_some() && references.is_none());
        if failed {
            // Still pair it, so that the back-relation is not reported missing on top of the real error.
            resolved.push(Resolved {
                p,
                fields: Some(Vec::new()),
                references: Some(Vec::new()),
            });
            continue;
        }
        resolved.push(Resolved { p, fields, references });
    }

    let mut groups: BTreeMap<(ModelId, ModelId, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in resolved.iter().enumerate() {
        let (a, b) = (r.p.model.min(r.p.target), r.p.model.max(r.p.target));
        groups
            .entry((a, b, r.p.raw.name.clone().unwrap_or_default()))
            .or_default()
            .push(i);
    }

    for ((a, b, name), members) in groups {
        let pair = if a == b {
            match members.as_slice() {
                // Prisma cannot tell the sides of an unnamed self relation apart: it wants a name.
                [x, y] if name.is_empty() => {
                    for i in [x, y] {
                        let r = &resolved[*i];
                        diags.push(msg::unnamed_self_relation(r.p.raw.span, &schema.model(a).name));
                    }
                    None
                }
                [x, y] => Some((*x, *y)),
                [x] => {
                    let r = &resolved[*x];
                    let m = &schema.model(r.p.model).name;
                    diags.push(msg::missing_back_relation(
                        r.p.raw.span,
                        &schema.model(r.p.model).field(r.p.field).name,
                        m,
                        m,
                    ));
                    None
                }
                more => {
                    for i in &more[2..] {
                        let r = &resolved[*i];
                        diags.push(msg::ambiguous_relation(
                            r.p.raw.span,
                            &schema.model(a).name,
                            &schema.model(b).name,
                        ));
                    }
                    None
                }
            }
        } else {
            let side_a: Vec<usize> = members.iter().copied().filter(|i| resolved[*i].p.model == a).collect();
            let side_b: Vec<usize> = members.iter().copied().filter(|i| resolved[*i].p.model == b).collect();
            if side_a.len() > 1 || side_b.len() > 1 {
                // Once per ambiguous side, at its first field: where Prisma points.
                let ambiguous = |side: &[usize]| if side.len() > 1 { side[..1].to_vec() } else { Vec::new() };
                for i in ambiguous(&side_a).iter().chain(&ambiguous(&side_b)) {
                    let r = &resolved[*i];
                    let model = &schema.model(r.p.model).name;
                    let target = &schema.model(r.p.target).name;
                    diags.push(msg::ambiguous_relation(r.p.raw.span, model, target));
                }
                None
            } else if side_a.is_empty() || side_b.is_empty() {
                for i in side_a.iter().chain(side_b.iter()) {
                    let r = &resolved[*i];
                    let model = schema.model(r.p.model);
                    // The other side's field may be the one dropped for a misspelled type.
                    if dropped.contains(&schema.model(r.p.target).name) {
                        continue;
                    }
                    diags.push(msg::missing_back_relation(
                        model.field(r.p.field).span,
                        &model.field(r.p.field).name,
                        &model.name,
                        &schema.model(r.p.target).name,
                    ));
                }
                None
            } else {
                Some((side_a[0], side_b[0]))
            }
        };
        let Some((x, y)) = pair else { continue };
        let name = if name.is_empty() {
            let (ma, mb) = (&schema.model(a).name, &schema.model(b).name);
            let (first, second) = if ma <= mb { (ma, mb) } else { (mb, ma) };
            format!("{first}To{second}")
        } else {
            name
        };
        pair_up(schema, &resolved[x], &resolved[y], &name, diags);
    }
}

fn pair_up(schema: &mut Schema, x: &Resolved, y: &Resolved, name: &str, diags: &mut Vec<Diagnostic>) {
    for r in [x, y] {
        if r.fields.is_some() != r.references.is_some() {
            diags.push(msg::bad_relation(
                r.p.raw.span,
                "`fields` and `references` go together",
                "give both, e.g. @relation(fields: [companyId], references: [id]), or neither",
            ));
            return;
        }
    }
    let arity = |r: &Resolved| schema.model(r.p.model).field(r.p.field).arity;
    let (ax, ay) = (arity(x), arity(y));
    let (hx, hy) = (x.fields.is_some(), y.fields.is_some());
    let field_span = |r: &Resolved| schema.model(r.p.model).field(r.p.field).span;

    let (kx, ky, holder) = match (ax == Arity::List, ay == Arity::List) {
        (true, true) => {
            if hx || hy {
                let r = if hx { x } else { y };
                diags.push(msg::relation_sides(
                    r.p.raw.span,
                    "an implicit many-to-many relation has no `fields`",
                    "remove fields/references; Prisma manages the join table (or model the join table explicitly)",
                ));
                return;
            }
            // At the field whose target lacks the single id, as Prisma points.
            for r in [x, y] {
                let m = schema.model(r.p.target);
                if m.primary_key.fields.len() != 1 {
                    diags.push(msg::bad_relation(
                        field_span(r),
                        "implicit many-to-many needs single-field ids on both models",
                        "give the model an @id, or model the join table explicitly",
                    ));
                    return;
                }
            }
            (RelationKind::ManyToMany, RelationKind::ManyToMany, None)
        }
        (false, true) | (true, false) => {
            let (single, list) = if ax == Arity::List { (y, x) } else { (x, y) };
            if list.fields.is_some() {
                diags.push(msg::relation_sides(
                    list.p.raw.span,
                    "the list side of a one-to-many relation cannot hold `fields`",
                    "move fields/references to the field on the other model",
                ));
                return;
            }
            if single.fields.is_none() {
                diags.push(msg::relation_sides(
                    field_span(single),
                    "this side must say which fields hold the foreign key",
                    "add @relation(fields: [targetId], references: [id]) and the scalar field it names",
                ));
                return;
            }
            if std::ptr::eq(single, x) {
                (RelationKind::ManyToOne, RelationKind::OneToMany, Some(x))
            } else {
                (RelationKind::OneToMany, RelationKind::ManyToOne, Some(y))
            }
        }
        (false, false) => {
            if hx == hy {
                let why = if hx {
                    "both sides of a one-to-one relation hold `fields`"
                } else {
                    "neither side of the one-to-one relation holds `fields`"
                };
                diags.push(msg::relation_sides(
                    field_span(x),
                    why,
                    "put @relation(fields: [...], references: [...]) on exactly one side",
                ));
                return;
            }
            let (holder, other) = if hx { (x, y) } else { (y, x) };
            if arity(other) != Arity::Optional {
                // Reported at the side holding the key, as Prisma does; the fix is on the other side.
                let om = schema.model(other.p.model);
                diags.push(msg::one_to_one_back_required(
                    field_span(holder),
                    &om.name,
                    &om.field(other.p.field).name,
                ));
                return;
            }
            let hm = schema.model(holder.p.model);
            if let Some(f) = &holder.fields {
                if !f.is_empty() && !is_unique(hm, f) {
                    diags.push(msg::bad_relation(
                        holder.p.raw.span,
                        "the foreign key of a one-to-one relation must be unique",
                        "add @unique to the foreign key field, or make the other side a list (one-to-many)",
                    ));
                    return;
                }
            }
            (
                RelationKind::OneToOne { holds_fk: hx },
                RelationKind::OneToOne { holds_fk: hy },
                Some(holder),
            )
        }
    };

    if let Some(h) = holder {
        let fields = h.fields.clone().unwrap_or_default();
        let refs = h.references.clone().unwrap_or_default();
        if fields.is_empty() || refs.is_empty() {
            // Names that failed to resolve were reported already; an explicitly empty list is an error here.
            if h.p.raw.fields.as_ref().is_some_and(|f| f.is_empty()) {
                diags.push(msg::bad_relation(
                    h.p.raw.span,
                    "`fields` is empty",
                    "name the scalar field(s) holding the foreign key",
                ));
            }
            return;
        }
        let model = schema.model(h.p.model);
        let target = schema.model(h.p.target);
        if fields.len() != refs.len() {
            diags.push(msg::bad_relation(
                h.p.raw.span,
                "`fields` and `references` differ in length",
                "list one referenced field per foreign key field",
            ));
            return;
        }
        for (f, r) in fields.iter().zip(&refs) {
            let (fd, rd) = (model.field(*f), target.field(*r));
            let same = match (&fd.ty, &rd.ty) {
                (FieldType::Scalar(a), FieldType::Scalar(b)) => a == b,
                (FieldType::Enum(a), FieldType::Enum(b)) => a == b,
                _ => false,
            };
            if !same {
                diags.push(msg::bad_relation(
                    h.p.raw.span,
                    &format!("`{}` and `{}.{}` have different types", fd.name, target.name, rd.name),
                    "a foreign key field must have the type of the field it references",
                ));
                return;
            }
            if fd.arity == Arity::List {
                diags.push(msg::bad_relation(
                    h.p.raw.span,
                    &format!("`{}` is a list", fd.name),
                    "a foreign key field cannot be a list",
                ));
                return;
            }
        }
        if !is_unique(target, &refs) {
            let names: Vec<&str> = refs.iter().map(|r| target.field(*r).name.as_str()).collect();
            diags.push(msg::references_not_unique(
                h.p.raw.span,
                &target.name,
                &names.join(", "),
            ));
            return;
        }
        let any_optional = fields.iter().any(|f| model.field(*f).arity == Arity::Optional);
        let rel_arity = model.field(h.p.field).arity;
        let names: Vec<String> = fields.iter().map(|f| format!("`{}`", model.field(*f).name)).collect();
        if any_optional && rel_arity == Arity::Required {
            diags.push(msg::relation_optionality(
                field_span(h),
                &model.field(h.p.field).name,
                &names.join(", "),
                "optional",
            ));
            return;
        }
        // An optional relation over required scalars is Prisma's too: an ordinary foreign key (RESTRICT).
        let set_null = [h.p.raw.on_delete, h.p.raw.on_update].contains(&Some(ReferentialAction::SetNull));
        if set_null && !any_optional {
            diags.push(msg::set_null_on_required(h.p.raw.span, &names.join(", ")));
        }
    }
    for (r, back, kind) in [(x, y, kx), (y, x, ky)] {
        let rel = Relation {
            target: r.p.target,
            name: name.to_string(),
            fields: r.fields.clone().unwrap_or_default(),
            references: r.references.clone().unwrap_or_default(),
            on_delete: r.p.raw.on_delete,
            on_update: r.p.raw.on_update,
            map: r.p.raw.map.clone(),
            back: back.p.field,
            kind,
        };
        schema.models[r.p.model.0].fields[r.p.field.0].ty = FieldType::Relation(rel);
    }
}
