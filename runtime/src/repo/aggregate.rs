//! Several aggregates in one statement (Prisma's `aggregate` with `_count`, `_sum`, `_avg`, `_min`, `_max`
//! together), and `GROUP BY` several keys with every aggregate and `HAVING` (Prisma's `groupBy`):
//!
//! ```ignore
//! let (n, total, likely) = deals.aggregate(Filter::all(), (count(), sum(Deal::VALUE), avg(Deal::PROBABILITY))).await?;
//! let rows = deals.group_by_keys((Deal::STAGE, Deal::TYPE), (count(), max(Deal::VALUE)), Filter::all(), count().gt(1)).await?;
//! ```
//!
//! Typed end to end: each aggregate's result type follows its column (`sum` of `i32` is `i64`, as
//! PostgreSQL widens it), a tuple of aggregates reads as a tuple; tenant and soft-delete conditions as every
//! read; values in `HAVING` bound.

use super::*;

/// One aggregate of a model's rows.
pub trait Agg<M>: Send + Sync {
    /// What it reads.
    type Out: Send;
    /// Its SQL over alias `t`.
    fn expr(&self) -> String;
    /// Reads it from column `i`.
    fn read(row: &Row, i: usize) -> Result<Self::Out, Error>;
}

fn get<T: for<'r> FromSql<'r>>(row: &Row, i: usize) -> Result<T, Error> {
    row.try_get::<_, T>(i)
        .map_err(|e| Error::Connection(format!("aggregate column {i}: {e}")))
}

/// `count(*)`.
#[derive(Debug, Clone, Copy)]
pub struct Count;

/// `count(*)`: how many rows (per group).
pub fn count() -> Count {
    Count
}

impl<M> Agg<M> for Count {
    type Out = i64;
    fn expr(&self) -> String {
        "count(*)".into()
    }
    fn read(row: &Row, i: usize) -> Result<i64, Error> {
        get(row, i)
    }
}

macro_rules! column_aggregate {
    ($name:ident, $func:ident, $sql:literal, $doc:literal, $out:ty, $bound:path) => {
        #[doc = $doc]
        pub struct $name<M, T> {
            column: &'static str,
            _p: PhantomData<fn() -> (M, T)>,
        }

        #[doc = $doc]
        pub fn $func<M, T: $bound>(column: impl ColRef<M, T>) -> $name<M, T> {
            $name {
                column: column.column(),
                _p: PhantomData,
            }
        }

        impl<M, T: $bound> Agg<M> for $name<M, T> {
            type Out = $out;
            fn expr(&self) -> String {
                format!(concat!($sql, "(t.{})"), q(self.column))
            }
            fn read(row: &Row, i: usize) -> Result<$out, Error> {
                get(row, i)
            }
        }
    };
}

/// A type whose values can be the smallest or the largest.
pub trait Ordered: for<'r> FromSql<'r> + Send {}
impl<T: for<'r> FromSql<'r> + Send> Ordered for T {}

column_aggregate!(
    Sum,
    sum,
    "sum",
    "`sum(column)` (NULL when no row).",
    Option<T::Sum>,
    Numeric
);
column_aggregate!(
    Avg,
    avg,
    "avg",
    "`avg(column)` (NULL when no row).",
    Option<T::Avg>,
    Numeric
);
column_aggregate!(Min, min, "min", "`min(column)` (NULL when no row).", Option<T>, Ordered);
column_aggregate!(Max, max, "max", "`max(column)` (NULL when no row).", Option<T>, Ordered);

/// Aggregates read together: one, or a tuple of up to five.
pub trait Aggregates<M>: Send + Sync {
    /// What they read.
    type Out: Send;
    /// Their SQL, in order.
    fn exprs(&self) -> Vec<String>;
    /// Reads them from the columns starting at `first`.
    fn read(row: &Row, first: usize) -> Result<Self::Out, Error>;
}

macro_rules! aggregate_tuple {
    ($($a:ident $i:tt),+) => {
        impl<M, $($a: Agg<M>),+> Aggregates<M> for ($($a,)+) {
            type Out = ($($a::Out,)+);
            fn exprs(&self) -> Vec<String> {
                vec![$(self.$i.expr()),+]
            }
            fn read(row: &Row, first: usize) -> Result<Self::Out, Error> {
                Ok(($($a::read(row, first + $i)?,)+))
            }
        }
    };
}
aggregate_tuple!(A 0);
aggregate_tuple!(A 0, B 1);
aggregate_tuple!(A 0, B 1, C 2);
aggregate_tuple!(A 0, B 1, C 2, D 3);
aggregate_tuple!(A 0, B 1, C 2, D 3, E 4);

/// One group key column and what it reads as (NULL-able columns as `Option`).
pub trait KeyColumn<M>: Send + Sync {
    /// What it reads as.
    type Out: Send;
    /// Its column.
    fn column_name(&self) -> &'static str;
    /// Reads it from column `i`.
    fn read_at(row: &Row, i: usize) -> Result<Self::Out, Error>;
}

impl<M, T: for<'r> FromSql<'r> + Send> KeyColumn<M> for Col<M, T> {
    type Out = T;
    fn column_name(&self) -> &'static str {
        self.name
    }
    fn read_at(row: &Row, i: usize) -> Result<T, Error> {
        get(row, i)
    }
}

impl<M, T: for<'r> FromSql<'r> + Send> KeyColumn<M> for NullableCol<M, T> {
    type Out = Option<T>;
    fn column_name(&self) -> &'static str {
        self.name
    }
    fn read_at(row: &Row, i: usize) -> Result<Option<T>, Error> {
        get(row, i)
    }
}

