//! Typed query pieces: columns, filters, ordering, and the SQL they become. The SQL of a query depends only
//! on its shape (which columns, which operators), never on values: values are bound parameters, so each
//! shape is prepared once per connection. In-lists are one array parameter (`= ANY($n)`), whatever their
//! length; LIKE patterns escape `%`, `_` and `\` in user input.

use std::marker::PhantomData;

use tokio_postgres::types::ToSql;

/// A bound value.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// A column of model `M` whose values are `T` (for a nullable column, `T` is the non-null type).
#[derive(Debug)]
pub struct Col<M, T> {
    /// The column's database name.
    pub name: &'static str,
    _t: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Col<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Col<M, T> {}

/// A nullable column of model `M` whose non-null values are `T`.
#[derive(Debug)]
pub struct NullableCol<M, T> {
    /// The column's database name.
    pub name: &'static str,
    _t: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for NullableCol<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for NullableCol<M, T> {}

impl<M, T> Col<M, T> {
    /// The column `name` (generated code makes these; a wrong name is a wrong column).
    pub const fn new(name: &'static str) -> Self {
        Col { name, _t: PhantomData }
    }
}

impl<M, T> NullableCol<M, T> {
    /// The nullable column `name`.
    pub const fn new(name: &'static str) -> Self {
        NullableCol { name, _t: PhantomData }
    }
}

/// The untyped filter tree.
#[derive(Debug)]
pub(crate) enum Node {
    True,
    Cmp {
        column: &'static str,
        op: &'static str,
        value: ParamBox,
    },
    In {
        column: &'static str,
        values: ParamBox,
        negate: bool,
    },
    Null {
        column: &'static str,
        negate: bool,
    },
    Like {
        column: &'static str,
        pattern: ParamBox,
        insensitive: bool,
    },
    /// `[NOT] EXISTS (SELECT 1 FROM join j JOIN child c ON c.key = j.other WHERE j.this = parent.key [AND
    /// tenant] AND inner)`: a many-to-many relation filter.
    ExistsThrough {
        meta: &'static crate::ModelMeta,
        join_table: String,
        this_side: &'static str,
        other_side: &'static str,
        parent_column: &'static str,
        child_column: &'static str,
        /// The join table's tenant key column, matched with the parent's and the child's.
        join_key: Option<(&'static str, Option<&'static str>, Option<&'static str>)>,
        soft_delete: Option<&'static str>,
        inner: Box<Node>,
        negate: bool,
    },
    /// `column #> path = value` (JSON).
    JsonPath {
        column: &'static str,
        path: ParamBox,
        value: ParamBox,
    },
    /// `to_tsvector('simple', column) @@ websearch_to_tsquery('simple', query)`.
    Search {
        column: &'static str,
        query: ParamBox,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// `[NOT] EXISTS (SELECT 1 FROM child WHERE child.fk = parent.pk [AND tenant] AND inner)`.
    Exists {
        meta: &'static crate::ModelMeta,
        on: Vec<(&'static str, &'static str)>,
        tenant_key: Option<&'static str>,
        soft_delete: Option<&'static str>,
        inner: Box<Node>,
        negate: bool,
    },
}

/// A parameter with a `Debug` that does not print the value (it may be personal data).
pub(crate) struct ParamBox(pub Param);

impl std::fmt::Debug for ParamBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("$param")
    }
}

/// A condition on rows of model `M`. Combine with [`Filter::and`], [`Filter::or`], [`Filter::not`].
#[derive(Debug)]
pub struct Filter<M> {
    pub(crate) node: Node,
    _m: PhantomData<fn() -> M>,
}

impl<M> Filter<M> {
    pub(crate) fn from_node(node: Node) -> Self {
        Filter { node, _m: PhantomData }
    }

    /// Every row.
    pub fn all() -> Self {
        Self::from_node(Node::True)
    }

    /// Both filters hold.
    pub fn and(self, other: Filter<M>) -> Self {
        match self.node {
            Node::And(mut v) => {
                v.push(other.node);
                Self::from_node(Node::And(v))
            }
            node => Self::from_node(Node::And(vec![node, other.node])),
        }
    }

    /// Either filter holds.
    pub fn or(self, other: Filter<M>) -> Self {
        match self.node {
            Node::Or(mut v) => {
                v.push(other.node);
                Self::from_node(Node::Or(v))
            }
            node => Self::from_node(Node::Or(vec![node, other.node])),
        }
    }

