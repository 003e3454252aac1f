//! Partial models (Prisma's `select` and `omit`): a struct deriving [`Select`](crate::Select) names some of
//! a model's fields with their types; `select` reads only those columns, with the same filter, order,
//! paging, tenant predicate and soft-delete rule as `find_many`.

use super::*;

/// A partial model of `M`, written by `#[derive(Select)]`: which columns to read and how to read a row of
/// them. A field the model does not have, or with another type than the model's, does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a selection of `{M}`",
    label = "not `#[derive(Select)] #[select(model = {M})]`",
    note = "a partial model names the model it reads: `#[derive(Select)] #[select(model = {M})] struct ... {{ id: String, .. }}`"
)]
pub trait Selection<M: Model>: Sized + Send + 'static {
    /// The model's fields read, in order (their columns come from the model's metadata).
    const FIELDS: &'static [&'static str];
    /// Reads a row of the columns of [`Selection::FIELDS`].
    fn from_row(row: &Row) -> Result<Self, Error>;
}

impl<'a, M: Model, A: Access, E: Executor> Repo<'a, M, A, E> {
    /// The rows `query` selects, as partial models `S` (only `S`'s columns are read):
    /// `repo.select::<DealCard>(Query::new().order_by(Deal::NAME.asc()))`.
    pub fn select<S: Selection<M>>(&self, query: impl crate::query::IntoQuery<M>) -> ReadFuture<'_, Vec<S>> {
        Box::pin(self.select_rows(query.into_query(), list::<M, S>(), S::from_row))
    }

    /// The first row `query` selects, as a partial model, if any.
    pub fn select_first<S: Selection<M>>(&self, query: impl crate::query::IntoQuery<M>) -> ReadFuture<'_, Option<S>> {
        let rows = self.select_rows(query.into_query().take(1), list::<M, S>(), S::from_row);
        Box::pin(async move { Ok(rows.await?.into_iter().next()) })
    }
}

/// `t."a", t."b"` for the selection's columns, built once per selection. (The derive proved that each
/// field is one of the model's, so every lookup finds its column.)
fn list<M: Model, S: Selection<M>>() -> &'static str {
    static LISTS: SqlCache<std::any::TypeId> = std::sync::OnceLock::new();
    interned(&LISTS, std::any::TypeId::of::<S>(), || {
        S::FIELDS
            .iter()
            .map(|f| {
                let column = M::META.columns.iter().find(|c| c.field == *f).map_or(*f, |c| c.column);
                format!("t.{}", q(column))
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}
