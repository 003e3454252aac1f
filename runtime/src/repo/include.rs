//! Includes: related rows loaded for a slice of parents, one statement per relation level, each restricted
//! to the scope's tenant like every other statement (to-one, to-many, many-to-many through a join table,
//! nested, and tuples of them).

use super::*;

/// Loads related rows for a slice of parents: one statement per relation level.
pub trait Include<P: Model>: Send + Sync {
    /// What each parent gets.
    type Out: Send;
    /// The related rows of each of `parents`, in their order: one statement per level.
    fn load<E: Executor>(
        &self,
        exec: &E,
        parents: &[P],
    ) -> impl std::future::Future<Output = Result<Vec<Self::Out>, Error>> + Send;
}

/// A to-one relation (`company` of a deal): each parent gets `Option<C>`.
pub struct RelOne<P, C> {
    /// The relation's field.
    pub field: &'static str,
    /// The column of the parent table the relation joins on.
    pub parent_column: &'static str,
    /// The column of the child table it matches.
    pub child_column: &'static str,
    _p: PhantomData<fn() -> (P, C)>,
}

/// A to-many relation (`documents` of a deal): each parent gets `Vec<C>`.
pub struct RelMany<P, C> {
    /// The relation's field.
    pub field: &'static str,
    /// The column of the parent table the relation joins on.
    pub parent_column: &'static str,
    /// The column of the child table it matches.
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
    /// The relation `field` (generated code makes these).
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

    /// Orders parents by a column of their related row (Prisma's `orderBy: { company: { name: 'asc' } }`):
    /// `Deal::COMPANY.order_by(Company::NAME.asc())`. Parents without one have NULL there (use
    /// `.nulls_last()` on the result to put them last).
    pub fn order_by(self, by: crate::query::Order<C>) -> crate::query::Order<P>
    where
        C: Model,
        P: Model,
    {
        let meta = &C::META;
        let mut conds = vec![format!("r.{} = t.{}", q(self.child_column), q(self.parent_column))];
        if let (Some(ck), Some(pk)) = (meta.tenant_key(), P::META.tenant_key()) {
            conds.push(format!("r.{} = t.{}", q(ck), q(pk)));
        }
        if let Some(d) = meta.soft_delete {
            conds.push(format!("r.{} IS NULL", q(d)));
        }
        let mut order = crate::query::Order::<P>::by(by.column, by.desc);
        order.nulls_first = by.nulls_first;
        order.related = Some(format!(
            "(SELECT r.{} FROM {} r WHERE {})",
            q(by.column),
            meta.sql_table(),
            conds.join(" AND ")
        ));
        order
    }

    /// Parents without a related row matching `filter` (Prisma's `isNot`; parents without a related row
    /// at all included).
    pub fn is_not(self, filter: Filter<C>) -> Filter<P>
    where
        C: Model,
    {
        exists::<P, C>(self.parent_column, self.child_column, filter, true)
    }
}

impl<P, C> RelMany<P, C> {
    /// The relation `field` (generated code makes these).
    pub const fn new(field: &'static str, parent_column: &'static str, child_column: &'static str) -> Self {
        RelMany {
            field,
            parent_column,
            child_column,
            _p: PhantomData,
        }
    }

    /// Also loads `inner` for each related row.
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
        meta: &C::META,
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
pub(super) fn key_array(keys: &[Key]) -> Result<Param, Error> {
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
        meta.sql_table()
    ));
    visible_condition(meta, exec.tenant(), false, &mut b, "t")?;
    let p = b.param(key_array(&keys)?);
    b.sql.push_str(&format!("t.{} = ANY({p})", q(column)));
    order_by_primary_key(meta, &mut b);
    exec.run_map(b.sql, b.params, |r| C::from_row(&r)).await
}