    /// The filter does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Self::from_node(Node::Not(Box::new(self.node)))
    }

    /// All of `filters` (true when empty).
    pub fn all_of(filters: impl IntoIterator<Item = Filter<M>>) -> Self {
        Self::from_node(Node::And(filters.into_iter().map(|f| f.node).collect()))
    }

    /// Any of `filters` (false when empty).
    pub fn any_of(filters: impl IntoIterator<Item = Filter<M>>) -> Self {
        Self::from_node(Node::Or(filters.into_iter().map(|f| f.node).collect()))
    }
}

/// How a text comparison treats case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `LIKE`: case matters.
    Sensitive,
    /// `ILIKE`: case does not matter.
    Insensitive,
}

/// Escapes LIKE wildcards so that user input matches literally (the escape character is `\`).
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

macro_rules! comparisons {
    ($col:ident) => {
        impl<M, T: ToSql + Sync + Send + 'static> $col<M, T> {
            fn cmp(self, op: &'static str, v: T) -> Filter<M> {
                Filter::from_node(Node::Cmp {
                    column: self.name,
                    op,
                    value: ParamBox(Box::new(v)),
                })
            }
            /// The column equals `v`.
            pub fn eq(self, v: impl Into<T>) -> Filter<M> {
                self.cmp("=", v.into())
            }
            /// The column differs from `v` (rows where it is NULL do not match).
            pub fn ne(self, v: impl Into<T>) -> Filter<M> {
                self.cmp("<>", v.into())
            }
            /// The column is less than `v`.
            pub fn lt(self, v: impl Into<T>) -> Filter<M> {
                self.cmp("<", v.into())
            }
            /// The column is at most `v`.
            pub fn le(self, v: impl Into<T>) -> Filter<M> {
                self.cmp("<=", v.into())
            }
            /// The column is greater than `v`.
            pub fn gt(self, v: impl Into<T>) -> Filter<M> {
                self.cmp(">", v.into())
            }
            /// The column is at least `v`.
            pub fn ge(self, v: impl Into<T>) -> Filter<M> {
                self.cmp(">=", v.into())
            }
            /// `column = ANY($n)`: the whole list is one array parameter, so the statement is the same
            /// for 1 or 1,000,000 values.
            pub fn is_in(self, values: impl IntoIterator<Item = T>) -> Filter<M> {
                let v: Vec<T> = values.into_iter().collect();
                Filter::from_node(Node::In {
                    column: self.name,
                    values: ParamBox(Box::new(v)),
                    negate: false,
                })
            }
            /// The column is none of `values`.
            pub fn not_in(self, values: impl IntoIterator<Item = T>) -> Filter<M> {
                let v: Vec<T> = values.into_iter().collect();
                Filter::from_node(Node::In {
                    column: self.name,
                    values: ParamBox(Box::new(v)),
                    negate: true,
                })
            }
            /// Ascending order on this column.
            pub fn asc(self) -> Order<M> {
                Order::by(self.name, false)
            }
            /// Descending order on this column.
            pub fn desc(self) -> Order<M> {
                Order::by(self.name, true)
            }
        }

        impl<M> $col<M, String> {
            fn like(self, pattern: String, case: Case) -> Filter<M> {
                Filter::from_node(Node::Like {
                    column: self.name,
                    pattern: ParamBox(Box::new(pattern)),
                    insensitive: case == Case::Insensitive,
                })
            }
            /// Contains `s` literally (wildcards in `s` are escaped).
            pub fn contains(self, s: &str, case: Case) -> Filter<M> {
                self.like(format!("%{}%", escape_like(s)), case)
            }
            /// The text starts with `s` (taken literally: `%` and `_` are escaped).
            pub fn starts_with(self, s: &str, case: Case) -> Filter<M> {
                self.like(format!("{}%", escape_like(s)), case)
            }
            /// The text ends with `s` (taken literally).
            pub fn ends_with(self, s: &str, case: Case) -> Filter<M> {
                self.like(format!("%{}", escape_like(s)), case)
            }
        }
    };
}

comparisons!(Col);
comparisons!(NullableCol);

