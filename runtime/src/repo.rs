//! The repository: the typed query API of one model, in one execution context (a tenant scope, a scoped
//! transaction, or the global client). Every statement on a tenant-owned table carries
//! `organization_id = $n` (the scope's tenant), every insert gets the tenant key injected, and every
//! included relation is restricted the same way; row-level security then checks it all again.

use std::collections::HashMap;
use std::marker::PhantomData;

use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::Row;

use crate::error::Error;
use crate::meta::{CreateInput, Key, Model, ModelMeta, TenancyMeta, UpdateInput};
use crate::query::{q, Col, Filter, NullableCol, Param, Query, SqlBuilder};
use crate::scope::{Access, Executor, ReadWrite};

/// An upsert's conflict target and what to set on conflict.
type Conflict<'c> = (&'c [&'static str], Vec<(&'static str, Param)>);

type Marker<'a, M, A> = PhantomData<(&'a (), fn() -> (M, A))>;

/// A model's repository. Write methods exist only for [`ReadWrite`] access.
pub struct Repo<'a, M, A, E> {
    exec: E,
    with_deleted: bool,
    _p: Marker<'a, M, A>,
}

impl<M, A, E: std::fmt::Debug> std::fmt::Debug for Repo<'_, M, A, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo").field("exec", &self.exec).finish()
    }
}

/// A column reference usable in aggregates: [`Col`] or [`NullableCol`].
pub trait ColRef<M, T> {
    fn column(&self) -> &'static str;
}
impl<M, T> ColRef<M, T> for Col<M, T> {
    fn column(&self) -> &'static str {
        self.name
    }
}
impl<M, T> ColRef<M, T> for NullableCol<M, T> {
    fn column(&self) -> &'static str {
        self.name
    }
}

/// Column types that can be summed and averaged, with PostgreSQL's result types.
pub trait Numeric {
    type Sum: for<'r> FromSql<'r> + Send;
    type Avg: for<'r> FromSql<'r> + Send;
}
impl Numeric for i16 {
    type Sum = i64;
    type Avg = rust_decimal::Decimal;
}
impl Numeric for i32 {
    type Sum = i64;
    type Avg = rust_decimal::Decimal;
}
impl Numeric for i64 {
    type Sum = rust_decimal::Decimal;
    type Avg = rust_decimal::Decimal;
}
impl Numeric for f32 {
    type Sum = f32;
    type Avg = f64;
}
impl Numeric for f64 {
    type Sum = f64;
    type Avg = f64;
}
impl Numeric for rust_decimal::Decimal {
    type Sum = rust_decimal::Decimal;
    type Avg = rust_decimal::Decimal;
}

/// An audit row's description, e.g. `Deal updated`: one per model and action.
fn audit_description(meta: &ModelMeta, action: crate::scope::AuditAction) -> &'static str {
    static TEXTS: SqlCache<(usize, &'static str)> = std::sync::OnceLock::new();
    interned(&TEXTS, (meta.name.as_ptr() as usize, action.as_str()), || {
        format!("{} {}d", meta.name, action.as_str())
    })
}

/// `["a","b"]`: the changed fields as JSON text.
fn json_string_array(fields: &[&str]) -> String {
    let mut out = String::with_capacity(2 + fields.iter().map(|f| f.len() + 3).sum::<usize>());
    out.push('[');
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in f.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    out
}

