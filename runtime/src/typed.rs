//! Typed raw SQL: [`query_as!`](crate::query_as) rows mapped into a struct, the statement's tables and
//! columns checked against the models at compile time (no database needed: the models are the schema).

use std::marker::PhantomData;

use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

use crate::error::Error;
use crate::scope::{Access, RawSql, ScopedTx, TenantScope};

/// A statement whose rows are `T`s; made by [`query_as!`](crate::query_as), run by [`TenantScope::query`]
/// or [`ScopedTx::query`].
pub struct TypedSql<T> {
    raw: RawSql,
    map: fn(&Row) -> Result<T, Error>,
}

impl<T> std::fmt::Debug for TypedSql<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedSql").field("raw", &self.raw).finish()
    }
}

impl<T> TypedSql<T> {
    /// What `query_as!` expands to.
    #[doc(hidden)]
    pub fn __new(raw: RawSql, map: fn(&Row) -> Result<T, Error>) -> Self {
        TypedSql { raw, map }
    }
}

impl<A: Access> TenantScope<A> {
    /// Runs a [`query_as!`](crate::query_as) statement as [`TenantScope::raw`] does (this tenant's
    /// row-level security, its own transaction, `READ ONLY` for a read-only scope) and maps each row.
    pub async fn query<T>(&self, query: TypedSql<T>) -> Result<Vec<T>, Error> {
        let rows = self.raw(query.raw).await?;
        rows.iter().map(query.map).collect()
    }
}

impl<A: Access> ScopedTx<'_, '_, A> {
    /// Runs a [`query_as!`](crate::query_as) statement in this transaction and maps each row.
    pub async fn query<T>(&self, query: TypedSql<T>) -> Result<Vec<T>, Error> {
        let rows = self.raw(query.raw).await?;
        rows.iter().map(query.map).collect()
    }
}

/// Whether the model has a column named exactly `name` (at compile time, for `query_as!`: an unquoted
/// name is folded to lower case, as the server folds it).
#[doc(hidden)]
pub const fn has_column(meta: &crate::ModelMeta, name: &str) -> bool {
    let mut i = 0;
    while i < meta.columns.len() {
        let (a, b) = (meta.columns[i].column.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Output column `i` (`name`) read as the model column's type.
#[doc(hidden)]
pub fn typed_column<'r, T: FromSql<'r>>(
    row: &'r Row,
    i: usize,
    name: &str,
    _: PhantomData<fn() -> T>,
) -> Result<T, Error> {
    column(row, i, name)
}

/// Output column `i` (`name`) read as the field's type (checked by the driver against the column's).
#[doc(hidden)]
pub fn column<'r, T: FromSql<'r>>(row: &'r Row, i: usize, name: &str) -> Result<T, Error> {
    row.try_get(i)
        .map_err(|e| Error::Connection(format!("column `{name}`: {e}")))
}

/// Raw SQL whose rows fill a struct, checked against the schema at compile time:
///
/// ```ignore
/// struct StageTotal { stage: DealStage, deals: i64 }
/// let rows: Vec<StageTotal> = scope
///     .query(query_as!(StageTotal, "SELECT d.stage, count(*) AS deals FROM {Deal} d WHERE d.probability >= $1 GROUP BY d.stage", 50))
///     .await?;
/// ```
///
/// Tables are written as their models (`{Deal}`, any type path): the model's table is written in their
/// place, and a name that is not a model does not compile. Each column reference tied to a model
/// (`d.stage`; an unqualified name when the statement reads one model and the name is not an SQL keyword)
/// must be a column of that model. Every output column fills the struct field of its name (`AS field` to
/// rename); a bare column gives its field the model column's exact type, an expression's type is the
/// field's, checked by the driver when the row is read. The statement passes the same SQL guard as
/// [`sql!`](crate::sql), and the `$n` placeholders must match the parameters.
#[macro_export]
macro_rules! query_as {
    ($($input:tt)*) => {
        $crate::__private::__typed_sql!($crate, $($input)*)
    };
}
