//! Reads and writes of one row named by any unique key (Prisma's `findUnique`, `update`, `delete` and
//! `upsert` with a `where` on a unique): the key is a generated [`Unique`] constant, so a key that is not
//! unique, of another model or with a value of the wrong type does not compile.

use super::*;
use crate::unique::{Unique, UniqueWhere};

impl<'a, M: Model, A: Access, E: Executor> Repo<'a, M, A, E> {
    /// The row with this key, if any (Prisma's `findUnique`): `repo.find_by(Deal::BY_NAME.eq("Atlas"))`.
    pub async fn find_by(&self, key: UniqueWhere<M>) -> Result<Option<M>, Error> {
        self.find_first(key.into_filter()).await
    }

    /// The row with this key, or [`Error::NotFound`] (Prisma's `findUniqueOrThrow`).
    pub async fn find_by_or_throw(&self, key: UniqueWhere<M>) -> Result<M, Error> {
        let what = format!("{} with that {}", M::META.name, key.columns.join(", "));
        self.find_by(key).await?.ok_or(Error::NotFound { what })
    }
}

impl<'a, M: Model, A: crate::scope::CanWrite<M>, E: Executor> Repo<'a, M, A, E> {
    /// Updates the row with this key and returns it; [`Error::NotFound`] when there is none (in this
    /// tenant).
    pub async fn update_by(&self, key: UniqueWhere<M>, input: M::Update) -> Result<M, Error> {
        let rows = self
            .update_rows(key.into_filter(), set_all(input.into_values()), false)
            .await?;
        one(rows, "to update")
    }

    /// Deletes the row with this key and returns it (a soft delete when the model has one);
    /// [`Error::NotFound`] when there is none.
    pub async fn delete_by(&self, key: UniqueWhere<M>) -> Result<M, Error> {
        let rows = self
            .delete_rows(key.into_filter(), M::META.soft_delete.is_some(), false)
            .await?;
        one(rows, "to delete")
    }

    /// Inserts `create`, or when a row with the same values of the unique key `conflict` exists (in this
    /// tenant: the tenant key is added to the target), applies `update` to it. Returns the row:
    /// `repo.upsert(Company::BY_NAME, create, update)`. An audited model records what happened: a create
    /// with the inserted fields, or an update with the updated ones.
    pub async fn upsert<V>(&self, conflict: Unique<M, V>, create: M::Create, update: M::Update) -> Result<M, Error> {
        let (create, update) = (create.into_values(), update.into_values());
        let created: Vec<&str> = create.iter().map(|(c, _)| *c).collect();
        let updated: Vec<&str> = update.iter().map(|(c, _)| *c).collect();
        let mut b = self.insert_sql(create, Some((conflict.columns, update)))?;
        if M::META.audited {
            b.sql.push_str(", (t.xmax = 0) AS ");
            b.sql.push_str(audit::INSERTED);
        }
        let what = Audited::Upsert {
            created: &created,
            updated: &updated,
        };
        let b = self.finish_write(b, what, false)?;
        let rows = self.fetch(b).await?;
        rows.first()
            .map(M::from_row)
            .unwrap_or_else(|| Err(Error::Connection("upsert returned no row".into())))
    }
}