/// `alias."a", alias."b", ...`: every column of the model. Built once per model and alias, then shared:
/// quoting and joining a 13-column list cost about 29,000 instructions a statement (callgrind, `cargo xtask
/// bench db --callgrind`), most of ours' client-side overhead over raw tokio-postgres.
pub(crate) fn select_list(meta: &ModelMeta, alias: &'static str) -> &'static str {
    static LISTS: SqlCache<(usize, usize, &'static str)> = std::sync::OnceLock::new();
    // Keyed by the column slice itself: two models can only share one if their columns are identical, and
    // then so is the list. Bounded by models x aliases.
    let key = (meta.columns.as_ptr() as usize, meta.columns.len(), alias);
    interned(&LISTS, key, || {
        meta.columns
            .iter()
            .map(|c| {
                if alias.is_empty() {
                    q(c.column)
                } else {
                    format!("{alias}.{}", q(c.column))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// SQL text by key, built once and kept for the life of the process.
type SqlCache<K> = std::sync::OnceLock<std::sync::RwLock<HashMap<K, &'static str>>>;

/// The text `build` makes for `key`, built on first use and then shared: a hot statement does no string
/// work. Only for keys bounded by the schema (models x aliases, models x audit shapes), since each text is
/// leaked once.
fn interned<K: std::hash::Hash + Eq>(
    cache: &'static SqlCache<K>,
    key: K,
    build: impl FnOnce() -> String,
) -> &'static str {
    let map = cache.get_or_init(Default::default);
    if let Some(text) = map.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return text;
    }
    let text: &'static str = Box::leak(build().into_boxed_str());
    let mut map = map.write().unwrap_or_else(|e| e.into_inner());
    let shared: &'static str = map.entry(key).or_insert(text);
    shared
}

fn returning(meta: &ModelMeta) -> &'static str {
    select_list(meta, "")
}

impl<'a, M: Model, A: Access, E: Executor> Repo<'a, M, A, E> {
    pub(crate) fn new(exec: E) -> Self {
        Repo {
            exec,
            with_deleted: false,
            _p: PhantomData,
        }
    }

    pub(crate) fn executor(&self) -> &E {
        &self.exec
    }

    /// Also see soft-deleted rows (of a model with a `@softDelete` field); by default they are skipped.
    pub fn with_deleted(mut self) -> Self {
        self.with_deleted = true;
        self
    }

    fn where_clause(&self, b: &mut SqlBuilder, filter: Filter<M>) -> Result<(), Error> {
        b.sql.push_str(" WHERE ");
        visible_condition(&M::META, self.exec.tenant(), self.with_deleted, b, "t")?;
        b.node(filter.node, "t");
        Ok(())
    }

    /// Wraps a write that returns the model's columns: adds the audit row when the model is audited and
    /// this context has a sink (one statement: the audit row commits or rolls back with the change), and
    /// selects either the rows or their count.
    fn finish_write(
        &self,
        b: SqlBuilder,
        action: crate::scope::AuditAction,
        fields: &[&str],
        count: bool,
    ) -> Result<SqlBuilder, Error> {
        let meta = &M::META;
        let audit = if meta.audited { self.exec.audit() } else { None };
        let outer = if count { "count(*)" } else { select_list(meta, "w") };
        let (Some(ctx), Some(key)) = (audit, meta.tenant_key()) else {
            return Ok(if count {
                SqlBuilder {
                    sql: format!("WITH w AS ({}) SELECT {outer} FROM w", b.sql),
                    params: b.params,
                }
            } else {
                b
            });
        };
        let sink = ctx.sink;
        let id = id_column(meta)?;
        let mut b = b;
        // $first.. are the audit row's parameters, after the change's own.
        let first = b.params.len() + 1;
        b.params.push(Box::new((sink.kind)(meta.name, action, fields)));
        b.params.push(Box::new(audit_description(meta, action)));
        b.params.push(Box::new(meta.name));
        b.params.push(Box::new(action.as_str()));
        b.params.push(Box::new(json_string_array(fields)));
        b.params.push(Box::new(ctx.reason.map(str::to_string)));
        b.params.push(Box::new(ctx.actor.map(str::to_string)));
        // A hard delete cannot be pointed at: the row is gone when the statement ends.
        let linkable = action != crate::scope::AuditAction::Delete || meta.soft_delete.is_some();
        let link = sink.links.iter().find(|(m, _)| *m == meta.name).filter(|_| linkable);
        let tail = || {
            let mut cols = vec![
                sink.id_column,
                sink.tenant_column,
                sink.type_column,
                sink.description_column,
                sink.metadata_column,
                sink.actor_column,
            ];
            let [kind, description, model, act, changed, reason, actor] =
                std::array::from_fn(|k| format!("${}", first + k));
            let mut vals = vec![
                "gen_random_uuid()::text".to_string(),
                format!("w.{}", q(key)),
                format!("{kind}::text::{}", sink.type_sql),
                format!("{description}::text"),
                format!("jsonb_build_object('model', {model}::text, 'action', {act}::text, 'id', w.{id}, 'fields', {changed}::text::jsonb, 'reason', {reason}::text)", id = q(id)),
                format!("{actor}::text"),
            ];
            if let Some((_, col)) = link {
                cols.push(col);
                vals.push(format!("w.{}", q(id)));
            }
            let cols: Vec<String> = cols.iter().map(|c| q(c)).collect();
            format!(
                "), a AS (INSERT INTO {} ({}) SELECT {} FROM w) SELECT {outer} FROM w",
                q(sink.table),
                cols.join(", "),
                vals.join(", ")
            )
        };
        // The same model, sink, action and parameter count always give the same text: built once. (Past 64
        // parameters, where a filter's size could make the shapes unbounded, it is built every time.)
        static TAILS: SqlCache<(usize, usize, &'static str, bool, bool, usize)> = std::sync::OnceLock::new();
        let key = (
            meta.columns.as_ptr() as usize,
            std::ptr::from_ref(sink) as usize,
            action.as_str(),
            link.is_some(),
            count,
            first,
        );
        b.sql.insert_str(0, "WITH w AS (");
        if first <= 64 {
            b.sql.push_str(interned(&TAILS, key, tail));
        } else {
            b.sql.push_str(&tail());
        }
        Ok(b)
    }

    async fn fetch(&self, b: SqlBuilder) -> Result<Vec<Row>, Error> {
        self.exec.run(b.sql, b.params).await
    }

    /// Rows matching the query, in its order.
    pub async fn find_many(&self, query: impl Into<Query<M>>) -> Result<Vec<M>, Error> {
        let query = query.into();
        let list = select_list(&M::META, "t");
        let mut b = SqlBuilder::new(String::with_capacity(list.len() + 256));
        b.sql.push_str("SELECT ");
        b.sql.push_str(list);
        b.sql.push_str(" FROM ");
        crate::query::push_q(&mut b.sql, M::META.table);
        b.sql.push_str(" t");
        self.where_clause(&mut b, query.filter)?;
        for (k, o) in query.order.iter().enumerate() {
            b.sql.push_str(if k == 0 { " ORDER BY " } else { ", " });
            b.push_column("t", o.column);
            if o.desc {
                b.sql.push_str(" DESC");
            }
        }
        if let Some(n) = query.take {
            b.sql.push_str(" LIMIT ");
            b.push_param(Box::new(n));
        }
        if let Some(n) = query.skip {
            b.sql.push_str(" OFFSET ");
            b.push_param(Box::new(n));
        }
        self.exec.run_map(b.sql, b.params, |r| M::from_row(&r)).await
    }

    /// The first row matching the query, if any.
    pub async fn find_first(&self, query: impl Into<Query<M>>) -> Result<Option<M>, Error> {
        Ok(self.find_many(query.into().take(1)).await?.into_iter().next())
    }

    /// The row with this primary key (its non-tenant column), if any.
    pub async fn find_by_id<T: ToSql + Sync + Send + 'static>(&self, id: T) -> Result<Option<M>, Error> {
        let col = id_column(&M::META)?;
        self.find_first(Filter::from_node(crate::query::Node::Cmp {
            column: col,
            op: "=",
            value: crate::query::ParamBox(Box::new(id)),
        }))
        .await
    }

    /// The row whose unique column `column` equals `value` (Prisma's `findUnique`): `column` must be the
    /// primary key or carry a unique constraint (with the tenant key, for tenant-owned models).
    pub async fn find_unique<T: ToSql + Sync + Send + 'static>(
        &self,
        column: Col<M, T>,
        value: T,
    ) -> Result<Option<M>, Error> {
        check_unique(&M::META, &[column.name])?;
        self.find_first(column.eq(value)).await
    }

    /// Rows matching the query, each with what `include` loads: one statement for the rows, then one per
    /// relation level, whatever the number of rows.
    pub async fn find_many_with<I: Include<M>>(
        &self,
        query: impl Into<Query<M>>,
        include: I,
    ) -> Result<Vec<(M, I::Out)>, Error> {
        let parents = self.find_many(query).await?;
        let loaded = include.load(&self.exec, &parents).await?;
        Ok(parents.into_iter().zip(loaded).collect())
    }

    /// How many rows match.
    pub async fn count(&self, filter: Filter<M>) -> Result<i64, Error> {
        let mut b = SqlBuilder::new(format!("SELECT count(*) FROM {} t", q(M::META.table)));
        self.where_clause(&mut b, filter)?;
        let rows = self.fetch(b).await?;
        rows.first()
            .map(|r| r.get::<_, i64>(0))
            .ok_or_else(|| Error::Connection("count returned no row".into()))
    }

    async fn aggregate<R: for<'r> FromSql<'r>>(
        &self,
        func: &str,
        column: &'static str,
        filter: Filter<M>,
    ) -> Result<Option<R>, Error> {
        let mut b = SqlBuilder::new(format!("SELECT {func}(t.{}) FROM {} t", q(column), q(M::META.table)));
        self.where_clause(&mut b, filter)?;
        let rows = self.fetch(b).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Connection("aggregate returned no row".into()))?;
        row.try_get::<_, Option<R>>(0)
            .map_err(|e| Error::Connection(format!("{func}({column}): {e}")))
    }

    /// `sum(column)` over matching rows (`None` when none).
    pub async fn sum<T: Numeric>(&self, column: impl ColRef<M, T>, filter: Filter<M>) -> Result<Option<T::Sum>, Error> {
        self.aggregate("sum", column.column(), filter).await
    }

    /// `avg(column)` over matching rows.
    pub async fn avg<T: Numeric>(&self, column: impl ColRef<M, T>, filter: Filter<M>) -> Result<Option<T::Avg>, Error> {
        self.aggregate("avg", column.column(), filter).await
    }

    pub async fn min<T: for<'r> FromSql<'r>>(
        &self,
        column: impl ColRef<M, T>,
        filter: Filter<M>,
    ) -> Result<Option<T>, Error> {
        self.aggregate("min", column.column(), filter).await
    }

    pub async fn max<T: for<'r> FromSql<'r>>(
        &self,
        column: impl ColRef<M, T>,
        filter: Filter<M>,
    ) -> Result<Option<T>, Error> {
        self.aggregate("max", column.column(), filter).await
    }

    /// `GROUP BY key`: each key with its row count and the sum of `sum_of`, ordered by key.
    pub async fn group_by<K, T>(
        &self,
        key: impl ColRef<M, K>,
        sum_of: impl ColRef<M, T>,
        filter: Filter<M>,
    ) -> Result<Vec<(K, i64, Option<T::Sum>)>, Error>
    where
        K: for<'r> FromSql<'r>,
        T: Numeric,
    {
        let (k, s) = (key.column(), sum_of.column());
        let mut b = SqlBuilder::new(format!(
            "SELECT t.{kc}, count(*), sum(t.{sc}) FROM {} t",
            q(M::META.table),
            kc = q(k),
            sc = q(s)
        ));
        self.where_clause(&mut b, filter)?;
        b.sql.push_str(&format!(" GROUP BY t.{kc} ORDER BY t.{kc}", kc = q(k)));
        let rows = self.fetch(b).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<_, K>(0).map_err(|e| Error::Connection(e.to_string()))?,
                    r.try_get::<_, i64>(1).map_err(|e| Error::Connection(e.to_string()))?,
                    r.try_get::<_, Option<T::Sum>>(2)
                        .map_err(|e| Error::Connection(e.to_string()))?,
                ))
            })
            .collect()
    }
}