impl<M, T> NullableCol<M, T> {
    /// The column is NULL.
    pub fn is_null(self) -> Filter<M> {
        Filter::from_node(Node::Null {
            column: self.name,
            negate: false,
        })
    }
    /// The column is not NULL.
    pub fn is_not_null(self) -> Filter<M> {
        Filter::from_node(Node::Null {
            column: self.name,
            negate: true,
        })
    }
}

/// One `ORDER BY` term.
#[derive(Debug)]
pub struct Order<M> {
    pub(crate) column: &'static str,
    pub(crate) desc: bool,
    /// `NULLS FIRST` (`Some(true)`) or `NULLS LAST` (`Some(false)`); PostgreSQL's default otherwise
    /// (NULLs sort as if larger than every value).
    pub(crate) nulls_first: Option<bool>,
    /// Ordering by a related row's column: the scalar subquery that reads it for row `t`.
    pub(crate) related: Option<String>,
    _m: PhantomData<fn() -> M>,
}

impl<M> Order<M> {
    pub(crate) fn by(column: &'static str, desc: bool) -> Self {
        Order {
            column,
            desc,
            nulls_first: None,
            related: None,
            _m: PhantomData,
        }
    }

    /// Appends this ordering's SQL on alias `t`: the column, or the related row's column (no allocation:
    /// `find_many` is a hot path).
    pub(crate) fn push_sql(&self, sql: &mut String) {
        match &self.related {
            Some(subquery) => sql.push_str(subquery),
            None => {
                sql.push_str("t.");
                push_q(sql, self.column);
            }
        }
        if self.desc {
            sql.push_str(" DESC");
        }
        match self.nulls_first {
            Some(true) => sql.push_str(" NULLS FIRST"),
            Some(false) => sql.push_str(" NULLS LAST"),
            None => {}
        }
    }

    /// NULLs before every value (Prisma's `nulls: 'first'`).
    pub fn nulls_first(mut self) -> Self {
        self.nulls_first = Some(true);
        self
    }

    /// NULLs after every value (Prisma's `nulls: 'last'`).
    pub fn nulls_last(mut self) -> Self {
        self.nulls_first = Some(false);
        self
    }
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        Order {
            column: self.column,
            desc: self.desc,
            nulls_first: self.nulls_first,
            related: self.related.clone(),
            _m: PhantomData,
        }
    }
}

/// A find-many query: filter, order, skip and take.
#[derive(Debug)]
pub struct Query<M> {
    pub(crate) filter: Filter<M>,
    pub(crate) order: Vec<Order<M>>,
    pub(crate) skip: Option<i64>,
    pub(crate) take: Option<i64>,
    /// `DISTINCT ON` these columns: one row per distinct combination, the first in the query's order.
    pub(crate) distinct: Vec<&'static str>,
}

impl<M> Default for Query<M> {
    fn default() -> Self {
        Query {
            filter: Filter::all(),
            order: Vec::new(),
            skip: None,
            take: None,
            distinct: Vec::new(),
        }
    }
}

impl<M> Query<M> {
    /// Every row, in no particular order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a filter (with AND).
    pub fn filter(mut self, f: Filter<M>) -> Self {
        self.filter = match self.filter.node {
            Node::True => f,
            node => Filter::from_node(node).and(f),
        };
        self
    }

    /// Adds an ordering, after those already given.
    pub fn order_by(mut self, o: Order<M>) -> Self {
        self.order.push(o);
        self
    }

    /// Skips the first `n` rows.
    pub fn skip(mut self, n: i64) -> Self {
        self.skip = Some(n.max(0));
        self
    }

    /// Returns at most `n` rows.
    pub fn take(mut self, n: i64) -> Self {
        self.take = Some(n.max(0));
        self
    }

    /// One row per distinct value of `column` (Prisma's `distinct`; several calls: per combination): the
    /// first row of each in the query's order. PostgreSQL's `DISTINCT ON`, which orders by the distinct
    /// columns first; the query's own order decides which row of each is kept.
    pub fn distinct<T>(mut self, column: impl crate::repo::ColRef<M, T>) -> Self {
        let name = column.column();
        if !self.distinct.contains(&name) {
            self.distinct.push(name);
        }
        self
    }
}

