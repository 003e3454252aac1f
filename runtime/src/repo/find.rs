//! Finders that say "not found" (Prisma's `...OrThrow`), and updates that return every row they touched.

use super::*;

impl<'a, M: Model, A: Access, E: Executor> Repo<'a, M, A, E> {
    /// The first row matching the query, or [`Error::NotFound`] (Prisma's `findFirstOrThrow`).
    pub fn find_first_or_throw(&self, query: impl crate::query::IntoQuery<M>) -> ReadFuture<'_, M> {
        let query = query.into_query().take(1);
        Box::pin(async move {
            self.find_many_query(query)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Error::NotFound {
                    what: format!("{} matching the query", M::META.name),
                })
        })
    }

    /// The row whose unique column equals `value`, or [`Error::NotFound`] (Prisma's `findUniqueOrThrow`).
    pub async fn find_unique_or_throw<T: ToSql + Sync + Send + 'static>(
        &self,
        column: Col<M, T>,
        value: T,
    ) -> Result<M, Error> {
        self.find_unique(column, value).await?.ok_or_else(|| Error::NotFound {
            what: format!("{} with that {}", M::META.name, column.name),
        })
    }
}

impl<'a, M: Model, A: crate::scope::CanWrite<M>, E: Executor> Repo<'a, M, A, E> {
    /// Updates every matching row and returns them (Prisma's `updateManyAndReturn`).
    pub async fn update_many_and_return(&self, filter: Filter<M>, input: M::Update) -> Result<Vec<M>, Error> {
        let rows = self.update_rows(filter, set_all(input.into_values()), false).await?;
        rows.iter().map(M::from_row).collect()
    }
}