impl<'a, M: Model, E: Executor> Repo<'a, M, ReadWrite, E> {
    /// Inserts one row (the tenant key is injected; generated ids and `@updatedAt` are filled) and returns it.
    pub async fn create(&self, input: M::Create) -> Result<M, Error> {
        let values = input.into_values();
        let fields: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
        let b = self.insert_sql(values, None)?;
        let b = self.finish_write(b, crate::scope::AuditAction::Create, &fields, false)?;
        let rows = self.fetch(b).await?;
        rows.first()
            .map(M::from_row)
            .unwrap_or_else(|| Err(Error::Connection("insert returned no row".into())))
    }

    fn insert_sql(
        &self,
        values: Vec<(&'static str, Param)>,
        conflict: Option<Conflict<'_>>,
    ) -> Result<SqlBuilder, Error> {
        let meta = &M::META;
        let mut b = SqlBuilder::new(String::with_capacity(256));
        // The column list goes straight into the statement; the placeholders wait in `vals`.
        b.sql.push_str("INSERT INTO ");
        crate::query::push_q(&mut b.sql, meta.table);
        b.sql.push_str(" AS t (");
        let mut vals = String::with_capacity(64);
        let mut first = true;
        let mut column = |b: &mut SqlBuilder, vals: &mut String, c: &str, v: Option<Param>| {
            if !first {
                b.sql.push_str(", ");
                vals.push_str(", ");
            }
            first = false;
            crate::query::push_q(&mut b.sql, c);
            match v {
                Some(v) => {
                    b.params.push(v);
                    crate::query::push_placeholder(vals, b.params.len());
                }
                None => vals.push_str("now()"),
            }
        };
        if let Some(key) = injected_key(meta) {
            let tenant = self.exec.tenant().ok_or_else(|| no_tenant(meta))?.to_string();
            column(&mut b, &mut vals, key, Some(Box::new(tenant)));
        }
        for (c, v) in values {
            column(&mut b, &mut vals, c, Some(v));
        }
        for c in meta.columns.iter().filter(|c| c.updated_at) {
            column(&mut b, &mut vals, c.column, None);
        }
        b.sql.push_str(") VALUES (");
        b.sql.push_str(&vals);
        b.sql.push(')');
        if let Some((target, updates)) = conflict {
            let mut target: Vec<&str> = target.to_vec();
            if let Some(key) = meta.tenant_key() {
                if !target.contains(&key) {
                    target.insert(0, key);
                }
            }
            let mut sets: Vec<String> = updates
                .into_iter()
                .map(|(c, v)| format!("{} = {}", q(c), b.param(v)))
                .collect();
            sets.extend(
                meta.columns
                    .iter()
                    .filter(|c| c.updated_at)
                    .map(|c| format!("{} = now()", q(c.column))),
            );
            if sets.is_empty() {
                // A no-op update, so that the existing row is returned.
                sets.push(format!("{c} = EXCLUDED.{c}", c = q(target[0])));
            }
            let predicate = meta
                .soft_delete
                .map(|c| format!(" WHERE {} IS NULL", q(c)))
                .unwrap_or_default();
            b.sql.push_str(&format!(
                " ON CONFLICT ({}){predicate} DO UPDATE SET {}",
                target.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                sets.join(", ")
            ));
        }
        b.sql.push_str(&format!(" RETURNING {}", returning(meta)));
        Ok(b)
    }

    /// Inserts `create`, or when a row with the same values in `conflict` (a unique key; the tenant key is
    /// added) exists, applies `update` to it. Returns the row.
    pub async fn upsert(&self, conflict: &[&'static str], create: M::Create, update: M::Update) -> Result<M, Error> {
        check_unique(&M::META, conflict)?;
        let b = self.insert_sql(create.into_values(), Some((conflict, update.into_values())))?;
        let rows = self.fetch(b).await?;
        rows.first()
            .map(M::from_row)
            .unwrap_or_else(|| Err(Error::Connection("upsert returned no row".into())))
    }

    /// Inserts many rows with one multi-row statement per shape (which optional fields are set) and per
    /// 65,000 parameters: a handful of round trips, not one per row. Returns the number inserted.
    pub async fn create_many(&self, inputs: Vec<M::Create>) -> Result<u64, Error> {
        let meta = &M::META;
        let mut groups: Vec<(Vec<&'static str>, Vec<Vec<Param>>)> = Vec::new();
        for input in inputs {
            let values = input.into_values();
            let cols: Vec<&'static str> = values.iter().map(|(c, _)| *c).collect();
            let row: Vec<Param> = values.into_iter().map(|(_, v)| v).collect();
            match groups.iter_mut().find(|(c, _)| *c == cols) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((cols, vec![row])),
            }
        }
        let mut total = 0u64;
        for (cols, rows) in groups {
            if let Some(types) = array_types(meta, &cols) {
                total += self.insert_unnest(&cols, &types, rows).await?;
                continue;
            }
            let per_chunk = chunk_rows(cols.len() + 1);
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut b = SqlBuilder::default();
                let mut names: Vec<String> = Vec::new();
                let tenant_param = match injected_key(meta) {
                    Some(key) => {
                        names.push(q(key));
                        Some(b.param(Box::new(self.exec.tenant().ok_or_else(|| no_tenant(meta))?.to_string())))
                    }
                    None => None,
                };
                names.extend(cols.iter().map(|c| q(c)));
                let stamps: Vec<&str> = meta.columns.iter().filter(|c| c.updated_at).map(|c| c.column).collect();
                names.extend(stamps.iter().map(|c| q(c)));
                let mut tuples: Vec<String> = Vec::new();
                for row in rows.by_ref().take(per_chunk) {
                    let mut vals: Vec<String> = tenant_param.iter().cloned().collect();
                    for v in row {
                        vals.push(b.param(v));
                    }
                    vals.extend(stamps.iter().map(|_| "now()".to_string()));
                    tuples.push(format!("({})", vals.join(", ")));
                }
                b.sql = format!(
                    "INSERT INTO {} ({}) VALUES {} RETURNING {}",
                    q(meta.table),
                    names.join(", "),
                    tuples.join(", "),
                    returning(meta)
                );
                total += self.insert_counted(b, &cols).await?;
            }
        }
        Ok(total)
    }

    /// Runs one bulk INSERT (with its audit rows) and returns how many rows it wrote.
    async fn insert_counted(&self, b: SqlBuilder, cols: &[&str]) -> Result<u64, Error> {
        let b = self.finish_write(b, crate::scope::AuditAction::Create, cols, true)?;
        let rows = self.fetch(b).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    /// Bulk insert of rows of one shape as `INSERT ... SELECT ... FROM UNNEST($2::T2[], $3::T3[], ...)`: one
    /// array parameter per column, so one short statement text per shape (prepared once, whatever the row
    /// count) and no 65,535-parameter limit. Chunks of [`UNNEST_ROWS`] keep each message well under the
    /// protocol's 1 GB.
    async fn insert_unnest(
        &self,
        cols: &[&'static str],
        types: &[&'static str],
        rows: Vec<Vec<Param>>,
    ) -> Result<u64, Error> {
        let meta = &M::META;
        let stamps: Vec<&str> = meta.columns.iter().filter(|c| c.updated_at).map(|c| c.column).collect();
        let mut total = 0u64;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut arrays: Vec<Vec<Param>> = cols.iter().map(|_| Vec::new()).collect();
            for row in rows.by_ref().take(UNNEST_ROWS) {
                for (array, v) in arrays.iter_mut().zip(row) {
                    array.push(v);
                }
            }
            let mut b = SqlBuilder::default();
            let mut names: Vec<String> = Vec::new();
            let mut select: Vec<String> = Vec::new();
            if let Some(key) = injected_key(meta) {
                names.push(q(key));
                let tenant = self.exec.tenant().ok_or_else(|| no_tenant(meta))?.to_string();
                select.push(format!("{}::text", b.param(Box::new(tenant))));
            }
            let mut unnest: Vec<String> = Vec::new();
            for ((c, ty), array) in cols.iter().zip(types).zip(arrays) {
                names.push(q(c));
                unnest.push(format!("{}::{ty}[]", b.param(Box::new(ColumnArray(array)))));
            }
            select.push("u.*".into());
            names.extend(stamps.iter().map(|c| q(c)));
            select.extend(stamps.iter().map(|_| "now()".to_string()));
            b.sql = format!(
                "INSERT INTO {} ({}) SELECT {} FROM UNNEST({}) AS u RETURNING {}",
                q(meta.table),
                names.join(", "),
                select.join(", "),
                unnest.join(", "),
                returning(meta)
            );
            total += self.insert_counted(b, cols).await?;
        }
        Ok(total)
    }

    /// Updates the row with this id and returns it; [`Error::NotFound`] when there is none (in this tenant).
    pub async fn update<T: ToSql + Sync + Send + 'static>(&self, id: T, input: M::Update) -> Result<M, Error> {
        let rows = self.update_rows(id_filter(id)?, input.into_values(), false).await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            what: format!("{} to update", M::META.name),
        })?;
        M::from_row(row)
    }

