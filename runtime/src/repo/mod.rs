//! The repository: the typed query API of one model, in one execution context (a tenant scope, a scoped
//! transaction, or the global client). Every statement on a tenant-owned table carries
//! `organization_id = $n` (the scope's tenant), every insert gets the tenant key injected, and every
//! included relation is restricted the same way; row-level security then checks it all again.

use std::collections::HashMap;
use std::marker::PhantomData;

use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::Row;

use crate::error::Error;
use crate::exec::Executor;
use crate::meta::{CreateInput, Key, Model, ModelMeta, TenancyMeta, UpdateInput};
use crate::query::{q, Col, Filter, NullableCol, Param, Query, SqlBuilder};
use crate::scope::{Access, AuditAction};

pub mod aggregate;
mod assign;
mod audit;
mod bulk;
mod by_key;
mod count;
mod find;
mod include;
mod nested;
mod select;

pub use assign::Assign;
use audit::Audited;
pub use count::{RelCount, RelManyQuery};
pub use include::{Include, Nested, RelMany, RelOne, RelThrough};
pub use nested::{NestedConnect, NestedCreate, NestedLink, NestedWrite};
pub use select::Selection;

/// The future of a read that takes `impl IntoQuery`: boxed, so that its type does not name the argument's
/// type. (An `impl Future` would, and a filter of another model would then be reported three times: at
/// the argument, at the call and at `.await`.) One allocation per call, next to a network round trip.
pub type ReadFuture<'r, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Error>> + Send + 'r>>;

/// An upsert's conflict target and what to set on conflict.
type Conflict<'c> = (&'c [&'static str], Vec<(&'static str, Param)>);

type Marker<'a, M, A> = PhantomData<(&'a (), fn() -> (M, A))>;

