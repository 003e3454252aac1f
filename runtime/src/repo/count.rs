//! Relation counts (Prisma's `_count`): how many related rows each parent has, as an include: one grouped
//! statement for all the parents, restricted to the scope's tenant and skipping soft-deleted rows like
//! every other read. `Deal::DOCUMENTS.count()`, `Deal::DOCUMENTS.count_where(filter)`,
//! `Task::LABELS.count()` (many-to-many, through the join table); combine with other includes in a tuple.

use super::include::{distinct_keys, key_array, read_key};
use super::*;

/// How many related rows each parent has (an [`Include`] whose output is an `i64` per parent).
pub struct RelCount<P, C, R> {
    rel: R,
    /// Taken by the one statement that uses it (its values are bound, not copied).
    filter: std::sync::Mutex<Option<Filter<C>>>,
    filtered: bool,
    _p: PhantomData<fn() -> P>,
}

impl<P, C, R: std::fmt::Debug> std::fmt::Debug for RelCount<P, C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RelCount({:?})", self.rel)
    }
}

impl<P, C, R> RelCount<P, C, R> {
    fn new(rel: R, filter: Option<Filter<C>>) -> Self {
        RelCount {
            rel,
            filtered: filter.is_some(),
            filter: std::sync::Mutex::new(filter),
            _p: PhantomData,
        }
    }
}

impl<P, C> RelMany<P, C> {
    /// How many related rows each parent has (Prisma's `_count`).
    pub fn count(self) -> RelCount<P, C, Self> {
        RelCount::new(self, None)
    }

    /// How many related rows matching `filter` each parent has.
    pub fn count_where(self, filter: Filter<C>) -> RelCount<P, C, Self> {
        RelCount::new(self, Some(filter))
    }
}

impl<P, C> RelThrough<P, C> {
    /// How many linked rows each parent has (Prisma's `_count`).
    pub fn count(self) -> RelCount<P, C, Self> {
        RelCount::new(self, None)
    }

    /// How many linked rows matching `filter` each parent has.
    pub fn count_where(self, filter: Filter<C>) -> RelCount<P, C, Self> {
        RelCount::new(self, Some(filter))
    }
}

/// What an include holds for the one statement that uses it (its values are bound, not copied): a second
/// use is an error, never a silent change of meaning.
fn take_once<T>(slot: &std::sync::Mutex<Option<T>>, what: &str) -> Result<T, Error> {
    slot.lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or_else(|| Error::Config(format!("{what} is used by one query; make a new one for the next")))
}

/// Each parent's count from `(key, count)` rows (0 for a parent without a row).
async fn counts<P: Model, E: Executor>(
    exec: &E,
    b: SqlBuilder,
    parents: &[P],
    parent_column: &str,
    like: &Key,
) -> Result<Vec<i64>, Error> {
    let rows = exec
        .run_map(b.sql, b.params, |row| {
            Ok((read_key(&row, 0, like), row.get::<_, i64>(1)))
        })
        .await?;
    let by_key: HashMap<Key, i64> = rows.into_iter().filter_map(|(k, n)| Some((k?, n))).collect();
    Ok(parents
        .iter()
        .map(|p| p.key(parent_column).and_then(|k| by_key.get(&k).copied()).unwrap_or(0))
        .collect())
}

impl<P, C, R> RelCount<P, C, R> {
    /// Writes the count's filter, if it has one: once (a filtered count loads once per query).
    fn push_filter(&self, b: &mut SqlBuilder) -> Result<(), Error> {
        if !self.filtered {
            return Ok(());
        }
        let f = take_once(&self.filter, "a filtered relation count")?;
        b.sql.push('(');
        b.node(f.node, "t");
        b.sql.push_str(") AND ");
        Ok(())
    }
}

impl<P: Model, C: Model> Include<P> for RelCount<P, C, RelMany<P, C>> {
    type Out = i64;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<i64>, Error> {
        let keys = distinct_keys(parents, self.rel.parent_column);
        let Some(first) = keys.first().cloned() else {
            return Ok(parents.iter().map(|_| 0).collect());
        };
        let meta = &C::META;
        let child = q(self.rel.child_column);
        let mut b = SqlBuilder::new(format!("SELECT t.{child}, count(*) FROM {} t WHERE ", meta.sql_table()));
        visible_condition(meta, exec.tenant(), false, &mut b, "t")?;
        self.push_filter(&mut b)?;
        let p = b.param(key_array(&keys)?);
        b.sql.push_str(&format!("t.{child} = ANY({p}) GROUP BY t.{child}"));
        counts(exec, b, parents, self.rel.parent_column, &first).await
    }
}

