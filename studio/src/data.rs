//! The statements Studio runs, built from the catalog: identifiers are the schema's (quoted), every value
//! is a bound text parameter cast to the column's type (`$2::text::numeric(18,2)`: no float ever touches a
//! Decimal or a BigInt), and every read of tenant data carries the tenant predicate and runs in the tenant
//! scope's transaction, as the application role under RLS. Values come back as text (timestamps in UTC),
//! so nothing is lost on the way to the page.

use trato_hive_runtime::{escape_like, Error, Param, RawSql, ReadOnly, Row, TenantScope, TxOptions};

use crate::catalog::{Column, Kind, Model};

/// Rows shown per page unless asked, and at most.
pub const PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 500;
/// Counts stop here ("10,000+"): a count never scans a big table to its end.
pub const COUNT_LIMIT: i64 = 10_000;

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    Starts,
    Ends,
    Null,
    NotNull,
}

impl Op {
    /// Every operator with its name in URLs and its label.
    pub const ALL: [(Op, &'static str, &'static str); 11] = [
        (Op::Eq, "eq", "="),
        (Op::Ne, "ne", "≠"),
        (Op::Lt, "lt", "<"),
        (Op::Le, "le", "≤"),
        (Op::Gt, "gt", ">"),
        (Op::Ge, "ge", "≥"),
        (Op::Contains, "contains", "contains"),
        (Op::Starts, "starts", "starts with"),
        (Op::Ends, "ends", "ends with"),
        (Op::Null, "null", "is NULL"),
        (Op::NotNull, "notnull", "is not NULL"),
    ];

    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.iter().find(|(_, n, _)| *n == name).map(|(o, _, _)| *o)
    }

    pub fn name(self) -> &'static str {
        Op::ALL.iter().find(|(o, _, _)| *o == self).map_or("eq", |(_, n, _)| n)
    }
}

/// What a grid shows: filters (all or any), an order, a page. Parsed from the query string, so every view
/// is a URL.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub filters: Vec<(String, Op, String)>,
    /// Filters combined with OR rather than AND.
    pub any: bool,
    pub sort: Option<(String, bool)>,
    pub page: i64,
    pub size: i64,
    /// Keyset paging: the rows after this key (when ordered by the key).
    pub after: Option<String>,
    /// Rows a `@softDelete` field marks deleted are shown too (hidden by default, as the application's
    /// reads hide them).
    pub deleted: bool,
    /// The page as a form: every row's editable fields, saved together.
    pub edit: bool,
    /// The columns shown, in this order (`cols=name,stage`); all of them when empty.
    pub cols: Vec<String>,
}

