//! What `query_as!` reads from its statement, with the SQL guard's lexer (strings, comments, dollar quotes
//! and quoted identifiers are never mistaken for names): the `{Model}` placeholders that name its tables,
//! the aliases they take, every column reference that can be resolved to a model, and the output columns
//! with, where the item is a bare column, the model column it comes from.

use trato_sqlguard::{lex, Token, TokenKind};

use super::keywords::is_keyword;

/// A piece of the statement: text, or the table of the `n`th placeholder.
#[derive(Debug, PartialEq)]
pub enum Piece {
    Text(String),
    Table(usize),
}

/// A column of the model of placeholder `model`.
#[derive(Debug, PartialEq, Clone)]
pub struct ColumnRef {
    pub model: usize,
    pub column: String,
}

/// An output column: its name (the struct field it fills) and, for a bare column, where it comes from.
#[derive(Debug, PartialEq)]
pub struct Output {
    pub name: String,
    pub column: Option<ColumnRef>,
}

#[derive(Debug, Default)]
pub struct Scan {
    /// The placeholders' model paths, as written.
    pub models: Vec<String>,
    pub pieces: Vec<Piece>,
    /// Every column reference resolved to a model (qualified ones always; unqualified ones when the
    /// statement reads one model and the word is not a keyword).
    pub refs: Vec<ColumnRef>,
    pub outputs: Vec<Output>,
    /// The statement with each placeholder as a quoted name, for the SQL guard.
    pub guard_text: String,
}

/// A token, or a placeholder standing for a model's table.
#[derive(Clone, Copy)]
enum T<'a> {
    Tok(&'a Token),
    Model(usize),
}

impl<'a> T<'a> {
    fn word(self) -> Option<&'a str> {
        match self {
            T::Tok(t) if t.kind == TokenKind::Word => Some(&t.text),
            _ => None,
        }
    }

    /// A word or a quoted identifier: a name.
    fn name(self) -> Option<&'a str> {
        match self {
            T::Tok(t) if matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) => Some(&t.text),
            _ => None,
        }
    }

    fn is(self, text: &str) -> bool {
        match self {
            T::Tok(t) => t.kind != TokenKind::String && t.kind != TokenKind::QuotedIdent && t.text == text,
            T::Model(_) => false,
        }
    }
}

/// Words that end a table reference rather than alias it.
const NOT_ALIAS: &[&str] = &[
    "where",
    "join",
    "inner",
    "left",
    "right",
    "full",
    "cross",
    "natural",
    "on",
    "using",
    "group",
    "order",
    "limit",
    "offset",
    "having",
    "set",
    "values",
    "returning",
    "union",
    "except",
    "intersect",
    "window",
    "for",
    "lateral",
    "tablesample",
    "fetch",
    "default",
    "select",
    "from",
    "into",
    "do",
    "when",
    "then",
    "and",
    "or",
    "only",
    "as",
];

