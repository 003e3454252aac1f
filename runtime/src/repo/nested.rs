//! Nested writes: a parent created with its children (Prisma's nested `create`), and relations connected,
//! disconnected or set (to-one through the foreign key, many-to-many through the join table). Every
//! statement carries the tenant like any other write; a link to another tenant's row fails its composite
//! foreign key (and the join table's policy), so it cannot be made by any path.
//!
//! A nested create is two statements (the parent, then every child in one bulk insert): it runs in a
//! transaction, so it is a method of transaction repositories, and `TenantScope::create_with` opens one.

use super::include::key_array;
use super::*;
use crate::exec::TxExec;
use crate::meta::AsKey;

/// A key value, refusing NULL.
fn key_of<T: AsKey>(value: &T) -> Result<Key, Error> {
    value
        .as_key()
        .ok_or_else(|| Error::Config("a NULL key cannot be linked".into()))
}

/// What a nested write does once its parent exists (Prisma's nested `create` and `connect`): made by
/// [`RelMany::create`], [`RelMany::connect`] and [`RelThrough::connect`]; a tuple of them does each in
/// turn. Run by `create_with`, in the parent's transaction; access `A` must write the child model.
pub trait NestedWrite<P: Model, A>: Send {
    /// What it returns: the children created or connected, or the number of links made.
    type Out: Send;
    #[doc(hidden)]
    fn apply<'t, 'c>(
        self,
        exec: &TxExec<'t, 'c>,
        parent: &P,
    ) -> impl std::future::Future<Output = Result<Self::Out, Error>> + Send;
}

/// Children to create with their parent, through a to-many relation.
pub struct NestedCreate<P, C: Model> {
    pub(crate) rel: RelMany<P, C>,
    pub(crate) children: Vec<C::Create>,
}

impl<P, C: Model> Clone for NestedCreate<P, C>
where
    C::Create: Clone,
{
    fn clone(&self) -> Self {
        NestedCreate {
            rel: self.rel,
            children: self.children.clone(),
        }
    }
}

impl<P, C: Model> std::fmt::Debug for NestedCreate<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NestedCreate({}: {} children)", self.rel.field, self.children.len())
    }
}

/// Existing rows to attach to a new parent through a to-many relation (their foreign key set to it).
pub struct NestedConnect<P, C, K> {
    rel: RelMany<P, C>,
    ids: Vec<K>,
}

/// Existing rows to link to a new parent through a many-to-many relation.
pub struct NestedLink<P, C, K> {
    rel: RelThrough<P, C>,
    ids: Vec<K>,
}

impl<P, C, K: Clone> Clone for NestedConnect<P, C, K> {
    fn clone(&self) -> Self {
        NestedConnect {
            rel: self.rel,
            ids: self.ids.clone(),
        }
    }
}

impl<P, C, K: Clone> Clone for NestedLink<P, C, K> {
    fn clone(&self) -> Self {
        NestedLink {
            rel: self.rel,
            ids: self.ids.clone(),
        }
    }
}

impl<P, C: Model> RelMany<P, C> {
    /// These children, created with the parent (`scope.create_with(DealCreate::new(..),
    /// Deal::DOCUMENTS.create(vec![...]))`).
    pub fn create(self, children: Vec<C::Create>) -> NestedCreate<P, C> {
        NestedCreate { rel: self, children }
    }

    /// The existing children with these primary keys, attached to the new parent (Prisma's nested
    /// `connect`): one `UPDATE` in the tenant; a key not found there (another tenant's) is
    /// [`Error::NotFound`] and the whole create is rolled back.
    pub fn connect<K: ToSql + AsKey + Sync + Send + 'static>(self, ids: Vec<K>) -> NestedConnect<P, C, K> {
        NestedConnect { rel: self, ids }
    }
}

impl<P, C: Model> RelThrough<P, C> {
    /// The existing rows with these keys, linked to the new parent through the join table (Prisma's
    /// nested `connect` on a many-to-many relation); another tenant's row fails the join table's
    /// composite foreign key, rolling the create back.
    pub fn connect<K: AsKey + Send + Sync>(self, ids: Vec<K>) -> NestedLink<P, C, K> {
        NestedLink { rel: self, ids }
    }
}