    /// Updates every matching row; returns how many.
    pub async fn update_many(&self, filter: Filter<M>, input: M::Update) -> Result<u64, Error> {
        let rows = self.update_rows(filter, input.into_values(), true).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    async fn update_rows(
        &self,
        filter: Filter<M>,
        values: Vec<(&'static str, Param)>,
        count: bool,
    ) -> Result<Vec<Row>, Error> {
        let meta = &M::META;
        let mut b = SqlBuilder::default();
        let mut sets: Vec<String> = Vec::new();
        let fields: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
        for (c, v) in values {
            let p = b.param(v);
            sets.push(format!("{} = {p}", q(c)));
        }
        sets.extend(
            meta.columns
                .iter()
                .filter(|c| c.updated_at)
                .map(|c| format!("{} = now()", q(c.column))),
        );
        if sets.is_empty() {
            // Nothing to change: an update that touches nothing returns the rows as they are.
            let pk = meta.primary_key.last().copied().unwrap_or(meta.columns[0].column);
            sets.push(format!("{c} = t.{c}", c = q(pk)));
        }
        b.sql = format!("UPDATE {} AS t SET {}", q(meta.table), sets.join(", "));
        self.where_clause(&mut b, filter)?;
        b.sql.push_str(&format!(" RETURNING {}", select_list(meta, "t")));
        let b = self.finish_write(b, crate::scope::AuditAction::Update, &fields, count)?;
        self.fetch(b).await
    }

    /// Deletes the row with this id and returns it; [`Error::NotFound`] when there is none. For a model
    /// with a `@softDelete` field this sets it (the row stays, hidden from reads): see [`Repo::hard_delete`].
    pub async fn delete<T: ToSql + Sync + Send + 'static>(&self, id: T) -> Result<M, Error> {
        let rows = self
            .delete_rows(id_filter(id)?, M::META.soft_delete.is_some(), false)
            .await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            what: format!("{} to delete", M::META.name),
        })?;
        M::from_row(row)
    }

    /// Deletes every matching row (a soft delete when the model has one); returns how many.
    pub async fn delete_many(&self, filter: Filter<M>) -> Result<u64, Error> {
        let rows = self.delete_rows(filter, M::META.soft_delete.is_some(), true).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    /// Removes the row for good, soft-deleted or not.
    pub async fn hard_delete<T: ToSql + Sync + Send + 'static>(&self, id: T) -> Result<M, Error> {
        let repo = Repo::<M, ReadWrite, &E> {
            exec: &self.exec,
            with_deleted: true,
            _p: PhantomData,
        };
        let rows = repo.delete_rows(id_filter(id)?, false, false).await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            what: format!("{} to delete", M::META.name),
        })?;
        M::from_row(row)
    }

    async fn delete_rows(&self, filter: Filter<M>, soft: bool, count: bool) -> Result<Vec<Row>, Error> {
        let meta = &M::META;
        let mut b = match (soft, meta.soft_delete) {
            (true, Some(col)) => SqlBuilder::new(format!("UPDATE {} AS t SET {} = now()", q(meta.table), q(col))),
            _ => SqlBuilder::new(format!("DELETE FROM {} AS t", q(meta.table))),
        };
        self.where_clause(&mut b, filter)?;
        b.sql.push_str(&format!(" RETURNING {}", select_list(meta, "t")));
        let b = self.finish_write(b, crate::scope::AuditAction::Delete, &[], count)?;
        self.fetch(b).await
    }
}