impl View {
    /// The view of `pairs` (the query string) over `model`: an unknown field or operator is an error
    /// (never interpolated).
    pub fn parse(model: &Model, pairs: &[(String, String)]) -> Result<View, String> {
        let mut view = View {
            page: 1,
            size: PAGE,
            ..View::default()
        };
        // The filter form's three inputs make one more `w`.
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        // (Only when it says something: a value, or a NULL check; the form is also sent to change columns.)
        let value = get("w-value").unwrap_or("");
        let added = match (get("w-field"), get("w-op")) {
            (Some(f), Some(o)) if !f.is_empty() && (!value.is_empty() || o == "null" || o == "notnull") => {
                Some(("w".to_string(), format!("{f}.{o}.{value}")))
            }
            _ => None,
        };
        for (k, v) in pairs.iter().chain(added.as_ref()) {
            match k.as_str() {
                "w-field" | "w-op" | "w-value" => {}
                "w" => {
                    let mut parts = v.splitn(3, '.');
                    let (field, op, value) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
                    model
                        .column(field)
                        .ok_or_else(|| format!("`{field}` is not a field of {}", model.name))?;
                    let op = Op::parse(op).ok_or_else(|| format!("`{op}` is not a filter operator"))?;
                    view.filters
                        .push((field.to_string(), op, value.unwrap_or("").to_string()));
                }
                "any" => view.any = v == "1",
                "sort" => {
                    let (field, desc) = match v.strip_prefix('-') {
                        Some(f) => (f, true),
                        None => (v.as_str(), false),
                    };
                    model
                        .column(field)
                        .ok_or_else(|| format!("`{field}` is not a field of {}", model.name))?;
                    view.sort = Some((field.to_string(), desc));
                }
                "page" => view.page = v.parse::<i64>().map_err(|_| "`page` is a number".to_string())?.max(1),
                "size" => {
                    view.size = v
                        .parse::<i64>()
                        .map_err(|_| "`size` is a number".to_string())?
                        .clamp(1, MAX_PAGE)
                }
                "after" => view.after = Some(v.clone()),
                "deleted" => view.deleted = v == "1",
                "edit" => view.edit = v == "1",
                "cols" => {
                    for field in v.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                        model
                            .column(field)
                            .ok_or_else(|| format!("`{field}` is not a field of {}", model.name))?;
                        view.cols.push(field.to_string());
                    }
                }
                "org" | "format" | "csrf" | "saved" => {}
                other => return Err(format!("`{other}` is not a grid parameter")),
            }
        }
        Ok(view)
    }

    /// The query string of this view with `page`/`after` replaced.
    pub fn query(&self, page: Option<i64>, after: Option<&str>) -> String {
        let mut pairs: Vec<(String, String)> = self
            .filters
            .iter()
            .map(|(f, o, v)| ("w".to_string(), format!("{f}.{}.{v}", o.name())))
            .collect();
        if self.any {
            pairs.push(("any".into(), "1".into()));
        }
        if let Some((f, desc)) = &self.sort {
            pairs.push(("sort".into(), if *desc { format!("-{f}") } else { f.clone() }));
        }
        if self.size != PAGE {
            pairs.push(("size".into(), self.size.to_string()));
        }
        if let Some(p) = page.filter(|p| *p > 1) {
            pairs.push(("page".into(), p.to_string()));
        }
        if let Some(a) = after {
            pairs.push(("after".into(), a.to_string()));
        }
        if self.deleted {
            pairs.push(("deleted".into(), "1".into()));
        }
        if self.edit {
            pairs.push(("edit".into(), "1".into()));
        }
        if !self.cols.is_empty() {
            pairs.push(("cols".into(), self.cols.join(",")));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// `t."column"` as text: timestamps in UTC with their offset, bytes as a length and a hex prefix, long
/// values cut at `limit` characters (0: whole).
pub fn text_of(c: &Column, limit: usize) -> String {
    let col = format!("t.{}", q(&c.column));
    let t = c.sql_type.as_str();
    let text = if t.starts_with("timestamp") && t.contains("with time zone") {
        format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')")
    } else if t.starts_with("timestamp") {
        format!("to_char({col}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
    } else if t == "bytea" {
        format!("'\\x' || left(encode({col}, 'hex'), 32) || ' (' || octet_length({col}) || ' bytes)'")
    } else {
        format!("{col}::text")
    };
    if limit > 0 {
        format!("left({text}, {limit})")
    } else {
        text
    }
}

pub fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `$n::text::type`: a bound text value cast to the column's type.
fn cast(c: &Column, n: usize) -> String {
    if c.sql_type.is_empty() {
        format!("${n}::text")
    } else {
        format!("${n}::text::{}", c.sql_type)
    }
}

/// Statement text and its (text) parameters under construction; `$1` is the tenant for tenant data.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<String>,
}

impl Sql {
    fn param(&mut self, value: String) -> usize {
        self.params.push(value);
        self.params.len()
    }

    /// The statement, its parameters boxed.
    pub fn raw(self) -> RawSql {
        let params: Vec<Param> = self.params.into_iter().map(|p| Box::new(p) as Param).collect();
        RawSql::__dynamic(self.text, params)
    }
}

/// `WHERE` for `model` in `tenant` with the view's filters.
fn where_clause(model: &Model, tenant: Option<&str>, view: &View, sql: &mut Sql) {
    let mut conds = tenant_conds(model, tenant, sql);
    if let (Kind::Root, Some(t), Some(k)) = (model.kind, tenant, model.key.first().and_then(|k| model.column(k))) {
        let n = sql.param(t.to_string());
        conds.push(format!("t.{}::text = ${n}", q(&k.column)));
    }
    if let (false, Some(c)) = (view.deleted, model.soft_delete.as_deref().and_then(|f| model.column(f))) {
        conds.push(format!("t.{} IS NULL", q(&c.column)));
    }
    let mut filters: Vec<String> = Vec::new();
    for (field, op, value) in &view.filters {
        let Some(c) = model.column(field) else { continue };
        let col = format!("t.{}", q(&c.column));
        let like = |sql: &mut Sql, pattern: String| {
            let n = sql.param(pattern);
            format!("{col}::text ILIKE ${n} ESCAPE '\\'")
        };
        filters.push(match op {
            Op::Null => format!("{col} IS NULL"),
            Op::NotNull => format!("{col} IS NOT NULL"),
            Op::Contains => like(sql, format!("%{}%", escape_like(value))),
            Op::Starts => like(sql, format!("{}%", escape_like(value))),
            Op::Ends => like(sql, format!("%{}", escape_like(value))),
            cmp => {
                let n = sql.param(value.clone());
                let o = match cmp {
                    Op::Ne => "<>",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                    _ => "=",
                };
                format!("{col} {o} {}", cast(c, n))
            }
        });
    }
    if !filters.is_empty() {
        conds.push(format!("({})", filters.join(if view.any { " OR " } else { " AND " })));
    }
    if let (Some(after), Some(k)) = (&view.after, model.key.first().and_then(|k| model.column(k))) {
        let n = sql.param(after.clone());
        let desc = view.sort.as_ref().is_some_and(|(_, d)| *d);
        conds.push(format!(
            "t.{} {} {}",
            q(&k.column),
            if desc { "<" } else { ">" },
            cast(k, n)
        ));
    }
    if !conds.is_empty() {
        sql.text.push_str(" WHERE ");
        sql.text.push_str(&conds.join(" AND "));
    }
}

/// The rows of a view: every column as text.
pub fn rows_sql(model: &Model, tenant: Option<&str>, view: &View, limit_text: usize) -> Sql {
    let list: Vec<String> = model.columns.iter().map(|c| text_of(c, limit_text)).collect();
    let mut sql = Sql {
        text: format!("SELECT {} FROM {} t", list.join(", "), model.table_sql),
        params: Vec::new(),
    };
    where_clause(model, tenant, view, &mut sql);
    let key: Vec<String> = model
        .key
        .iter()
        .filter_map(|k| model.column(k))
        .map(|c| format!("t.{}", q(&c.column)))
        .collect();
    let mut order: Vec<String> = Vec::new();
    if let Some((f, desc)) = &view.sort {
        if let Some(c) = model.column(f) {
            order.push(format!(
                "t.{} {}",
                q(&c.column),
                if *desc { "DESC NULLS LAST" } else { "ASC NULLS LAST" }
            ));
        }
    }
    order.extend(key);
    if !order.is_empty() {
        sql.text.push_str(" ORDER BY ");
        sql.text.push_str(&order.join(", "));
    }
    let offset = if view.after.is_some() {
        0
    } else {
        (view.page - 1) * view.size
    };
    sql.text.push_str(&format!(" LIMIT {} OFFSET {offset}", view.size));
    sql
}

/// How many rows the view has, counted up to [`COUNT_LIMIT`] + 1.
pub fn count_sql(model: &Model, tenant: Option<&str>, view: &View) -> Sql {
    let mut sql = Sql {
        text: format!("SELECT count(*) FROM (SELECT 1 FROM {} t", model.table_sql),
        params: Vec::new(),
    };
    let unpaged = View {
        after: None,
        ..view.clone()
    };
    where_clause(model, tenant, &unpaged, &mut sql);
    sql.text.push_str(&format!(" LIMIT {}) s", COUNT_LIMIT + 1));
    sql
}

/// The row of `model` whose key is `key`.
pub fn record_sql(model: &Model, tenant: Option<&str>, key: &str) -> Option<Sql> {
    let k = model.key.first().and_then(|k| model.column(k))?;
    let view = View {
        filters: vec![(k.field.clone(), Op::Eq, key.to_string())],
        page: 1,
        size: 1,
        ..View::default()
    };
    Some(rows_sql(model, tenant, &view, 0))
}

/// A statement's conditions under construction: the tenant's first, when the model is tenant-owned.
fn tenant_conds(model: &Model, tenant: Option<&str>, sql: &mut Sql) -> Vec<String> {
    let mut conds = Vec::new();
    if let (Kind::Tenant, Some(t)) = (model.kind, tenant) {
        if let Some(tk) = model.tenant_field.as_deref().and_then(|f| model.column(f)) {
            let n = sql.param(t.to_string());
            conds.push(format!("t.{} = {}", q(&tk.column), cast(tk, n)));
        }
    }
    conds
}

/// `t."col"::text IN (...)` of `keys`, bound as one JSON array.
fn in_keys(column: &Column, keys: &[String], sql: &mut Sql) -> String {
    let n = sql.param(serde_json::to_string(keys).unwrap_or_default());
    format!(
        "t.{}::text IN (SELECT jsonb_array_elements_text(${n}::text::jsonb))",
        q(&column.column)
    )
}

/// For each of `keys` (the parent's referenced values), how many `child` rows point at it: one grouped
/// statement for the whole page.
pub fn children_count_sql(child: &Model, child_field: &str, tenant: Option<&str>, keys: &[String]) -> Option<Sql> {
    let c = child.column(child_field)?;
    let mut sql = Sql::default();
    let mut conds = tenant_conds(child, tenant, &mut sql);
    conds.push(in_keys(c, keys, &mut sql));
    sql.text = format!(
        "SELECT t.{col}::text, count(*) FROM {} t WHERE {} GROUP BY 1",
        child.table_sql,
        conds.join(" AND "),
        col = q(&c.column)
    );
    Some(sql)
}

/// `(key, xmin)` of the rows of `model` whose key is one of `keys`: the versions an edited page carries.
pub fn versions_sql(model: &Model, tenant: Option<&str>, keys: &[String]) -> Option<Sql> {
    let key = model.key.first().and_then(|k| model.column(k))?;
    let mut sql = Sql::default();
    let mut conds = tenant_conds(model, tenant, &mut sql);
    conds.push(in_keys(key, keys, &mut sql));
    sql.text = format!(
        "SELECT t.{}::text, t.xmin::text FROM {} t WHERE {}",
        q(&key.column),
        model.table_sql,
        conds.join(" AND ")
    );
    Some(sql)
}

/// `(key, label)` of the rows of `target` a statement selects with `conds`, label cut at 80 characters.
fn labels_of(target: &Model, sql: &mut Sql, conds: &[String], rest: &str) -> Option<()> {
    let key = target.key.first().and_then(|k| target.column(k))?;
    let label = target.column(target.label())?;
    sql.text = format!(
        "SELECT t.{}::text, left(t.{}::text, 80) FROM {} t WHERE {}{rest}",
        q(&key.column),
        q(&label.column),
        target.table_sql,
        conds.join(" AND ")
    );
    Some(())
}

/// `(key, label)` of the first 201 rows of `target` in label order, read through the scope: a foreign
/// key's choices (another tenant's rows cannot be offered).
pub fn choices_sql(target: &Model, tenant: Option<&str>) -> Option<Sql> {
    let mut sql = Sql::default();
    let mut conds = vec!["TRUE".to_string()];
    conds.extend(tenant_conds(target, tenant, &mut sql));
    if let Some(c) = target.soft_delete.as_deref().and_then(|f| target.column(f)) {
        conds.push(format!("t.{} IS NULL", q(&c.column)));
    }
    labels_of(target, &mut sql, &conds, " ORDER BY 2, 1 LIMIT 201")?;
    Some(sql)
}

/// `(key, label)` of the rows of `target` whose key is one of `keys` (a foreign key column's values on a
/// page), for showing the target's label in the cell: one statement per column for the whole page.
pub fn labels_sql(target: &Model, tenant: Option<&str>, keys: &[String]) -> Option<Sql> {
    let key = target.key.first().and_then(|k| target.column(k))?;
    let mut sql = Sql::default();
    let mut conds = tenant_conds(target, tenant, &mut sql);
    conds.push(in_keys(key, keys, &mut sql));
    labels_of(target, &mut sql, &conds, "")?;
    Some(sql)
}

/// Runs statements in one read-only transaction of the tenant's scope (RLS, the tenant bound), each
/// row's columns read as text.
pub async fn in_scope(scope: &TenantScope<ReadOnly>, statements: Vec<Sql>) -> Result<Vec<Vec<Row>>, Error> {
    scope
        .transaction_boxed(TxOptions::repeatable_read().read_only(), |tx| {
            // Built again for each attempt (a transaction is retried on serialization failures).
            let taken: Vec<RawSql> = statements.iter().cloned().map(Sql::raw).collect();
            Box::pin(async move {
                let mut out = Vec::new();
                for s in taken {
                    out.push(tx.raw(s).await?);
                }
                Ok(out)
            })
        })
        .await
}

/// A text cell: `None` for NULL.
pub fn cell(row: &Row, i: usize) -> Option<String> {
    row.try_get::<_, Option<String>>(i).ok().flatten()
}

/// A count cell, shown bounded.
pub fn bounded(n: i64) -> String {
    if n > COUNT_LIMIT {
        format!("{}+", group_digits(COUNT_LIMIT))
    } else {
        group_digits(n)
    }
}

fn group_digits(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