/// The parent's value of `column`, which its children point at.
fn parent_key<P: Model>(parent: &P, column: &str, field: &str) -> Result<Key, Error> {
    parent.key(column).ok_or_else(|| {
        Error::Config(format!(
            "{}.{column} has no value to give the children of `{field}`",
            P::META.name
        ))
    })
}

impl<P: Model, C: Model, A: crate::scope::CanWrite<C> + Send> NestedWrite<P, A> for NestedCreate<P, C> {
    type Out = Vec<C>;

    async fn apply<'t, 'c>(self, exec: &TxExec<'t, 'c>, parent: &P) -> Result<Vec<C>, Error> {
        let key = parent_key(parent, self.rel.parent_column, self.rel.field)?;
        let child_column = self.rel.child_column;
        let rows: Vec<Vec<(&'static str, Param)>> = self
            .children
            .into_iter()
            .map(|c| {
                let mut values = c.into_values();
                values.retain(|(col, _)| *col != child_column);
                values.push((child_column, key_param(&key)));
                values
            })
            .collect();
        Ok(Repo::<C, A, &TxExec<'t, 'c>>::new(exec)
            .bulk_values(rows, super::bulk::Bulk::returning())
            .await?
            .1)
    }
}

impl<P, C, A, K> NestedWrite<P, A> for NestedConnect<P, C, K>
where
    P: Model,
    C: Model,
    A: crate::scope::CanWrite<C> + Send,
    K: ToSql + AsKey + Sync + Send + 'static,
{
    type Out = Vec<C>;

    async fn apply<'t, 'c>(self, exec: &TxExec<'t, 'c>, parent: &P) -> Result<Vec<C>, Error> {
        let key = parent_key(parent, self.rel.parent_column, self.rel.field)?;
        let ids: Vec<Key> = self.ids.iter().map(key_of).collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let id = id_column(&C::META)?;
        let filter = Filter::from_node(crate::query::Node::In {
            column: id,
            values: crate::query::ParamBox(key_array(&ids)?),
            negate: false,
        });
        let repo = Repo::<C, A, &TxExec<'t, 'c>>::new(exec);
        let rows = repo
            .update_rows(filter, vec![(self.rel.child_column, None, key_param(&key))], false)
            .await?;
        if rows.len() != ids.len() {
            return Err(Error::NotFound {
                what: format!(
                    "{} of {} {} to connect through `{}`",
                    ids.len() - rows.len(),
                    ids.len(),
                    C::META.name,
                    self.rel.field
                ),
            });
        }
        rows.iter().map(C::from_row).collect()
    }
}

impl<P, C, A, K> NestedWrite<P, A> for NestedLink<P, C, K>
where
    P: Model,
    C: Model,
    A: crate::scope::CanWrite<P> + Send,
    K: AsKey + Send + Sync,
{
    type Out = u64;

    async fn apply<'t, 'c>(self, exec: &TxExec<'t, 'c>, parent: &P) -> Result<u64, Error> {
        let key = parent_key(parent, self.rel.parent_column, self.rel.field)?;
        Repo::<P, A, &TxExec<'t, 'c>>::new(exec)
            .link(self.rel, key, self.ids)
            .await
    }
}

impl<P: Model, A: Send, X: NestedWrite<P, A>, Y: NestedWrite<P, A>> NestedWrite<P, A> for (X, Y) {
    type Out = (X::Out, Y::Out);

