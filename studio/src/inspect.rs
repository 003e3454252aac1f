//! A grid view inspected: its exact SQL and parameters, the same view as a call of the generated
//! repositories (to paste into application code), and `EXPLAIN (FORMAT JSON)` run inside the tenant's
//! transaction, so the plan shows what row-level security adds and which index serves the view.

use maud::{html, Markup};

use crate::catalog::{Column, Model};
use crate::data::{Op, Sql, View};

/// `companyId` → `COMPANY_ID`: the generated column constant.
fn constant(field: &str) -> String {
    let mut out = String::new();
    for (i, ch) in field.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// `CLOSED_WON` → `ClosedWon`: the generated enum variant.
fn variant(value: &str) -> String {
    value
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect()
}

/// A filter value as Rust source, typed as the column is.
fn literal(c: &Column, v: &str) -> String {
    if !c.enum_values.is_empty() {
        return format!("{}::{}", c.type_name, variant(v));
    }
    match c.type_name.as_str() {
        "Int" | "BigInt" | "Float" if v.parse::<f64>().is_ok() => v.to_string(),
        "Boolean" if v == "true" || v == "false" => v.to_string(),
        "Decimal" => format!("\"{v}\".parse::<Decimal>()?"),
        _ => format!("{v:?}"),
    }
}

/// The view as a repository call: `scope.repo::<Deal>().find_many(Query::new()...)`.
pub fn rust(m: &Model, view: &View) -> String {
    let filters: Vec<String> = view
        .filters
        .iter()
        .filter_map(|(f, op, v)| {
            let c = m.column(f)?;
            let col = format!("{}::{}", m.name, constant(f));
            Some(match op {
                Op::Eq => format!("{col}.eq({})", literal(c, v)),
                Op::Ne => format!("{col}.ne({})", literal(c, v)),
                Op::Lt => format!("{col}.lt({})", literal(c, v)),
                Op::Le => format!("{col}.le({})", literal(c, v)),
                Op::Gt => format!("{col}.gt({})", literal(c, v)),
                Op::Ge => format!("{col}.ge({})", literal(c, v)),
                Op::Contains => format!("{col}.contains({v:?}, Case::Insensitive)"),
                Op::Starts => format!("{col}.starts_with({v:?}, Case::Insensitive)"),
                Op::Ends => format!("{col}.ends_with({v:?}, Case::Insensitive)"),
                Op::Null => format!("{col}.is_null()"),
                Op::NotNull => format!("{col}.is_not_null()"),
            })
        })
        .collect();
    let mut q = "Query::new()".to_string();
    match filters.as_slice() {
        [] => {}
        [one] => q.push_str(&format!(".filter({one})")),
        many => {
            let combine = if view.any { "Filter::any_of" } else { "Filter::all_of" };
            q.push_str(&format!(".filter({combine}([{}]))", many.join(", ")));
        }
    }
    if let Some((f, desc)) = &view.sort {
        q.push_str(&format!(
            ".order_by({}::{}.{}())",
            m.name,
            constant(f),
            if *desc { "desc" } else { "asc" }
        ));
    }
    if let Some(k) = m.key.first() {
        q.push_str(&format!(".order_by({}::{}.asc())", m.name, constant(k)));
    }
    let skip = (view.page - 1) * view.size;
    if skip > 0 {
        q.push_str(&format!(".skip({skip})"));
    }
    q.push_str(&format!(".take({})", view.size));
    format!("scope.repo::<{}>().find_many({q}).await?", m.name)
}

/// The page: SQL and parameters, the Rust call, the plan.
pub fn page(m: &Model, view: &View, sql: &Sql, plan: &str, back: &str) -> Markup {
    html! {
        h1 { (m.name) ": the view inspected" }
        p { a href=(back) { "← back to the grid" } }
        h2 { "SQL" }
        pre.code { (sql.text) }
        @if !sql.params.is_empty() {
            ol.params { @for p in &sql.params { li { code { (p) } } } }
        }
        h2 { "As a repository call" }
        pre.code { (rust(m, view)) }
        h2 { "Plan (EXPLAIN, inside the tenant's transaction)" }
        pre.code { (plan) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_generator() {
        assert_eq!(constant("companyId"), "COMPANY_ID");
        assert_eq!(constant("id"), "ID");
        assert_eq!(variant("CLOSED_WON"), "ClosedWon");
        assert_eq!(variant("SOURCING"), "Sourcing");
    }
}
