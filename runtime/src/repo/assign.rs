//! Updates that compute from the current value (Prisma's `increment`, `decrement`, `multiply`, `divide`)
//! and plain sets, typed by column: `repo.update_set(id, [Deal::PROBABILITY.increment(5),
//! Deal::NAME.set("Renamed".to_string())])`. One statement, the value bound, the arithmetic done by the
//! database (no read-modify-write race); the tenant key cannot be assigned; audited and `@updatedAt` like
//! every update. On a nullable column, arithmetic on NULL stays NULL, as in Prisma.

use super::*;
use crate::query::NullableCol;

/// One assignment of an update: `column = $v` or `column = column <op> $v`.
pub struct Assign<M> {
    pub(crate) column: &'static str,
    /// `None` for a plain set, else the arithmetic operator.
    pub(crate) op: Option<&'static str>,
    pub(crate) value: Param,
    _m: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Assign<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.op {
            None => write!(f, "{} = ?", self.column),
            Some(op) => write!(f, "{c} = {c} {op} ?", c = self.column),
        }
    }
}

impl<M> Assign<M> {
    fn new(column: &'static str, op: Option<&'static str>, value: Param) -> Self {
        Assign {
            column,
            op,
            value,
            _m: PhantomData,
        }
    }
}

macro_rules! assignments {
    ($col:ident, $set:ty) => {
        impl<M, T: ToSql + Sync + Send + 'static> $col<M, T> {
            /// Sets the column to `value`.
            pub fn set(self, value: impl Into<$set>) -> Assign<M> {
                let value: $set = value.into();
                Assign::new(self.name, None, Box::new(value))
            }
        }

        impl<M, T: ToSql + Sync + Send + Numeric + 'static> $col<M, T> {
            /// Adds `by` to the current value, in the database.
            pub fn increment(self, by: T) -> Assign<M> {
                Assign::new(self.name, Some("+"), Box::new(by))
            }
            /// Subtracts `by` from the current value, in the database.
            pub fn decrement(self, by: T) -> Assign<M> {
                Assign::new(self.name, Some("-"), Box::new(by))
            }
            /// Multiplies the current value by `by`, in the database.
            pub fn multiply(self, by: T) -> Assign<M> {
                Assign::new(self.name, Some("*"), Box::new(by))
            }
            /// Divides the current value by `by`, in the database (integer division for integer columns).
            pub fn divide(self, by: T) -> Assign<M> {
                Assign::new(self.name, Some("/"), Box::new(by))
            }
        }
    };
}

assignments!(Col, T);
assignments!(NullableCol, Option<T>);

impl<'a, M: Model, A: crate::scope::CanWrite<M>, E: Executor> Repo<'a, M, A, E> {
    /// Applies `changes` to the row with this id and returns it; [`Error::NotFound`] when there is none
    /// (in this tenant).
    pub async fn update_set<T: ToSql + Sync + Send + 'static>(
        &self,
        id: T,
        changes: impl IntoIterator<Item = Assign<M>>,
    ) -> Result<M, Error> {
        let rows = self.assign_rows(id_filter(id)?, changes, false).await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            what: format!("{} to update", M::META.name),
        })?;
        M::from_row(row)
    }

    /// Applies `changes` to every matching row; returns how many.
    pub async fn update_many_set(
        &self,
        filter: Filter<M>,
        changes: impl IntoIterator<Item = Assign<M>>,
    ) -> Result<u64, Error> {
        let rows = self.assign_rows(filter, changes, true).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    async fn assign_rows(
        &self,
        filter: Filter<M>,
        changes: impl IntoIterator<Item = Assign<M>>,
        count: bool,
    ) -> Result<Vec<Row>, Error> {
        let changes: Vec<Assign<M>> = changes.into_iter().collect();
        if changes.is_empty() {
            return Err(Error::Config(format!("an update of {} with no change", M::META.name)));
        }
        if let Some(a) = changes.iter().find(|a| Some(a.column) == M::META.tenant_key()) {
            return Err(Error::Forbidden {
                reason: format!("the tenant key `{}` of {} cannot be updated", a.column, M::META.name),
            });
        }
        let values = changes.into_iter().map(|a| (a.column, a.op, a.value)).collect();
        self.update_rows(filter, values, count).await
    }
}