/// What a repository of `M` reads with: a [`Query<M>`] or a [`Filter<M>`] (a filter of another model is a
/// compile error that says so once).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query of `{M}`: a repository of `{M}` takes `{M}`'s filters (`{M}::COLUMN.eq(..)`) or a `Query<{M}>`",
    label = "a filter or query of another model",
    note = "to filter by a related model, go through the relation: `{M}::RELATION.is(..)` or `.some(..)`"
)]
pub trait IntoQuery<M> {
    /// The query.
    fn into_query(self) -> Query<M>;
}

impl<M> IntoQuery<M> for Query<M> {
    fn into_query(self) -> Query<M> {
        self
    }
}

impl<M> IntoQuery<M> for Filter<M> {
    fn into_query(self) -> Query<M> {
        Query::new().filter(self)
    }
}

impl<M> From<Filter<M>> for Query<M> {
    fn from(f: Filter<M>) -> Self {
        Query::new().filter(f)
    }
}

/// Quotes an identifier.
pub(crate) fn q(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    out.push('"');
    if ident.contains('"') {
        out.push_str(&ident.replace('"', "\"\""));
    } else {
        out.push_str(ident);
    }
    out.push('"');
    out
}

/// Appends `ident` quoted (what [`q`] returns, without a String of its own).
pub(crate) fn push_q(sql: &mut String, ident: &str) {
    sql.push('"');
    if ident.contains('"') {
        sql.push_str(&ident.replace('"', "\"\""));
    } else {
        sql.push_str(ident);
    }
    sql.push('"');
}

/// Appends `$n`.
pub(crate) fn push_placeholder(sql: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    let mut n = n;
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    sql.push('$');
    for &d in &digits[k..] {
        sql.push(d as char);
    }
}

/// Builds SQL text and collects parameters in order.
#[derive(Default)]
pub(crate) struct SqlBuilder {
    pub sql: String,
    pub params: Vec<Param>,
}

impl SqlBuilder {
    pub fn new(sql: String) -> Self {
        SqlBuilder {
            sql,
            params: Vec::new(),
        }
    }

    pub fn param(&mut self, p: Param) -> String {
        self.params.push(p);
        let mut out = String::with_capacity(4);
        push_placeholder(&mut out, self.params.len());
        out
    }

    /// Adds a parameter and appends its placeholder to the text.
    pub fn push_param(&mut self, p: Param) {
        self.params.push(p);
        push_placeholder(&mut self.sql, self.params.len());
    }

    /// Appends `alias."column"`.
    pub fn push_column(&mut self, alias: &str, column: &str) {
        self.sql.push_str(alias);
        self.sql.push('.');
        push_q(&mut self.sql, column);
    }