pub fn scan(sql: &str) -> Result<Scan, String> {
    let tokens = lex(sql).map_err(|r| r.message)?;
    let mut out = Scan::default();
    let mut ts: Vec<T<'_>> = Vec::with_capacity(tokens.len());
    // Placeholders: `{` path `}`.
    let mut last = 0;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.kind == TokenKind::Punct && t.text == "}" {
            return Err("a `}` without its `{`: tables are written `{Model}`".into());
        }
        if t.kind != TokenKind::Punct || t.text != "{" {
            ts.push(T::Tok(t));
            i += 1;
            continue;
        }
        let close = tokens[i..]
            .iter()
            .position(|c| c.kind == TokenKind::Punct && c.text == "}")
            .map(|p| p + i)
            .ok_or("a `{` without its `}`: tables are written `{Model}`")?;
        let path = sql[t.end..tokens[close].start].trim();
        if path.is_empty() {
            return Err("`{}` names no model: tables are written `{Model}`".into());
        }
        out.pieces.push(Piece::Text(sql[last..t.start].to_string()));
        out.pieces.push(Piece::Table(out.models.len()));
        out.guard_text.push_str(&sql[last..t.start]);
        out.guard_text.push_str("\"table\"");
        ts.push(T::Model(out.models.len()));
        out.models.push(path.to_string());
        last = tokens[close].end;
        i = close + 1;
    }
    out.pieces.push(Piece::Text(sql[last..].to_string()));
    out.guard_text.push_str(&sql[last..]);
    if out.models.is_empty() {
        return Err("the statement names no table: write each table as its model, e.g. `FROM {Deal} d`".into());
    }

    // Names: aliases of placeholders, and names whose columns are unknown (CTEs, subquery aliases).
    let mut aliases: Vec<(String, usize)> = Vec::new();
    let mut opaque: Vec<String> = Vec::new();
    // For each open parenthesis: whether it holds a subquery (whose alias is opaque).
    let mut subquery: Vec<bool> = Vec::new();
    for (k, t) in ts.iter().enumerate() {
        let next = |d: usize| ts.get(k + d).copied();
        match *t {
            T::Model(m) => {
                let (mut j, explicit) = match next(1) {
                    Some(n) if n.is("as") => (2, true),
                    _ => (1, false),
                };
                if let Some(name) = next(j).and_then(T::name) {
                    if explicit || !NOT_ALIAS.contains(&name) {
                        aliases.push((name.to_string(), m));
                        j += 1;
                    }
                }
                // `INSERT INTO {M} (a, b)`: the column list.
                let into = k > 0 && ts[k - 1].is("into");
                if into && next(j).is_some_and(|n| n.is("(")) {
                    let mut d = j + 1;
                    while let Some(n) = next(d) {
                        if n.is(")") {
                            break;
                        }
                        if let Some(c) = n.name() {
                            out.refs.push(ColumnRef {
                                model: m,
                                column: c.to_string(),
                            });
                        }
                        d += 1;
                    }
                }
                if into {
                    // `ON CONFLICT ... DO UPDATE SET x = EXCLUDED.x`.
                    aliases.push(("excluded".to_string(), m));
                }
            }
            T::Tok(_) => {
                // `name AS (` (a CTE) and `) [AS] name` (a subquery's alias).
                if let (Some(name), Some(a), Some(p)) = (t.name(), next(1), next(2)) {
                    if a.is("as") && p.is("(") {
                        opaque.push(name.to_string());
                    }
                }
                // `FROM cte c`: the alias of a CTE is as opaque as the CTE.
                if let (Some(name), Some(n)) = (t.name(), next(1)) {
                    if opaque.iter().any(|o| o == name) {
                        let j = if n.is("as") { 2 } else { 1 };
                        if let Some(alias) = next(j).and_then(T::name).filter(|a| j == 2 || !NOT_ALIAS.contains(a)) {
                            opaque.push(alias.to_string());
                        }
                    }
                }
                if t.is("(") {
                    subquery.push(next(1).is_some_and(|n| n.is("select") || n.is("with") || n.is("values")));
                }
                if t.is(")") && subquery.pop().unwrap_or(false) {
                    let j = if next(1).is_some_and(|n| n.is("as")) { 2 } else { 1 };
                    if let Some(name) = next(j).and_then(T::name) {
                        if j == 2 || !is_keyword(name) {
                            opaque.push(name.to_string());
                        }
                    }
                }
            }
        }
    }
    // Every placeholder without an alias is reachable by nothing but unqualified names.
    let alias_of = |name: &str| aliases.iter().find(|(a, _)| a == name).map(|(_, m)| *m);
    let defined: Vec<&str> = ts
        .windows(2)
        .filter(|w| w[0].is("as"))
        .filter_map(|w| w[1].name())
        .collect();
    let single = (out.models.len() == 1 && opaque.is_empty()).then_some(0);

    for (k, t) in ts.iter().enumerate() {
        let Some(name) = t.name() else { continue };
        let prev = |d: usize| k.checked_sub(d).map(|p| ts[p]);
        let next = |d: usize| ts.get(k + d).copied();
        if next(1).is_some_and(|n| n.is(".")) {
            // `qualifier.column`.
            if prev(1).is_some_and(|p| p.is(".")) || next(3).is_some_and(|n| n.is("(")) {
                continue;
            }
            let Some(column) = next(2).and_then(T::name) else {
                continue;
            };
            match alias_of(name) {
                Some(m) => out.refs.push(ColumnRef {
                    model: m,
                    column: column.to_string(),
                }),
                None if opaque.iter().any(|o| o == name) => {}
                None => {
                    return Err(format!(
                        "`{name}` is not a table of this statement: name each table through its model and give it \
                         an alias, e.g. `FROM {{Deal}} {name}`"
                    ))
                }
            }
            continue;
        }
        let Some(m) = single else { continue };
        let after_dot_or_cast = prev(1).is_some_and(|p| p.is(".") || p.is("as"))
            || (prev(1).is_some_and(|p| p.is(":")) && prev(2).is_some_and(|p| p.is(":")));
        let is_word = t.word().is_some();
        if after_dot_or_cast
            || (is_word && is_keyword(name))
            || next(1).is_some_and(|n| n.is("(") || matches!(n, T::Tok(t) if t.kind == TokenKind::String))
            || alias_of(name).is_some()
            || defined.contains(&name)
            || prev(2).is_some_and(|p| p.is("extract"))
        {
            continue;
        }
        out.refs.push(ColumnRef {
            model: m,
            column: name.to_string(),
        });
    }
    out.outputs = outputs(&ts, &alias_of, single)?;
    Ok(out)
}