/// A model's repository. Write methods exist only for an access that may write the model
/// ([`CanWrite`](crate::CanWrite): [`ReadWrite`](crate::ReadWrite) for most, [`Manage`](crate::Manage) for all).
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
    /// The column's database name.
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
    /// What `sum` returns for this type (PostgreSQL widens integers).
    type Sum: for<'r> FromSql<'r> + Send;
    /// What `avg` returns for this type.
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

    /// Every write goes through [`Repo::finish_write`], so this is where `@@writableBy` is checked: a role
    /// not listed (the system scope may write anything) is refused before anything is sent, and the
    /// database's restrictive policies refuse it again.
    fn check_write_role(&self) -> Result<(), Error> {
        let roles = M::META.write_roles;
        match self.exec.role() {
            _ if roles.is_empty() => Ok(()),
            Some(r) if r == crate::scope::SYSTEM_ROLE || roles.contains(&r) => Ok(()),
            role => Err(Error::Forbidden {
                reason: format!(
                    "role `{}` cannot write {} (writable by {})",
                    role.unwrap_or("none"),
                    M::META.name,
                    roles.join(", ")
                ),
            }),
        }
    }

    /// Wraps a write that returns the model's columns with its audit row, when the model is audited and this
    /// context has a sink (see [`audit`]), and selects either the rows or their count.
    fn finish_write(&self, b: SqlBuilder, what: Audited<'_>, count: bool) -> Result<SqlBuilder, Error> {
        self.check_write_role()?;
        let audit = if M::META.audited { self.exec.audit() } else { None };
        audit::finish_write(&M::META, audit, b, what, count)
    }

    async fn fetch(&self, b: SqlBuilder) -> Result<Vec<Row>, Error> {
        self.exec.run(b.sql, b.params).await.map_err(constraint_columns::<M>)
    }

    /// Rows matching the query, in its order.
    pub fn find_many(&self, query: impl crate::query::IntoQuery<M>) -> ReadFuture<'_, Vec<M>> {
        Box::pin(self.find_many_query(query.into_query()))
    }

    async fn find_many_query(&self, query: Query<M>) -> Result<Vec<M>, Error> {
        self.select_rows(query, select_list(&M::META, "t"), M::from_row).await
    }

    /// The rows of `query`, `list` (the select list on alias `t`) read by `map`: the model's columns, or a
    /// partial model's.
    pub(super) async fn select_rows<T: Send + 'static>(
        &self,
        query: Query<M>,
        list: &str,
        map: fn(&Row) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut b = SqlBuilder::new(String::with_capacity(list.len() + 256));
        b.sql.push_str("SELECT ");
        for (k, c) in query.distinct.iter().enumerate() {
            b.sql.push_str(if k == 0 { "DISTINCT ON (" } else { ", " });
            b.push_column("t", c);
            if k + 1 == query.distinct.len() {
                b.sql.push_str(") ");
            }
        }
        b.sql.push_str(list);
        b.sql.push_str(" FROM ");
        M::META.push_table(&mut b.sql);
        b.sql.push_str(" t");
        self.where_clause(&mut b, query.filter)?;
        // DISTINCT ON needs its columns first in the order (in the direction the query orders them, else
        // ascending); the query's other orderings follow and decide which row of each is kept.
        let distinct = query.distinct.iter().map(|c| {
            query
                .order
                .iter()
                .find(|o| o.column == *c && o.related.is_none())
                .cloned()
                .unwrap_or_else(|| crate::query::Order::<M>::by(c, false))
        });
        let rest = query
            .order
            .iter()
            .filter(|o| o.related.is_some() || !query.distinct.contains(&o.column))
            .cloned();
        for (k, o) in distinct.chain(rest).enumerate() {
            b.sql.push_str(if k == 0 { " ORDER BY " } else { ", " });
            o.push_sql(&mut b.sql);
        }
        if let Some(n) = query.take {
            b.sql.push_str(" LIMIT ");
            b.push_param(Box::new(n));
        }
        if let Some(n) = query.skip {
            b.sql.push_str(" OFFSET ");
            b.push_param(Box::new(n));
        }
        self.exec.run_map(b.sql, b.params, move |r| map(&r)).await
    }

    /// The first row matching the query, if any.
    pub fn find_first(&self, query: impl crate::query::IntoQuery<M>) -> ReadFuture<'_, Option<M>> {
        let query = query.into_query().take(1);
        Box::pin(async move { Ok(self.find_many_query(query).await?.into_iter().next()) })
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
    pub fn find_many_with<'r, I: Include<M> + 'r>(
        &'r self,
        query: impl crate::query::IntoQuery<M>,
        include: I,
    ) -> ReadFuture<'r, Vec<(M, I::Out)>> {
        let query = query.into_query();
        Box::pin(async move {
            let parents = self.find_many_query(query).await?;
            let loaded = include.load(&self.exec, &parents).await?;
            Ok(parents.into_iter().zip(loaded).collect())
        })
    }

    /// How many rows match.
    pub async fn count(&self, filter: Filter<M>) -> Result<i64, Error> {
        let mut b = SqlBuilder::new(format!("SELECT count(*) FROM {} t", M::META.sql_table()));
        self.where_clause(&mut b, filter)?;
        let rows = self.fetch(b).await?;
        rows.first()
            .map(|r| r.get::<_, i64>(0))
            .ok_or_else(|| Error::Connection("count returned no row".into()))
    }

    async fn aggregate_one<R: for<'r> FromSql<'r>>(
        &self,
        func: &str,
        column: &'static str,
        filter: Filter<M>,
    ) -> Result<Option<R>, Error> {
        let mut b = SqlBuilder::new(format!("SELECT {func}(t.{}) FROM {} t", q(column), M::META.sql_table()));
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
        self.aggregate_one("sum", column.column(), filter).await
    }

    /// `avg(column)` over matching rows.
    pub async fn avg<T: Numeric>(&self, column: impl ColRef<M, T>, filter: Filter<M>) -> Result<Option<T::Avg>, Error> {
        self.aggregate_one("avg", column.column(), filter).await
    }

    /// The smallest value of `column` among the rows the filter matches (`None` when none does).
    pub async fn min<T: for<'r> FromSql<'r>>(
        &self,
        column: impl ColRef<M, T>,
        filter: Filter<M>,
    ) -> Result<Option<T>, Error> {
        self.aggregate_one("min", column.column(), filter).await
    }

    /// The largest value of `column` among the rows the filter matches (`None` when none does).
    pub async fn max<T: for<'r> FromSql<'r>>(
        &self,
        column: impl ColRef<M, T>,
        filter: Filter<M>,
    ) -> Result<Option<T>, Error> {
        self.aggregate_one("max", column.column(), filter).await
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
            M::META.sql_table(),
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

impl<'a, M: Model, A: crate::scope::CanWrite<M>, E: Executor> Repo<'a, M, A, E> {
    /// Inserts one row (the tenant key is injected; generated ids and `@updatedAt` are filled) and returns it.
    pub async fn create(&self, input: M::Create) -> Result<M, Error> {
        self.insert_values(input.into_values()).await
    }

    /// [`Repo::create`] from the input's column values.
    pub(crate) async fn insert_values(&self, values: Vec<(&'static str, Param)>) -> Result<M, Error> {
        let fields: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
        let b = self.insert_sql(values, None)?;
        let b = self.finish_write(b, Audited::One(AuditAction::Create, &fields), false)?;
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
        meta.push_table(&mut b.sql);
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

    /// Updates the row with this id and returns it; [`Error::NotFound`] when there is none (in this tenant).
    pub async fn update<T: ToSql + Sync + Send + 'static>(&self, id: T, input: M::Update) -> Result<M, Error> {
        let rows = self
            .update_rows(id_filter(id)?, set_all(input.into_values()), false)
            .await?;
        one(rows, "to update")
    }

    /// Updates every matching row; returns how many.
    pub async fn update_many(&self, filter: Filter<M>, input: M::Update) -> Result<u64, Error> {
        let rows = self.update_rows(filter, set_all(input.into_values()), true).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    /// `UPDATE ... SET` each `(column, operator, value)`: `column = $v`, or `column = t.column <op> $v`.
    pub(super) async fn update_rows(
        &self,
        filter: Filter<M>,
        values: Vec<(&'static str, Option<&'static str>, Param)>,
        count: bool,
    ) -> Result<Vec<Row>, Error> {
        let meta = &M::META;
        let mut b = SqlBuilder::default();
        let mut sets: Vec<String> = Vec::new();
        let fields: Vec<&str> = values.iter().map(|(c, _, _)| *c).collect();
        for (c, op, v) in values {
            let p = b.param(v);
            match op {
                None => sets.push(format!("{} = {p}", q(c))),
                Some(op) => sets.push(format!("{c} = t.{c} {op} {p}", c = q(c))),
            }
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
        b.sql = format!("UPDATE {} AS t SET {}", meta.sql_table(), sets.join(", "));
        self.where_clause(&mut b, filter)?;
        b.sql.push_str(&format!(" RETURNING {}", select_list(meta, "t")));
        let b = self.finish_write(b, Audited::One(AuditAction::Update, &fields), count)?;
        self.fetch(b).await
    }

    /// Deletes the row with this id and returns it; [`Error::NotFound`] when there is none. For a model
    /// with a `@softDelete` field this sets it (the row stays, hidden from reads): see [`Repo::hard_delete`].
    pub async fn delete<T: ToSql + Sync + Send + 'static>(&self, id: T) -> Result<M, Error> {
        let rows = self
            .delete_rows(id_filter(id)?, M::META.soft_delete.is_some(), false)
            .await?;
        one(rows, "to delete")
    }

    /// Deletes every matching row (a soft delete when the model has one); returns how many.
    pub async fn delete_many(&self, filter: Filter<M>) -> Result<u64, Error> {
        let rows = self.delete_rows(filter, M::META.soft_delete.is_some(), true).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    /// Removes the row for good, soft-deleted or not.
    pub async fn hard_delete<T: ToSql + Sync + Send + 'static>(&self, id: T) -> Result<M, Error> {
        let repo = Repo::<M, A, &E> {
            exec: &self.exec,
            with_deleted: true,
            _p: PhantomData,
        };
        let rows = repo.delete_rows(id_filter(id)?, false, false).await?;
        one(rows, "to delete")
    }

    async fn delete_rows(&self, filter: Filter<M>, soft: bool, count: bool) -> Result<Vec<Row>, Error> {
        let meta = &M::META;
        let mut b = match (soft, meta.soft_delete) {
            (true, Some(col)) => SqlBuilder::new(format!("UPDATE {} AS t SET {} = now()", meta.sql_table(), q(col))),
            _ => SqlBuilder::new(format!("DELETE FROM {} AS t", meta.sql_table())),
        };
        self.where_clause(&mut b, filter)?;
        b.sql.push_str(&format!(" RETURNING {}", select_list(meta, "t")));
        let b = self.finish_write(b, Audited::One(AuditAction::Delete, &[]), count)?;
        self.fetch(b).await
    }
}

/// Fills in the columns of a unique or foreign key violation from the model's metadata when the server left
/// them out (it omits the key's detail under row-level security, which covers every tenant table): the
/// constraint's name, as codegen names constraints (`{table}_{columns}_key`, `_pkey`, `_fkey`), says which.
fn constraint_columns<M: Model>(e: Error) -> Error {
    let meta = &M::META;
    let name_of = |cols: &[&str], suffix: &str| format!("{}_{}_{suffix}", meta.table, cols.join("_"));
    let find = |constraint: &str, unique: bool| -> Option<Vec<String>> {
        let key = meta.tenant_key();
        let owned = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        if unique {
            if constraint == format!("{}_pkey", meta.table) {
                return Some(owned(meta.primary_key));
            }
            return meta.uniques.iter().find_map(|u| {
                let mut led: Vec<&str> = key.filter(|k| !u.contains(k)).into_iter().collect();
                led.extend(u.iter());
                (constraint == name_of(u, "key") || constraint == name_of(&led, "key")).then(|| owned(u))
            });
        }
        meta.relations
            .iter()
            .filter(|r| !r.columns.is_empty())
            .find(|r| constraint == name_of(r.columns, "fkey"))
            .map(|r| owned(r.columns))
    };
    match e {
        Error::UniqueViolation {
            constraint: Some(c),
            table,
            fields,
        } if fields.is_empty() => Error::UniqueViolation {
            fields: find(&c, true).unwrap_or_default(),
            constraint: Some(c),
            table,
        },
        Error::ForeignKeyViolation {
            constraint: Some(c),
            table,
            fields,
        } if fields.is_empty() => Error::ForeignKeyViolation {
            fields: find(&c, false).unwrap_or_default(),
            constraint: Some(c),
            table,
        },
        other => other,
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

    fn role(&self) -> Option<&str> {
        (**self).role()
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

/// The one row a write by key returned, or [`Error::NotFound`].
fn one<M: Model>(rows: Vec<Row>, what: &str) -> Result<M, Error> {
    let row = rows.first().ok_or_else(|| Error::NotFound {
        what: format!("{} {what}", M::META.name),
    })?;
    M::from_row(row)
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

/// Plain sets, as update inputs give them.
fn set_all(values: Vec<(&'static str, Param)>) -> Vec<(&'static str, Option<&'static str>, Param)> {
    values.into_iter().map(|(c, v)| (c, None, v)).collect()
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