impl<P: Model, C: Model> Include<P> for RelCount<P, C, RelThrough<P, C>> {
    type Out = i64;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<i64>, Error> {
        let keys = distinct_keys(parents, self.rel.parent_column);
        let Some(first) = keys.first().cloned() else {
            return Ok(parents.iter().map(|_| 0).collect());
        };
        let side = q(self.rel.this_side);
        let mut b = SqlBuilder::new(format!("SELECT j.{side}, count(*)"));
        self.rel.join(exec, &mut b)?;
        visible_condition(&C::META, exec.tenant(), false, &mut b, "t")?;
        self.push_filter(&mut b)?;
        let p = b.param(key_array(&keys)?);
        b.sql.push_str(&format!("j.{side} = ANY({p}) GROUP BY j.{side}"));
        counts(exec, b, parents, self.rel.parent_column, &first).await
    }
}

/// A to-many include with its own filter, order, skip and take (Prisma's `include: { documents: { where,
/// orderBy, skip, take } }`): `Deal::DOCUMENTS.query(Query::new().filter(..).order_by(..).take(3))`.
/// Skip and take apply per parent (a window over each parent's rows), in one statement for all parents.
pub struct RelManyQuery<P, C> {
    rel: RelMany<P, C>,
    /// Taken by the one statement that uses it.
    query: std::sync::Mutex<Option<Query<C>>>,
}

impl<P, C> std::fmt::Debug for RelManyQuery<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RelManyQuery({})", self.rel.field)
    }
}

impl<P, C> RelMany<P, C> {
    /// This relation's rows that `query` selects, per parent.
    pub fn query(self, query: Query<C>) -> RelManyQuery<P, C> {
        RelManyQuery {
            rel: self,
            query: std::sync::Mutex::new(Some(query)),
        }
    }
}

impl<P: Model, C: Model> Include<P> for RelManyQuery<P, C> {
    type Out = Vec<C>;
    async fn load<E: Executor>(&self, exec: &E, parents: &[P]) -> Result<Vec<Vec<C>>, Error> {
        let query = take_once(&self.query, "an include with a query")?;
        let keys = distinct_keys(parents, self.rel.parent_column);
        if keys.is_empty() {
            return Ok(parents.iter().map(|_| Vec::new()).collect());
        }
        let meta = &C::META;
        let child = q(self.rel.child_column);
        let mut order: Vec<String> = query
            .order
            .iter()
            .map(|o| {
                let mut s = String::new();
                o.push_sql(&mut s);
                s
            })
            .collect();
        order.extend(meta.primary_key.iter().map(|c| format!("t.{}", q(c))));
        let mut b = SqlBuilder::new(format!(
            "SELECT {} FROM (SELECT {}, row_number() OVER (PARTITION BY t.{child} ORDER BY {}) AS trato_n FROM {} t WHERE ",
            select_list(meta, "s"),
            select_list(meta, "t"),
            order.join(", "),
            meta.sql_table()
        ));
        visible_condition(meta, exec.tenant(), false, &mut b, "t")?;
        b.sql.push('(');
        b.node(query.filter.node, "t");
        b.sql.push_str(") AND ");
        let p = b.param(key_array(&keys)?);
        b.sql.push_str(&format!("t.{child} = ANY({p})) s"));
        let skip = query.skip.unwrap_or(0);
        b.sql.push_str(" WHERE s.trato_n > ");
        b.push_param(Box::new(skip));
        if let Some(take) = query.take {
            b.sql.push_str(" AND s.trato_n <= ");
            b.push_param(Box::new(skip + take));
        }
        b.sql.push_str(&format!(" ORDER BY s.{child}, s.trato_n"));
        let found: Vec<C> = exec.run_map(b.sql, b.params, |r| C::from_row(&r)).await?;
        let mut by_key: HashMap<Key, Vec<C>> = HashMap::new();
        for c in found {
            if let Some(k) = c.key(self.rel.child_column) {
                by_key.entry(k).or_default().push(c);
            }
        }
        Ok(parents
            .iter()
            .map(|p| {
                p.key(self.rel.parent_column)
                    .and_then(|k| by_key.remove(&k))
                    .unwrap_or_default()
            })
            .collect())
    }
}
