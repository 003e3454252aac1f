//! Unique keys as typed values (Prisma's `WhereUniqueInput`): the derive writes one constant per primary
//! key and unique constraint, e.g. `Deal::BY_ID: Unique<Deal, String>` or
//! `Member::BY_WORKSPACE_ACCOUNT: Unique<Member, (String, String)>` (the tenant key left out: the scope
//! supplies it). `Deal::BY_NAME.eq("Atlas")` is the `where` of `find_by`, `update_by`, `delete_by`; the
//! constant itself is the conflict target of `upsert` and the ordering of `find_page_by`. A key of another
//! model, or a value of the wrong type, does not compile.

use std::marker::PhantomData;

use crate::query::{Filter, Node, Param, ParamBox};

/// A unique key of model `M` whose value is `V` (one type, or a tuple for a compound key).
pub struct Unique<M, V> {
    /// Its columns, in the constraint's order, without the tenant key.
    pub columns: &'static [&'static str],
    params: fn(V) -> Vec<Param>,
    _m: PhantomData<fn() -> M>,
}

impl<M, V> Clone for Unique<M, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, V> Copy for Unique<M, V> {}

impl<M, V> std::fmt::Debug for Unique<M, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unique({})", self.columns.join(", "))
    }
}

impl<M, V> Unique<M, V> {
    /// Written by the derive: `params` turns a value into one parameter per column.
    #[doc(hidden)]
    pub const fn new(columns: &'static [&'static str], params: fn(V) -> Vec<Param>) -> Self {
        Unique {
            columns,
            params,
            _m: PhantomData,
        }
    }

    /// The row whose key is `value`: the `where` of `find_by`, `update_by` and `delete_by`.
    pub fn eq(self, value: impl Into<V>) -> UniqueWhere<M> {
        UniqueWhere {
            columns: self.columns,
            values: (self.params)(value.into()),
            _m: PhantomData,
        }
    }
}

/// One row of `M`, named by a unique key and its value (see [`Unique::eq`]).
pub struct UniqueWhere<M> {
    pub(crate) columns: &'static [&'static str],
    pub(crate) values: Vec<Param>,
    _m: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for UniqueWhere<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values may be personal data: only the columns are printed.
        write!(f, "UniqueWhere({} = ..)", self.columns.join(", "))
    }
}

impl<M> UniqueWhere<M> {
    /// `column = value` for each column of the key.
    pub(crate) fn into_filter(self) -> Filter<M> {
        let nodes = self
            .columns
            .iter()
            .zip(self.values)
            .map(|(column, value)| Node::Cmp {
                column,
                op: "=",
                value: ParamBox(value),
            })
            .collect();
        Filter::from_node(Node::And(nodes))
    }
}

impl<M> From<UniqueWhere<M>> for Filter<M> {
    fn from(key: UniqueWhere<M>) -> Self {
        key.into_filter()
    }
}