fn id_filter<M: Model, T: ToSql + Sync + Send + 'static>(id: T) -> Result<Filter<M>, Error> {
    let column = id_column(&M::META)?;
    Ok(Filter::from_node(crate::query::Node::Cmp {
        column,
        op: "=",
        value: crate::query::ParamBox(Box::new(id)),
    }))
}

impl<E: Executor> Executor for &E {
    fn tenant(&self) -> Option<&str> {
        (**self).tenant()
    }

    fn audit(&self) -> Option<crate::scope::AuditCtx<'_>> {
        (**self).audit()
    }

    fn run_map<T: Send>(
        &self,
        sql: String,
        params: Vec<Param>,
        map: impl FnMut(Row) -> Result<T, Error> + Send,
    ) -> impl std::future::Future<Output = Result<Vec<T>, Error>> + Send {
        (**self).run_map(sql, params, map)
    }
}

/// Rows per `UNNEST` bulk insert statement.
const UNNEST_ROWS: usize = 50_000;

/// The SQL element type of each column, when every one can travel as a one-dimensional array: not for a
/// column whose type is unknown (a hand-written model without `sql = ...`) or is itself an array (`UNNEST`
/// would flatten it). Those shapes use a multi-row `VALUES` instead.
fn array_types(meta: &ModelMeta, cols: &[&'static str]) -> Option<Vec<&'static str>> {
    cols.iter()
        .map(|c| {
            let column = meta.columns.iter().find(|m| m.column == *c)?;
            let ty = column.sql_type.trim();
            (!ty.is_empty() && !ty.ends_with(']')).then_some(ty)
        })
        .collect()
}

/// One column of a bulk insert as one PostgreSQL array parameter, each element encoded by its own `ToSql`
/// against the array's element type (so the usual type checks apply element by element).
#[derive(Debug)]
struct ColumnArray(Vec<Param>);

impl ToSql for ColumnArray {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres_protocol::types::{array_to_sql, ArrayDimension};
        let tokio_postgres::types::Kind::Array(element) = ty.kind() else {
            return Err(format!("a bulk insert column must be bound as an array, not {ty}").into());
        };
        let dimension = ArrayDimension {
            len: i32::try_from(self.0.len())?,
            lower_bound: 1,
        };
        array_to_sql(
            Some(dimension),
            element.oid(),
            self.0.iter(),
            |v, buf| match v.to_sql_checked(element, buf)? {
                tokio_postgres::types::IsNull::No => Ok(postgres_protocol::IsNull::No),
                tokio_postgres::types::IsNull::Yes => Ok(postgres_protocol::IsNull::Yes),
            },
            out,
        )?;
        Ok(tokio_postgres::types::IsNull::No)
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        matches!(ty.kind(), tokio_postgres::types::Kind::Array(_))
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Rows per multi-row INSERT, under PostgreSQL's 65,535 parameters per statement.
fn chunk_rows(params_per_row: usize) -> usize {
    (65_000 / params_per_row.max(1)).max(1)
}

fn injected_key(meta: &ModelMeta) -> Option<&'static str> {
    meta.tenant_key()
}

fn no_tenant(meta: &ModelMeta) -> Error {
    Error::Forbidden {
        reason: format!("`{}` is tenant-owned and this context has no tenant", meta.name),
    }
}

/// The primary key column that identifies a row within its tenant (the last one of a tenant-led key).
pub(crate) fn id_column(meta: &ModelMeta) -> Result<&'static str, Error> {
    let pk: Vec<&'static str> = meta
        .primary_key
        .iter()
        .copied()
        .filter(|c| Some(*c) != meta.tenant_key())
        .collect();
    match pk.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::Config(format!(
            "`{}` has a compound primary key; use find_first with a filter",
            meta.name
        ))),
    }
}

