//! Canonical formatting of a schema file (like `prisma format`): two-space indentation, fields aligned in
//! columns (name, type, attributes) within runs separated by blank lines, `key = value` aligned in
//! datasource and generator blocks, one blank line between blocks. Comments are kept. Idempotent.

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::*;

/// Formats `src`. Refuses (returns the diagnostics) when the file does not parse, so nothing is lost.
pub fn format(src: &str) -> Result<String, Vec<Diagnostic>> {
    let (ast, diags) = crate::syntax::parse(src);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(crate::diagnostics::limit(src, diags));
    }
    Ok(print(&ast))
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
    }
}

#[cfg(test)]
mod tests {
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