pub(super) fn distinct_keys<P: Model>(parents: &[P], column: &str) -> Vec<Key> {
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
    /// The relation's field.
    pub field: &'static str,
    /// Prisma's join table, `_<relation>`.
    pub join_table: &'static str,
    /// The join table's PostgreSQL schema (multi-schema: the schema of the model whose name sorts first).
    pub join_schema: Option<&'static str>,
    /// The join table's column holding this side's key (`A` or `B`), and the other side's.
    pub this_side: &'static str,
    /// The join table's column for the other side.
    pub other_side: &'static str,
    /// The column of this model the join table refers to.
    pub parent_column: &'static str,
    /// The column of the target model the join table refers to.
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
    /// The relation `field` through `join_table` in `join_schema` (generated code makes these).
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        field: &'static str,
        join_table: &'static str,
        join_schema: Option<&'static str>,
        this_side: &'static str,
        other_side: &'static str,
        parent_column: &'static str,
        child_column: &'static str,
    ) -> Self {
        RelThrough {
            field,
            join_table,
            join_schema,
            this_side,
            other_side,
            parent_column,
            child_column,
            _p: PhantomData,
        }
    }

    /// Also loads `inner` for each related row.
    pub fn with<I>(self, inner: I) -> Nested<Self, I> {
        Nested { outer: self, inner }
    }

    /// Parents linked to at least one row matching `filter` (Prisma's `some`).
    pub fn some(self, filter: Filter<C>) -> Filter<P>
    where
        P: Model,
        C: Model,
    {
        self.exists(filter, false)
    }

    /// Parents linked to no row matching `filter` (Prisma's `none`).
    pub fn none(self, filter: Filter<C>) -> Filter<P>
    where
        P: Model,
        C: Model,
    {
        self.exists(filter, true)
    }

    /// Parents whose linked rows all match `filter` (Prisma's `every`; true without links).
    pub fn every(self, filter: Filter<C>) -> Filter<P>
    where
        P: Model,
        C: Model,
    {
        self.exists(filter.not(), true)
    }

    fn exists(self, filter: Filter<C>, negate: bool) -> Filter<P>
    where
        P: Model,
        C: Model,
    {
        let join_key = self
            .tenant_column()
            .map(|k| (k, P::META.tenant_key(), C::META.tenant_key()));
        Filter::from_node(crate::query::Node::ExistsThrough {
            meta: &C::META,
            join_table: self.join_table_sql(),
            this_side: self.this_side,
            other_side: self.other_side,
            parent_column: self.parent_column,
            child_column: self.child_column,
            join_key,
            soft_delete: C::META.soft_delete,
            inner: Box::new(filter.node),
            negate,
        })
    }

    /// The join table's tenant key column, when it links tenant-owned models: the tenant key of the `A`
    /// side's model, else of the `B` side's.
    pub(super) fn tenant_column(&self) -> Option<&'static str>
    where
        P: Model,
        C: Model,
    {
        let (a, b) = if self.this_side == "A" {
            (&P::META, &C::META)
        } else {
            (&C::META, &P::META)
        };
        a.tenant_key().or(b.tenant_key())
    }

    /// The join table's name in SQL, schema-qualified when it has one.
    pub(super) fn join_table_sql(&self) -> String {
        match self.join_schema {
            Some(s) => format!("{}.{}", q(s), q(self.join_table)),
            None => q(self.join_table),
        }
    }

    /// ` FROM <join table> j JOIN <target> t ON ... WHERE `, with the tenant conditions of a join table
    /// between tenant-owned models, ready for the target's visibility condition.
    pub(super) fn join<E: Executor>(&self, exec: &E, b: &mut SqlBuilder) -> Result<(), Error>
    where
        P: Model,
        C: Model,
    {
        let meta = &C::META;
        b.sql.push_str(&format!(
            " FROM {} j JOIN {} t ON t.{} = j.{}",
            self.join_table_sql(),
            meta.sql_table(),
            q(self.child_column),
            q(self.other_side)
        ));
        // A join table between tenant-owned models carries the tenant key (A's, else B's): the link and
        // the row it leads to are both restricted to the scope's tenant, and joined on it.
        if let Some(key) = self.tenant_column() {
            if let Some(child_key) = meta.tenant_key() {
                b.sql.push_str(&format!(" AND t.{} = j.{}", q(child_key), q(key)));
            }
            b.sql.push_str(" WHERE ");
            let tenant = exec.tenant().ok_or_else(|| no_tenant(meta))?.to_string();
            b.sql.push_str(&format!("j.{} = ", q(key)));
            b.push_param(Box::new(tenant));
            b.sql.push_str(" AND ");
        } else {
            b.sql.push_str(" WHERE ");
        }
        Ok(())
    }
}

/// Reads a key of the same kind as `like` from column `index`.
pub(super) fn read_key(row: &Row, index: usize, like: &Key) -> Option<Key> {
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
        let mut b = SqlBuilder::new(format!("SELECT {}, j.{}", select_list(meta, "t"), q(self.this_side)));
        self.join(exec, &mut b)?;
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