fn check_unique(meta: &ModelMeta, cols: &[&'static str]) -> Result<(), Error> {
    let same = |u: &[&str]| {
        let u: Vec<&str> = u.iter().copied().filter(|c| Some(*c) != meta.tenant_key()).collect();
        u.len() == cols.len() && cols.iter().all(|c| u.contains(c))
    };
    if same(meta.primary_key) || meta.uniques.iter().any(|u| same(u)) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "({}) is not a unique key of `{}`",
            cols.join(", "),
            meta.name
        )))
    }
}

/// Appends what rows of `meta` this context may see (its tenant; live rows unless `with_deleted`) to a
/// WHERE clause under construction, each condition followed by `AND`.
fn visible_condition(
    meta: &ModelMeta,
    tenant: Option<&str>,
    with_deleted: bool,
    b: &mut SqlBuilder,
    alias: &str,
) -> Result<(), Error> {
    tenant_condition(meta, tenant, b, alias)?;
    if let (Some(col), false) = (meta.soft_delete, with_deleted) {
        b.push_column(alias, col);
        b.sql.push_str(" IS NULL AND ");
    }
    Ok(())
}

/// Related rows come back in primary key order, so includes are deterministic.
fn order_by_primary_key(meta: &ModelMeta, b: &mut SqlBuilder) {
    let order: Vec<String> = meta.primary_key.iter().map(|c| format!("t.{}", q(c))).collect();
    if !order.is_empty() {
        b.sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
}

pub(crate) fn tenant_condition(
    meta: &ModelMeta,
    tenant: Option<&str>,
    b: &mut SqlBuilder,
    alias: &str,
) -> Result<(), Error> {
    let col = match meta.tenancy {
        TenancyMeta::Owned { key } => key,
        TenancyMeta::Root => meta
            .primary_key
            .first()
            .copied()
            .ok_or_else(|| Error::Config("tenant root without primary key".into()))?,
        _ => return Ok(()),
    };
    let tenant = tenant.ok_or_else(|| no_tenant(meta))?.to_string();
    b.push_column(alias, col);
    b.sql.push_str(" = ");
    b.push_param(Box::new(tenant));
    b.sql.push_str(" AND ");
    Ok(())
}

/// Loads related rows for a slice of parents: one statement per relation level.
pub trait Include<P: Model>: Send + Sync {
    /// What each parent gets.
    type Out: Send;
    fn load<E: Executor>(
        &self,
        exec: &E,
        parents: &[P],
    ) -> impl std::future::Future<Output = Result<Vec<Self::Out>, Error>> + Send;
}

/// A to-one relation (`company` of a deal): each parent gets `Option<C>`.
pub struct RelOne<P, C> {
    pub field: &'static str,
    pub parent_column: &'static str,
    pub child_column: &'static str,
    _p: PhantomData<fn() -> (P, C)>,
}

/// A to-many relation (`documents` of a deal): each parent gets `Vec<C>`.
pub struct RelMany<P, C> {
    pub field: &'static str,
    pub parent_column: &'static str,
    pub child_column: &'static str,
    _p: PhantomData<fn() -> (P, C)>,
}

impl<P, C> Clone for RelOne<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, C> Copy for RelOne<P, C> {}
impl<P, C> Clone for RelMany<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, C> Copy for RelMany<P, C> {}

impl<P, C> std::fmt::Debug for RelOne<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RelOne({})", self.field)
    }
}
impl<P, C> std::fmt::Debug for RelMany<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RelMany({})", self.field)
    }
}

impl<P, C> RelOne<P, C> {
    pub const fn new(field: &'static str, parent_column: &'static str, child_column: &'static str) -> Self {
        RelOne {
            field,
            parent_column,
            child_column,
            _p: PhantomData,
        }
    }

    /// Also load `inner` for each related row.
    pub fn with<I>(self, inner: I) -> Nested<Self, I> {
        Nested { outer: self, inner }
    }

    /// Parents whose related row matches `filter`.
    pub fn is(self, filter: Filter<C>) -> Filter<P>
    where
        C: Model,
    {
        exists::<P, C>(self.parent_column, self.child_column, filter, false)
    }
}

