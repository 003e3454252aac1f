//! Canonical formatting of a schema file (like `prisma format`): two-space indentation, fields aligned in
//! columns (name, type, attributes) within runs separated by blank lines, `key = value` aligned in
//! datasource and generator blocks, one blank line between blocks. Comments are kept. Idempotent. Like
//! `prisma format`, it adds the back-relation field a relation is missing ([`complete_back_relations`]).

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::*;

/// Formats `src`. Refuses (returns the diagnostics) when the file does not parse, so nothing is lost.
pub fn format(src: &str) -> Result<String, Vec<Diagnostic>> {
    let (mut ast, diags) = crate::syntax::parse(src);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(crate::diagnostics::limit(src, diags));
    }
    complete_back_relations(&mut ast);
    Ok(print(&ast))
}

/// The relation name a field's `@relation` gives (its first positional string, or `name:`).
fn relation_name(f: &Field) -> Option<String> {
    let rel = f.attributes.iter().find(|a| a.name.name == "relation")?;
    rel.positional()
        .next()
        .or_else(|| rel.named("name"))
        .and_then(|a| a.value.as_str())
        .map(str::to_string)
}

/// Adds, as `prisma format` does, the other side of each relation that has none: in the target model, a
/// field named after the model (`Post Post[]`; `Post?` when the foreign key is unique, so the relation is
/// one-to-one), with the relation's name when it has one. Self-relations and relations whose target is
/// not a model of the file are left alone.
pub fn complete_back_relations(ast: &mut SchemaAst) {
    let models: Vec<String> = ast
        .items
        .iter()
        .filter_map(|i| match i {
            TopItem::Block(b) if b.kind == BlockKind::Model => Some(b.name.name.clone()),
            _ => None,
        })
        .collect();
    let fields_of = |ast: &SchemaAst, model: &str| -> Vec<Field> {
        ast.items
            .iter()
            .find_map(|i| match i {
                TopItem::Block(b) if b.kind == BlockKind::Model && b.name.name == model => Some(
                    b.members
                        .iter()
                        .filter_map(|m| match m {
                            Member::Field(f) => Some(f.clone()),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    };
    let mut additions: Vec<(String, Field)> = Vec::new();
    for model in &models {
        let fields = fields_of(ast, model);
        for f in &fields {
            let Some(ty) = &f.ty else { continue };
            let target = &ty.name.name;
            if target == model || !models.contains(target) {
                continue;
            }
            let name = relation_name(f);
            let answered = fields_of(ast, target)
                .iter()
                .any(|g| g.ty.as_ref().is_some_and(|t| &t.name.name == model) && relation_name(g) == name)
                || additions.iter().any(|(t, g)| {
                    t == target && g.ty.as_ref().is_some_and(|x| &x.name.name == model) && relation_name(g) == name
                });
            if answered {
                continue;
            }
            // One-to-one when this side's foreign key is unique on its own.
            let key: Vec<String> = f
                .attributes
                .iter()
                .find(|a| a.name.name == "relation")
                .and_then(|a| a.named("fields"))
                .and_then(|a| match &a.value {
                    Expr::Array { items, .. } => Some(
                        items
                            .iter()
                            .filter_map(|i| i.as_path())
                            .map(|p| p.name.clone())
                            .collect(),
                    ),
                    _ => None,
                })
                .unwrap_or_default();
            let unique_key = key.len() == 1
                && fields
                    .iter()
                    .any(|g| g.name.name == key[0] && g.attributes.iter().any(|a| a.name.name == "unique"));
            let span = f.span;
            let ident = |name: &str| Ident {
                name: name.to_string(),
                span,
            };
            let attributes = name
                .map(|n| {
                    vec![Attribute {
                        name: ident("relation"),
                        args: Some(vec![Arg {
                            name: None,
                            value: Expr::Str(StrLit {
                                raw: format!("{n:?}"),
                                value: n,
                                span,
                            }),
                            span,
                        }]),
                        span,
                    }]
                })
                .unwrap_or_default();
            additions.push((
                target.clone(),
                Field {
                    docs: Vec::new(),
                    name: ident(model),
                    ty: Some(TypeRef {
                        name: ident(model),
                        arity: if unique_key { Arity::Optional } else { Arity::List },
                        unsupported: None,
                        span,
                    }),
                    attributes,
                    comment: None,
                    span,
                },
            ));
        }
    }
    for (target, field) in additions {
        for item in &mut ast.items {
            let TopItem::Block(b) = item else { continue };
            if b.kind != BlockKind::Model || b.name.name != target {
                continue;
            }
            // After the last field (before trailing blank lines, comments and block attributes).
            let at = b
                .members
                .iter()
                .rposition(|m| matches!(m, Member::Field(_)))
                .map_or(0, |i| i + 1);
            b.members.insert(at, Member::Field(field.clone()));
        }
    }
}

/// Prints a syntax tree in canonical form.
pub fn print(ast: &SchemaAst) -> String {
    let mut out = String::new();
    let mut prev_block = false;
    for item in &ast.items {
        match item {
            TopItem::Blank => {
                if !out.is_empty() && !out.ends_with("\n\n") {
                    out.push('\n');
                }
                prev_block = false;
            }
            TopItem::Comment(c) => {
                if prev_block {
                    out.push('\n');
                }
                out.push_str(&format!("//{c}\n"));
                prev_block = false;
            }
            TopItem::Block(b) => {
                if prev_block {
                    out.push('\n');
                }
                block(&mut out, b);
                prev_block = true;
            }
        }
    }
    out
}

fn block(out: &mut String, b: &Block) {
    for d in &b.docs {
        out.push_str(&format!("///{d}\n"));
    }
    out.push_str(&format!("{} {} {{\n", b.kind.keyword(), b.name.name));
    let mut run: Vec<&Member> = Vec::new();
    for m in &b.members {
        if matches!(m, Member::Blank) {
            flush_run(out, &run);
            run.clear();
            out.push('\n');
        } else {
            run.push(m);
        }
    }
    flush_run(out, &run);
    out.push_str("}\n");
}

/// Prints members that align together.
fn flush_run(out: &mut String, run: &[&Member]) {
    let mut name_w = 0;
    let mut type_w = 0;
    let mut key_w = 0;
    for m in run {
        match m {
            Member::Field(f) => {
                name_w = name_w.max(f.name.name.len());
                if let Some(t) = &f.ty {
                    type_w = type_w.max(type_text(t).len());
                }
            }
            Member::Property(p) => key_w = key_w.max(p.name.name.len()),
            _ => {}
        }
    }
    for m in run {
        let mut line = String::from("  ");
        match m {
            Member::Field(f) => {
                for d in &f.docs {
                    out.push_str(&format!("  ///{d}\n"));
                }
                line.push_str(&format!("{:name_w$}", f.name.name));
                if let Some(t) = &f.ty {
                    line.push(' ');
                    line.push_str(&format!("{:type_w$}", type_text(t)));
                }
                for a in &f.attributes {
                    line.push(' ');
                    line.push('@');
                    line.push_str(&attribute(a));
                }
                push_comment(&mut line, &f.comment);
            }
            Member::BlockAttribute(a, comment) => {
                line.push_str("@@");
                line.push_str(&attribute(a));
                push_comment(&mut line, comment);
            }
            Member::Property(p) => {
                line.push_str(&format!("{:key_w$} = {}", p.name.name, expr(&p.value)));
                push_comment(&mut line, &p.comment);
            }
            Member::Comment(c) => line.push_str(&format!("//{c}")),
            Member::Blank => {}
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn push_comment(line: &mut String, comment: &Option<String>) {
    if let Some(c) = comment {
        let trimmed = line.trim_end().len();
        line.truncate(trimmed);
        line.push_str(&format!(" //{c}"));
    }
}

fn type_text(t: &TypeRef) -> String {
    let mut s = t.name.name.clone();
    if let Some(u) = &t.unsupported {
        s.push_str(&format!("({})", u.raw));
    }
    match t.arity {
        Arity::Required => {}
        Arity::Optional => s.push('?'),
        Arity::List => s.push_str("[]"),
    }
    s
}

fn attribute(a: &Attribute) -> String {
    match &a.args {
        None => a.name.name.clone(),
        Some(args) => format!("{}({})", a.name.name, self::args(args)),
    }
}

fn args(args: &[Arg]) -> String {
    args.iter()
        .map(|a| match &a.name {
            Some(n) => format!("{}: {}", n.name, expr(&a.value)),
            None => expr(&a.value),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn expr(e: &Expr) -> String {
    match e {
        Expr::Str(s) => s.raw.clone(),
        Expr::Number { raw, .. } => raw.clone(),
        Expr::Path(p) => p.name.clone(),
        Expr::Call { name, args: a, .. } => format!("{}({})", name.name, args(a)),
        Expr::Array { items, .. } => format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(", ")),
        Expr::Object { entries, .. } => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", k.name, expr(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn adds_missing_back_relations_as_prisma_format_does() {
        let src = "model User {\n  id Int @id\n}\n\nmodel Profile {\n  id     Int  @id\n  userId Int  @unique\n  user   User @relation(fields: [userId], references: [id])\n}\n\nmodel Post {\n  id       Int  @id\n  authorId Int\n  author   User @relation(\"authored\", fields: [authorId], references: [id])\n}\n";
        let out = super::format(src).expect("parses");
        assert!(out.contains("  Profile Profile?\n"), "{out}");
        assert!(out.contains("  Post    Post[]   @relation(\"authored\")\n"), "{out}");
        let (schema, diags) = crate::check(&out);
        assert!(schema.is_some(), "{diags:?}\n{out}");
        assert_eq!(super::format(&out).expect("again"), out, "idempotent");
    }

    use super::format;

    #[test]
    fn aligns_and_is_idempotent() {
        let src = "// top\nmodel A {\nid String @id   // pk\n  longName   Int?\n\n  @@index([longName])\n}\nenum E {\n  X\n  YY @map(\"y\")\n}\n";
        let once = format(src).unwrap_or_default();
        assert_eq!(
            once,
            "// top\nmodel A {\n  id       String @id // pk\n  longName Int?\n\n  @@index([longName])\n}\n\nenum E {\n  X\n  YY @map(\"y\")\n}\n"
        );
        assert_eq!(format(&once).unwrap_or_default(), once);
    }

    #[test]
    fn refuses_broken_input() {
        assert!(format("model A {\n  id String @id(\n}\n").is_err());
    }
}