/// The output columns: the outermost `SELECT` list, or a `RETURNING` list.
fn outputs(
    ts: &[T<'_>],
    alias_of: &dyn Fn(&str) -> Option<usize>,
    single: Option<usize>,
) -> Result<Vec<Output>, String> {
    let mut depth = 0i32;
    let mut start = None;
    let mut end = ts.len();
    for (k, t) in ts.iter().enumerate() {
        if t.is("(") {
            depth += 1;
        } else if t.is(")") {
            depth -= 1;
        } else if depth == 0 {
            if start.is_none() && (t.is("select") || t.is("returning")) {
                start = Some(k + 1);
            } else if start.is_some()
                && [
                    "from",
                    "where",
                    "group",
                    "having",
                    "order",
                    "limit",
                    "offset",
                    "union",
                    "intersect",
                    "except",
                    "window",
                    "for",
                    ";",
                ]
                .iter()
                .any(|w| t.is(w))
            {
                end = k;
                break;
            }
        }
    }
    let Some(mut start) = start else {
        return Err("the statement returns no rows: `query_as!` needs a SELECT or a RETURNING list".into());
    };
    // `DISTINCT [ON (...)]`, `ALL`.
    if ts.get(start).is_some_and(|t| t.is("all")) {
        start += 1;
    } else if ts.get(start).is_some_and(|t| t.is("distinct")) {
        start += 1;
        if ts.get(start).is_some_and(|t| t.is("on")) {
            let mut d = 0;
            for (k, t) in ts.iter().enumerate().skip(start + 1) {
                if t.is("(") {
                    d += 1;
                } else if t.is(")") {
                    d -= 1;
                    if d == 0 {
                        start = k + 1;
                        break;
                    }
                }
            }
        }
    }
    let mut items: Vec<&[T<'_>]> = Vec::new();
    let (mut d, mut from) = (0, start);
    for k in start..end {
        let t = ts[k];
        if t.is("(") {
            d += 1;
        } else if t.is(")") {
            d -= 1;
        } else if d == 0 && t.is(",") {
            items.push(&ts[from..k]);
            from = k + 1;
        }
    }
    items.push(&ts[from..end]);
    items
        .into_iter()
        .map(|item| {
            let n = item.len();
            let bare = |q: Option<&str>, c: &str| -> Option<ColumnRef> {
                let model = match q {
                    Some(q) => alias_of(q)?,
                    None => single?,
                };
                Some(ColumnRef {
                    model,
                    column: c.to_string(),
                })
            };
            let column = match item {
                [c] if !c.is("*") => c.name().and_then(|c| bare(None, c)),
                [q, dot, c] if dot.is(".") && !c.is("*") => q.name().zip(c.name()).and_then(|(q, c)| bare(Some(q), c)),
                _ => None,
            };
            if item.iter().any(|t| t.is("*")) && n <= 3 && column.is_none() {
                return Err(
                    "`*` in a `query_as!` list: name the columns, each fills the struct field of its name".into(),
                );
            }
            // The name: `... AS name`, `expr name`, or the column's.
            let name = match item {
                [.., a, name] if a.is("as") => name.name(),
                [c] => c.name(),
                [_, dot, c] if dot.is(".") => c.name(),
                [.., before, name] if name.name().is_some() && !before.is(".") && !before.is(":") => name.name(),
                _ => None,
            };
            let name = name.ok_or_else(|| {
                "an output column without a name: give the expression one with `AS field`, the struct field it fills"
                    .to_string()
            })?;
            // A renamed column keeps its type: `d.name AS deal`.
            let column = match item {
                [c, a, _] if a.is("as") => c.name().and_then(|c| bare(None, c)),
                [q, dot, c, a, _] if dot.is(".") && a.is("as") => {
                    q.name().zip(c.name()).and_then(|(q, c)| bare(Some(q), c))
                }
                _ => column,
            };
            Ok(Output {
                name: name.to_string(),
                column,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(s: &Scan) -> Vec<(usize, &str)> {
        s.refs.iter().map(|r| (r.model, r.column.as_str())).collect()
    }

    #[test]
    fn placeholders_aliases_columns_and_outputs() {
        let s = scan(
            "SELECT d.name, count(x.id) AS documents, d.stage AS phase FROM {Deal} d \
             LEFT JOIN {crate::Document} AS x ON x.deal_id = d.id WHERE d.probability > $1 \
             GROUP BY d.name, d.stage ORDER BY documents DESC NULLS LAST",
        )
        .expect("scan");
        assert_eq!(s.models, ["Deal", "crate::Document"]);
        assert_eq!(
            cols(&s),
            [
                (0, "name"),
                (1, "id"),
                (0, "stage"),
                (1, "deal_id"),
                (0, "id"),
                (0, "probability"),
                (0, "name"),
                (0, "stage")
            ]
        );
        let outs: Vec<(&str, Option<(usize, &str)>)> = s
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.column.as_ref().map(|c| (c.model, c.column.as_str()))))
            .collect();
        assert_eq!(
            outs,
            [
                ("name", Some((0, "name"))),
                ("documents", None),
                ("phase", Some((0, "stage")))
            ]
        );
        assert_eq!(s.pieces.len(), 5);
        assert!(s.guard_text.contains("FROM \"table\" d"));
    }

    #[test]
    fn one_model_checks_unqualified_names_but_not_keywords_functions_or_aliases() {
        let s = scan(
            "SELECT stage, sum(probability)::int AS total, extract(year FROM created_at) AS y, 'x' AS \"from\" \
             FROM {Deal} WHERE name ILIKE $1 AND created_at > now() - interval '1 day' GROUP BY stage \
             ORDER BY total DESC NULLS LAST",
        )
        .expect("scan");
        assert_eq!(
            cols(&s),
            [
                (0, "stage"),
                (0, "probability"),
                (0, "created_at"),
                (0, "created_at"),
                (0, "stage")
            ]
        );
        let names: Vec<&str> = s.outputs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["stage", "total", "y", "from"]);
    }

    #[test]
    fn inserts_updates_ctes_and_subqueries() {
        let s = scan(
            "INSERT INTO {Company} (name, industry) VALUES ($1, $2) ON CONFLICT (organization_id, name) \
             DO UPDATE SET industry = EXCLUDED.industry RETURNING id, name",
        )
        .expect("insert");
        assert!(cols(&s).starts_with(&[(0, "name"), (0, "industry")]));
        assert!(cols(&s).contains(&(0, "industry")));
        assert_eq!(
            s.outputs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            ["id", "name"]
        );
        let s = scan(
            "WITH recent AS (SELECT d.id FROM {Deal} d WHERE d.created_at > $1) \
             SELECT r.id, t.n FROM recent r JOIN (SELECT x.deal_id, count(*) AS n FROM {Document} x GROUP BY 1) t \
             ON t.deal_id = r.id",
        )
        .expect("cte");
        assert_eq!(cols(&s), [(0, "id"), (0, "created_at"), (1, "deal_id")]);
        assert_eq!(
            s.outputs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            ["id", "n"]
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = |sql: &str| scan(sql).expect_err(sql);
        assert!(err("SELECT id FROM deals").contains("names no table"));
        assert!(err("SELECT z.id FROM {Deal} d").contains("`z` is not a table"));
        assert!(err("SELECT * FROM {Deal} d").contains("`*`"));
        assert!(err("SELECT d.* FROM {Deal} d").contains("`*`"));
        assert!(err("SELECT count(*) FROM {Deal} d").contains("without a name"));
        assert!(err("SELECT 1 FROM {Deal").contains("without its `}`"));
        assert!(err("UPDATE {Deal} d SET name = $1").contains("returns no rows"));
        // Braces inside strings and comments are text.
        assert!(scan("SELECT d.id, '{x}' AS s FROM {Deal} d -- {y}\n").is_ok());
    }
}