impl<P, C> RelMany<P, C> {
    pub const fn new(field: &'static str, parent_column: &'static str, child_column: &'static str) -> Self {
        RelMany {
            field,
            parent_column,
            child_column,
            _p: PhantomData,
        }
    }

    pub fn with<I>(self, inner: I) -> Nested<Self, I> {
        Nested { outer: self, inner }
    }

    /// Parents with at least one related row matching `filter` (Prisma's `some`).
    pub fn some(self, filter: Filter<C>) -> Filter<P>
    where
        C: Model,
    {
        exists::<P, C>(self.parent_column, self.child_column, filter, false)
    }

    /// Parents with no related row matching `filter` (Prisma's `none`).
    pub fn none(self, filter: Filter<C>) -> Filter<P>
    where
        C: Model,
    {
        exists::<P, C>(self.parent_column, self.child_column, filter, true)
    }

    /// Parents whose related rows all match `filter` (Prisma's `every`; true when there are none).
    pub fn every(self, filter: Filter<C>) -> Filter<P>
    where
        C: Model,
    {
        exists::<P, C>(self.parent_column, self.child_column, filter.not(), true)
    }
}

fn exists<P, C: Model>(parent: &'static str, child: &'static str, filter: Filter<C>, negate: bool) -> Filter<P> {
    Filter::from_node(crate::query::Node::Exists {
        table: C::META.table,
        on: vec![(parent, child)],
        tenant_key: C::META.tenant_key(),
        soft_delete: C::META.soft_delete,
        inner: Box::new(filter.node),
        negate,
    })
}

/// A relation with more relations loaded for its rows.
#[derive(Debug, Clone, Copy)]
pub struct Nested<O, I> {
    outer: O,
    inner: I,
}

/// Keys as one array parameter of the right type.
fn key_array(keys: &[Key]) -> Result<Param, Error> {
    macro_rules! collect {
        ($variant:ident) => {
            keys.iter()
                .filter_map(|k| {
                    if let Key::$variant(v) = k {
                        Some(v.clone())
                    } else {
                        None
                    }
                })
                .collect::<Vec<_>>()
        };
    }
    Ok(match keys.first() {
        None | Some(Key::Str(_)) => Box::new(collect!(Str)),
        Some(Key::I16(_)) => Box::new(collect!(I16)),
        Some(Key::I32(_)) => Box::new(collect!(I32)),
        Some(Key::I64(_)) => Box::new(collect!(I64)),
        Some(Key::Uuid(_)) => Box::new(collect!(Uuid)),
    })
}

/// `SELECT child WHERE [tenant] AND child.column = ANY(keys)`.
async fn children<C: Model, E: Executor>(exec: &E, column: &'static str, keys: Vec<Key>) -> Result<Vec<C>, Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let meta = &C::META;
    let mut b = SqlBuilder::new(format!(
        "SELECT {} FROM {} t WHERE ",
        select_list(meta, "t"),
        q(meta.table)
    ));
    visible_condition(meta, exec.tenant(), false, &mut b, "t")?;
    let p = b.param(key_array(&keys)?);
    b.sql.push_str(&format!("t.{} = ANY({p})", q(column)));
    order_by_primary_key(meta, &mut b);
    exec.run_map(b.sql, b.params, |r| C::from_row(&r)).await
}

fn distinct_keys<P: Model>(parents: &[P], column: &str) -> Vec<Key> {
    let mut keys: Vec<Key> = parents.iter().filter_map(|p| p.key(column)).collect();
    keys.sort();
    keys.dedup();
    keys
}

impl<P: Model, C: Model + Clone> Include<P> for RelOne<P, C> {
    type Out = Option<C>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Option<C>>, Error> {
        let found: Vec<C> = children(exec, self.child_column, distinct_keys(parents, self.parent_column)).await?;
        let mut by_key: HashMap<Key, C> = HashMap::new();
        for c in found {
            if let Some(k) = c.key(self.child_column) {
                by_key.insert(k, c);
            }
        }
        Ok(parents
            .iter()
            .map(|p| p.key(self.parent_column).and_then(|k| by_key.get(&k)).cloned())
            .collect())
    }
}

impl<P: Model, C: Model> Include<P> for RelMany<P, C> {
    type Out = Vec<C>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Vec<C>>, Error> {
        let found: Vec<C> = children(exec, self.child_column, distinct_keys(parents, self.parent_column)).await?;
        let mut by_key: HashMap<Key, Vec<C>> = HashMap::new();
        for c in found {
            if let Some(k) = c.key(self.child_column) {
                by_key.entry(k).or_default().push(c);
            }
        }
        let mut out = Vec::with_capacity(parents.len());
        for p in parents {
            // Children go to the first parent with their key; parents sharing a key (not possible for a
            // primary key) would get an empty list.
            out.push(
                p.key(self.parent_column)
                    .and_then(|k| by_key.remove(&k))
                    .unwrap_or_default(),
            );
        }
        Ok(out)
    }
}

/// A many-to-many relation through Prisma's implicit join table: each parent gets `Vec<C>`, loaded with one
/// statement joining the join table.
pub struct RelThrough<P, C> {
    pub field: &'static str,
    pub join_table: &'static str,
    /// The join table's column holding this side's key (`A` or `B`), and the other side's.
    pub this_side: &'static str,
    pub other_side: &'static str,
    pub parent_column: &'static str,
    pub child_column: &'static str,
    _p: PhantomData<fn() -> (P, C)>,
}

impl<P, C> Clone for RelThrough<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, C> Copy for RelThrough<P, C> {}

impl<P, C> std::fmt::Debug for RelThrough<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RelThrough({} via {})", self.field, self.join_table)
    }
}

impl<P, C> RelThrough<P, C> {
    pub const fn new(
        field: &'static str,
        join_table: &'static str,
        this_side: &'static str,
        other_side: &'static str,
        parent_column: &'static str,
        child_column: &'static str,
    ) -> Self {
        RelThrough {
            field,
            join_table,
            this_side,
            other_side,
            parent_column,
            child_column,
            _p: PhantomData,
        }
    }

    pub fn with<I>(self, inner: I) -> Nested<Self, I> {
        Nested { outer: self, inner }
    }
}