    async fn apply<'t, 'c>(self, exec: &TxExec<'t, 'c>, parent: &P) -> Result<Self::Out, Error> {
        let x = self.0.apply(exec, parent).await?;
        let y = self.1.apply(exec, parent).await?;
        Ok((x, y))
    }
}

impl<P: Model, A: Send, X: NestedWrite<P, A>, Y: NestedWrite<P, A>, Z: NestedWrite<P, A>> NestedWrite<P, A>
    for (X, Y, Z)
{
    type Out = (X::Out, Y::Out, Z::Out);

    async fn apply<'t, 'c>(self, exec: &TxExec<'t, 'c>, parent: &P) -> Result<Self::Out, Error> {
        let x = self.0.apply(exec, parent).await?;
        let y = self.1.apply(exec, parent).await?;
        let z = self.2.apply(exec, parent).await?;
        Ok((x, y, z))
    }
}

/// A key as a bound parameter.
pub(crate) fn key_param(key: &Key) -> Param {
    match key {
        Key::Str(v) => Box::new(v.clone()),
        Key::I16(v) => Box::new(*v),
        Key::I32(v) => Box::new(*v),
        Key::I64(v) => Box::new(*v),
        Key::Uuid(v) => Box::new(*v),
    }
}

impl<'a, 't, 'c, M: Model, A: crate::scope::CanWrite<M>> Repo<'a, M, A, TxExec<'t, 'c>> {
    /// Creates the parent, then does each nested write (children created in one bulk insert, existing
    /// rows connected or linked), in this transaction. Returns the parent and what the writes returned.
    pub async fn create_with<N: NestedWrite<M, A>>(&self, input: M::Create, nested: N) -> Result<(M, N::Out), Error> {
        let parent = self.create(input).await?;
        let out = nested.apply(&self.exec, &parent).await?;
        Ok((parent, out))
    }
}

impl<'a, M: Model, A: crate::scope::CanWrite<M>, E: Executor> Repo<'a, M, A, E> {
    /// Points the row `id`'s to-one relation at `target` (its foreign key set; another tenant's `target`
    /// fails the composite foreign key). Returns the row.
    pub async fn connect<C, T, K>(&self, id: T, rel: RelOne<M, C>, target: K) -> Result<M, Error>
    where
        T: ToSql + Sync + Send + 'static,
        K: ToSql + Sync + Send + 'static,
    {
        self.assign_fk(id, rel, Box::new(target)).await
    }

    /// Clears the row `id`'s optional to-one relation (its foreign key set to NULL). Returns the row.
    pub async fn disconnect<C, T>(&self, id: T, rel: RelOne<M, C>) -> Result<M, Error>
    where
        T: ToSql + Sync + Send + 'static,
    {
        let column = M::META.columns.iter().find(|c| c.column == rel.parent_column);
        if column.is_some_and(|c| !c.nullable) {
            return Err(Error::Config(format!(
                "{}.{} is required: it can be connected elsewhere, not disconnected",
                M::META.name,
                rel.field
            )));
        }
        self.assign_fk(id, rel, Box::new(None::<String>)).await
    }

    async fn assign_fk<C, T>(&self, id: T, rel: RelOne<M, C>, value: Param) -> Result<M, Error>
    where
        T: ToSql + Sync + Send + 'static,
    {
        if M::META.primary_key.contains(&rel.parent_column) || Some(rel.parent_column) == M::META.tenant_key() {
            return Err(Error::Config(format!(
                "`{}` of {} is not this model's own foreign key (it is the other side of the relation)",
                rel.field,
                M::META.name
            )));
        }
        let rows = self
            .update_rows(id_filter(id)?, vec![(rel.parent_column, None, value)], false)
            .await?;
        let row = rows.first().ok_or_else(|| Error::NotFound {
            what: format!("{} to connect", M::META.name),
        })?;
        M::from_row(row)
    }