    /// Appends the condition for `node` on table alias `alias`.
    pub fn node(&mut self, node: Node, alias: &str) {
        match node {
            Node::True => self.sql.push_str("TRUE"),
            Node::Cmp { column, op, value } => {
                self.push_column(alias, column);
                self.sql.push(' ');
                self.sql.push_str(op);
                self.sql.push(' ');
                self.push_param(value.0);
            }
            Node::In { column, values, negate } => {
                let p = self.param(values.0);
                if negate {
                    self.sql.push_str(&format!("NOT ({alias}.{} = ANY({p}))", q(column)));
                } else {
                    self.sql.push_str(&format!("{alias}.{} = ANY({p})", q(column)));
                }
            }
            Node::Null { column, negate } => {
                self.sql.push_str(&format!(
                    "{alias}.{} IS {}NULL",
                    q(column),
                    if negate { "NOT " } else { "" }
                ));
            }
            Node::Like {
                column,
                pattern,
                insensitive,
            } => {
                let p = self.param(pattern.0);
                let op = if insensitive { "ILIKE" } else { "LIKE" };
                self.sql
                    .push_str(&format!("{alias}.{} {op} {p} ESCAPE '\\'", q(column)));
            }
            Node::ExistsThrough {
                meta,
                join_table,
                this_side,
                other_side,
                parent_column,
                child_column,
                join_key,
                soft_delete,
                inner,
                negate,
            } => {
                let (j, child) = (format!("{alias}_j"), format!("{alias}_x"));
                self.sql.push_str(if negate {
                    "NOT EXISTS (SELECT 1 FROM "
                } else {
                    "EXISTS (SELECT 1 FROM "
                });
                self.sql.push_str(&format!("{join_table} {j} JOIN "));
                meta.push_table(&mut self.sql);
                self.sql.push_str(&format!(
                    " {child} ON {child}.{} = {j}.{} WHERE {j}.{} = {alias}.{}",
                    q(child_column),
                    q(other_side),
                    q(this_side),
                    q(parent_column)
                ));
                if let Some((key, parent_key, child_key)) = join_key {
                    if let Some(pk) = parent_key {
                        self.sql.push_str(&format!(" AND {j}.{} = {alias}.{}", q(key), q(pk)));
                    }
                    if let Some(ck) = child_key {
                        self.sql.push_str(&format!(" AND {child}.{} = {j}.{}", q(ck), q(key)));
                    }
                }
                if let Some(d) = soft_delete {
                    self.sql.push_str(&format!(" AND {child}.{} IS NULL", q(d)));
                }
                self.sql.push_str(" AND (");
                self.node(*inner, &child);
                self.sql.push_str("))");
            }
            Node::JsonPath { column, path, value } => {
                let (p, v) = (self.param(path.0), self.param(value.0));
                self.sql.push_str(&format!("{alias}.{} #> {p} = {v}", q(column)));
            }
            Node::Search { column, query } => {
                let p = self.param(query.0);
                self.sql.push_str(&format!(
                    "to_tsvector('simple', {alias}.{}) @@ websearch_to_tsquery('simple', {p})",
                    q(column)
                ));
            }
            Node::And(nodes) => self.join(nodes, " AND ", alias, "TRUE"),
            Node::Or(nodes) => self.join(nodes, " OR ", alias, "FALSE"),
            Node::Not(inner) => {
                self.sql.push_str("NOT (");
                self.node(*inner, alias);
                self.sql.push(')');
            }
            Node::Exists {
                meta,
                on,
                tenant_key,
                soft_delete,
                inner,
                negate,
            } => {
                let child = format!("{alias}_x");
                self.sql.push_str(if negate {
                    "NOT EXISTS (SELECT 1 FROM "
                } else {
                    "EXISTS (SELECT 1 FROM "
                });
                meta.push_table(&mut self.sql);
                self.sql.push_str(&format!(" {child} WHERE "));
                let mut conds: Vec<String> = on
                    .iter()
                    .map(|(parent, c)| format!("{child}.{} = {alias}.{}", q(c), q(parent)))
                    .collect();
                if let Some(k) = tenant_key {
                    conds.push(format!("{child}.{k} = {alias}.{k}", k = q(k)));
                }
                if let Some(d) = soft_delete {
                    conds.push(format!("{child}.{} IS NULL", q(d)));
                }
                self.sql.push_str(&conds.join(" AND "));
                self.sql.push_str(" AND (");
                self.node(*inner, &child);
                self.sql.push_str("))");
            }
        }
    }

    fn join(&mut self, nodes: Vec<Node>, sep: &str, alias: &str, empty: &str) {
        if nodes.is_empty() {
            self.sql.push_str(empty);
            return;
        }
        self.sql.push('(');
        for (i, n) in nodes.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(sep);
            }
            self.node(n, alias);
        }
        self.sql.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct M;
    const NAME: Col<M, String> = Col::new("name");
    const AGE: NullableCol<M, i32> = NullableCol::new("age");

    fn sql(f: Filter<M>) -> (String, usize) {
        let mut b = SqlBuilder::default();
        b.node(f.node, "t");
        (b.sql, b.params.len())
    }

    #[test]
    fn filters_become_parameterised_sql() {
        let f = NAME
            .eq("a")
            .and(AGE.gt(3).or(AGE.is_null()))
            .and(NAME.contains("50%_off", Case::Insensitive).not());
        assert_eq!(
            sql(f),
            (
                r#"(t."name" = $1 AND (t."age" > $2 OR t."age" IS NULL) AND NOT (t."name" ILIKE $3 ESCAPE '\'))"#
                    .to_string(),
                3
            )
        );
        assert_eq!(
            sql(NAME.is_in(vec!["a".to_string(); 1000])),
            (r#"t."name" = ANY($1)"#.to_string(), 1)
        );
        assert_eq!(sql(Filter::any_of(Vec::new())).0, "FALSE");
        assert_eq!(sql(Filter::all_of(Vec::new())).0, "TRUE");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