/// Group keys: one column, or a tuple of up to four.
pub trait Keys<M>: Send + Sync {
    /// What a group's key reads as.
    type Out: Send;
    /// Their columns.
    fn columns(&self) -> Vec<&'static str>;
    /// Reads the key from the first columns.
    fn read(row: &Row) -> Result<Self::Out, Error>;
}

macro_rules! key_column {
    ($col:ident) => {
        impl<M, T: for<'r> FromSql<'r> + Send> Keys<M> for $col<M, T> {
            type Out = <Self as KeyColumn<M>>::Out;
            fn columns(&self) -> Vec<&'static str> {
                vec![self.name]
            }
            fn read(row: &Row) -> Result<Self::Out, Error> {
                <Self as KeyColumn<M>>::read_at(row, 0)
            }
        }
    };
}
key_column!(Col);
key_column!(NullableCol);

macro_rules! key_tuple {
    ($($k:ident $i:tt),+) => {
        impl<M, $($k: KeyColumn<M>),+> Keys<M> for ($($k,)+) {
            type Out = ($($k::Out,)+);
            fn columns(&self) -> Vec<&'static str> {
                vec![$(self.$i.column_name()),+]
            }
            fn read(row: &Row) -> Result<Self::Out, Error> {
                Ok(($($k::read_at(row, $i)?,)+))
            }
        }
    };
}
key_tuple!(A 0, B 1);
key_tuple!(A 0, B 1, C 2);
key_tuple!(A 0, B 1, C 2, D 3);

/// A `HAVING` condition on aggregates: `count().gt(2)`, combined with `and`.
pub struct Having<M> {
    sql: Vec<(String, &'static str, Option<Param>)>,
    _m: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Having<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.sql.iter().map(|(e, op, _)| format!("{e} {op} ?")).collect();
        write!(f, "Having({})", parts.join(" AND "))
    }
}

impl<M> Having<M> {
    /// No condition: every group.
    pub fn all() -> Self {
        Having {
            sql: Vec::new(),
            _m: PhantomData,
        }
    }

    /// Both conditions.
    pub fn and(mut self, other: Having<M>) -> Self {
        self.sql.extend(other.sql);
        self
    }
}

/// Comparisons of an aggregate's value, for `HAVING`.
pub trait Compare<M>: Agg<M> + Sized {
    /// The value compared with.
    type Value: ToSql + Sync + Send + 'static;
    /// `aggregate > value`.
    fn gt(self, value: Self::Value) -> Having<M> {
        having(self.expr(), ">", value)
    }
    /// `aggregate >= value`.
    fn ge(self, value: Self::Value) -> Having<M> {
        having(self.expr(), ">=", value)
    }
    /// `aggregate < value`.
    fn lt(self, value: Self::Value) -> Having<M> {
        having(self.expr(), "<", value)
    }
    /// `aggregate <= value`.
    fn le(self, value: Self::Value) -> Having<M> {
        having(self.expr(), "<=", value)
    }
    /// `aggregate = value`.
    fn eq(self, value: Self::Value) -> Having<M> {
        having(self.expr(), "=", value)
    }
}

fn having<M, V: ToSql + Sync + Send + 'static>(expr: String, op: &'static str, value: V) -> Having<M> {
    Having {
        sql: vec![(expr, op, Some(Box::new(value)))],
        _m: PhantomData,
    }
}

impl<M> Compare<M> for Count {
    type Value = i64;
}
impl<M, T: Numeric> Compare<M> for Sum<M, T>
where
    T::Sum: ToSql + Sync + 'static,
{
    type Value = T::Sum;
}
impl<M, T: Ordered + ToSql + Sync + 'static> Compare<M> for Min<M, T> {
    type Value = T;
}
impl<M, T: Ordered + ToSql + Sync + 'static> Compare<M> for Max<M, T> {
    type Value = T;
}

impl<'a, M: Model, A: Access, E: Executor> Repo<'a, M, A, E> {
    /// Several aggregates over the rows `filter` matches, in one statement.
    pub async fn aggregate<G: Aggregates<M>>(&self, filter: Filter<M>, aggregates: G) -> Result<G::Out, Error> {
        let mut b = SqlBuilder::new(format!(
            "SELECT {} FROM {} t",
            aggregates.exprs().join(", "),
            M::META.sql_table()
        ));
        self.where_clause(&mut b, filter)?;
        let rows = self.fetch(b).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Connection("aggregate returned no row".into()))?;
        G::read(row, 0)
    }

    /// `GROUP BY keys` with `aggregates` per group, over the rows `filter` matches, keeping the groups
    /// `having` accepts, ordered by the keys.
    pub async fn group_by_keys<K: Keys<M>, G: Aggregates<M>>(
        &self,
        keys: K,
        aggregates: G,
        filter: Filter<M>,
        having: Having<M>,
    ) -> Result<Vec<(K::Out, G::Out)>, Error> {
        let columns: Vec<String> = keys.columns().iter().map(|c| format!("t.{}", q(c))).collect();
        let n = columns.len();
        let mut b = SqlBuilder::new(format!(
            "SELECT {}, {} FROM {} t",
            columns.join(", "),
            aggregates.exprs().join(", "),
            M::META.sql_table()
        ));
        self.where_clause(&mut b, filter)?;
        b.sql.push_str(&format!(" GROUP BY {}", columns.join(", ")));
        for (k, (expr, op, value)) in having.sql.into_iter().enumerate() {
            b.sql.push_str(if k == 0 { " HAVING " } else { " AND " });
            let p = value.map(|v| b.param(v)).unwrap_or_default();
            b.sql.push_str(&format!("{expr} {op} {p}"));
        }
        b.sql.push_str(&format!(" ORDER BY {}", columns.join(", ")));
        let rows = self.fetch(b).await?;
        rows.iter().map(|r| Ok((K::read(r)?, G::read(r, n)?))).collect()
    }
}