/// Reads a key of the same kind as `like` from column `index`.
fn read_key(row: &Row, index: usize, like: &Key) -> Option<Key> {
    match like {
        Key::Str(_) => row.try_get::<_, String>(index).ok().map(Key::Str),
        Key::I16(_) => row.try_get::<_, i16>(index).ok().map(Key::I16),
        Key::I32(_) => row.try_get::<_, i32>(index).ok().map(Key::I32),
        Key::I64(_) => row.try_get::<_, i64>(index).ok().map(Key::I64),
        Key::Uuid(_) => row.try_get::<_, uuid::Uuid>(index).ok().map(Key::Uuid),
    }
}

impl<P: Model, C: Model + Clone> Include<P> for RelThrough<P, C> {
    type Out = Vec<C>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Vec<C>>, Error> {
        let keys = distinct_keys(parents, self.parent_column);
        let Some(first) = keys.first().cloned() else {
            return Ok(parents.iter().map(|_| Vec::new()).collect());
        };
        let meta = &C::META;
        let mut b = SqlBuilder::new(format!(
            "SELECT {}, j.{} FROM {} j JOIN {} t ON t.{} = j.{} WHERE ",
            select_list(meta, "t"),
            q(self.this_side),
            q(self.join_table),
            q(meta.table),
            q(self.child_column),
            q(self.other_side)
        ));
        visible_condition(meta, exec.tenant(), false, &mut b, "t")?;
        let p = b.param(key_array(&keys)?);
        b.sql.push_str(&format!("j.{} = ANY({p})", q(self.this_side)));
        order_by_primary_key(meta, &mut b);
        let n = meta.columns.len();
        let rows = exec
            .run_map(b.sql, b.params, |row| {
                Ok((read_key(&row, n, &first), C::from_row(&row)?))
            })
            .await?;
        let mut by_parent: HashMap<Key, Vec<C>> = HashMap::new();
        for (key, child) in rows {
            if let Some(k) = key {
                by_parent.entry(k).or_default().push(child);
            }
        }
        Ok(parents
            .iter()
            .map(|p| {
                p.key(self.parent_column)
                    .and_then(|k| by_parent.get(&k).cloned())
                    .unwrap_or_default()
            })
            .collect())
    }
}

/// Loads `inner` for every row of every list (one statement per level) and pairs them up, list by list.
async fn nest_lists<C: Model, I: Include<C>, E: Executor>(
    inner: &I,
    exec: &E,
    lists: Vec<Vec<C>>,
) -> Result<Vec<Vec<(C, I::Out)>>, Error> {
    let lens: Vec<usize> = lists.iter().map(Vec::len).collect();
    let flat: Vec<C> = lists.into_iter().flatten().collect();
    let loaded = inner.load(exec, &flat).await?;
    let mut pairs = flat.into_iter().zip(loaded);
    Ok(lens.into_iter().map(|n| pairs.by_ref().take(n).collect()).collect())
}

impl<P: Model, C: Model, I: Include<C>> Include<P> for Nested<RelMany<P, C>, I> {
    type Out = Vec<(C, I::Out)>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Self::Out>, Error> {
        nest_lists(&self.inner, exec, self.outer.load(exec, parents).await?).await
    }
}

impl<P: Model, C: Model + Clone, I: Include<C>> Include<P> for Nested<RelOne<P, C>, I>
where
    I::Out: Clone,
{
    type Out = Option<(C, I::Out)>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Self::Out>, Error> {
        let found = self.outer.load(exec, parents).await?;
        // Load the inner relations once per distinct related row, then hand them to every parent.
        let mut distinct: Vec<C> = Vec::new();
        let mut index: Vec<Option<usize>> = Vec::with_capacity(found.len());
        let mut seen: HashMap<Key, usize> = HashMap::new();
        for c in &found {
            index.push(c.as_ref().map(|c| {
                let key = c.key(self.outer.child_column);
                match key.as_ref().and_then(|k| seen.get(k)) {
                    Some(i) => *i,
                    None => {
                        distinct.push(c.clone());
                        if let Some(k) = key {
                            seen.insert(k, distinct.len() - 1);
                        }
                        distinct.len() - 1
                    }
                }
            }));
        }
        let inner = self.inner.load(exec, &distinct).await?;
        Ok(index
            .into_iter()
            .map(|i| i.map(|i| (distinct[i].clone(), inner[i].clone())))
            .collect())
    }
}

impl<P: Model, C: Model + Clone, I: Include<C>> Include<P> for Nested<RelThrough<P, C>, I> {
    type Out = Vec<(C, I::Out)>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Self::Out>, Error> {
        nest_lists(&self.inner, exec, self.outer.load(exec, parents).await?).await
    }
}

impl<P: Model, A: Include<P>, B: Include<P>> Include<P> for (A, B) {
    type Out = (A::Out, B::Out);
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Self::Out>, Error> {
        let a = self.0.load(exec, parents).await?;
        let b = self.1.load(exec, parents).await?;
        Ok(a.into_iter().zip(b).collect())
    }
}

impl<P: Model, A: Include<P>, B: Include<P>, C: Include<P>> Include<P> for (A, B, C) {
    type Out = (A::Out, B::Out, C::Out);
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Self::Out>, Error> {
        let a = self.0.load(exec, parents).await?;
        let b = self.1.load(exec, parents).await?;
        let c = self.2.load(exec, parents).await?;
        Ok(a.into_iter().zip(b).zip(c).map(|((a, b), c)| (a, b, c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::json_string_array;

    /// The hand-built JSON of changed fields parses to exactly the names, whatever they contain.
    #[test]
    fn changed_fields_are_valid_json_of_the_names() {
        for fields in [
            &[][..],
            &["probability"][..],
            &["stage", "value"][..],
            &["we\"ird", "back\\slash", "tab\there", "ünï"][..],
        ] {
            let text = json_string_array(fields);
            let parsed: Vec<String> = serde_json::from_str(&text).expect(&text);
            assert_eq!(parsed, fields, "{text}");
        }
    }
}