    /// Links the row with key `id` to `targets` through the many-to-many relation `rel` (existing links
    /// are kept). Returns how many links were added.
    pub async fn link<C: Model, T: AsKey, K: AsKey>(
        &self,
        rel: RelThrough<M, C>,
        id: T,
        targets: Vec<K>,
    ) -> Result<u64, Error> {
        let targets: Vec<Key> = targets.iter().map(key_of).collect::<Result<_, _>>()?;
        if targets.is_empty() {
            return Ok(0);
        }
        let (key_col, tenant) = self.join_tenant(&rel)?;
        let mut b = SqlBuilder::default();
        let this = b.param(key_param(&key_of(&id)?));
        let others = b.param(key_array(&targets)?);
        let (cols, vals) = match (&key_col, tenant) {
            (Some(k), Some(t)) => {
                let p = b.param(Box::new(t));
                (
                    format!("{}, {}, {}", q(k), q(rel.this_side), q(rel.other_side)),
                    format!("{p}, {this}, o"),
                )
            }
            _ => (
                format!("{}, {}", q(rel.this_side), q(rel.other_side)),
                format!("{this}, o"),
            ),
        };
        let element = key_sql_type(&targets[0]);
        b.sql = format!(
            "INSERT INTO {} ({cols}) SELECT {vals} FROM unnest({others}::{element}[]) AS o ON CONFLICT DO NOTHING",
            rel.join_table_sql()
        );
        self.check_write_role()?;
        let rows = self
            .exec
            .run(
                format!("WITH l AS ({} RETURNING 1) SELECT count(*) FROM l", b.sql),
                b.params,
            )
            .await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    /// Removes the links of the row with key `id` to `targets` (all of its links with `None`). Returns how
    /// many were removed.
    pub async fn unlink<C: Model, T: AsKey, K: AsKey>(
        &self,
        rel: RelThrough<M, C>,
        id: T,
        targets: Option<Vec<K>>,
    ) -> Result<u64, Error> {
        let (key_col, tenant) = self.join_tenant(&rel)?;
        let mut b = SqlBuilder::new(format!("WITH l AS (DELETE FROM {} j WHERE ", rel.join_table_sql()));
        if let (Some(k), Some(t)) = (&key_col, tenant) {
            b.sql.push_str(&format!("j.{} = ", q(k)));
            b.push_param(Box::new(t));
            b.sql.push_str(" AND ");
        }
        b.sql.push_str(&format!("j.{} = ", q(rel.this_side)));
        b.push_param(key_param(&key_of(&id)?));
        if let Some(targets) = targets {
            let targets: Vec<Key> = targets.iter().map(key_of).collect::<Result<_, _>>()?;
            if targets.is_empty() {
                return Ok(0);
            }
            let p = b.param(key_array(&targets)?);
            b.sql.push_str(&format!(" AND j.{} = ANY({p})", q(rel.other_side)));
        }
        b.sql.push_str(" RETURNING 1) SELECT count(*) FROM l");
        self.check_write_role()?;
        let rows = self.exec.run(b.sql, b.params).await?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    /// Makes `targets` the row `id`'s links through `rel`, exactly (Prisma's `set`): links to others are
    /// removed and missing ones added, in one statement. Returns `(removed, added)`.
    pub async fn set_links<C: Model, T: AsKey, K: AsKey>(
        &self,
        rel: RelThrough<M, C>,
        id: T,
        targets: Vec<K>,
    ) -> Result<(u64, u64), Error> {
        let targets: Vec<Key> = targets.iter().map(key_of).collect::<Result<_, _>>()?;
        let this_key = key_of(&id)?;
        let (key_col, tenant) = self.join_tenant(&rel)?;
        let mut b = SqlBuilder::default();
        let this = b.param(key_param(&this_key));
        let element = key_sql_type(targets.first().unwrap_or(&this_key));
        let others = b.param(key_array(&targets)?);
        let (tenant_cond, cols, vals) = match (&key_col, tenant) {
            (Some(k), Some(t)) => {
                let p = b.param(Box::new(t));
                (
                    format!("j.{} = {p} AND ", q(k)),
                    format!("{}, {}, {}", q(k), q(rel.this_side), q(rel.other_side)),
                    format!("{p}, {this}, o"),
                )
            }
            _ => (
                String::new(),
                format!("{}, {}", q(rel.this_side), q(rel.other_side)),
                format!("{this}, o"),
            ),
        };
        let table = rel.join_table_sql();
        b.sql = format!(
            "WITH d AS (DELETE FROM {table} j WHERE {tenant_cond}j.{this_side} = {this} AND NOT (j.{other} = ANY({others}::{element}[])) RETURNING 1), \
             i AS (INSERT INTO {table} ({cols}) SELECT {vals} FROM unnest({others}::{element}[]) AS o ON CONFLICT DO NOTHING RETURNING 1) \
             SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM i)",
            this_side = q(rel.this_side),
            other = q(rel.other_side),
        );
        self.check_write_role()?;
        let rows = self.exec.run(b.sql, b.params).await?;
        Ok(rows
            .first()
            .map_or((0, 0), |r| (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64)))
    }

    /// The join table's tenant key column and this scope's tenant, when the join table has one.
    fn join_tenant<C: Model>(&self, rel: &RelThrough<M, C>) -> Result<(Option<&'static str>, Option<String>), Error> {
        match rel.tenant_column() {
            Some(k) => {
                let tenant = self.exec.tenant().ok_or_else(|| no_tenant(&M::META))?.to_string();
                Ok((Some(k), Some(tenant)))
            }
            None => Ok((None, None)),
        }
    }
}

/// The SQL type of arrays of keys like `key`.
fn key_sql_type(key: &Key) -> &'static str {
    match key {
        Key::Str(_) => "text",
        Key::I16(_) => "smallint",
        Key::I32(_) => "integer",
        Key::I64(_) => "bigint",
        Key::Uuid(_) => "uuid",
    }
}
