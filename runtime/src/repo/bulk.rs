//! Bulk inserts: `create_many` as one `INSERT ... SELECT FROM UNNEST($1::t[], ...)` per 50,000 rows (one
//! array parameter per column), or a multi-row `VALUES` per 65,000 parameters for shapes arrays cannot
//! carry. A handful of round trips, not one per row; audited models record one row per inserted row.

use super::*;

/// How a bulk insert treats conflicts and what it returns.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Bulk {
    /// `ON CONFLICT DO NOTHING`: rows that would violate a unique key are skipped.
    skip_duplicates: bool,
    /// Return the inserted rows, not just their number.
    rows: bool,
}

impl Bulk {
    /// Inserted rows returned, duplicates an error.
    pub(super) fn returning() -> Bulk {
        Bulk {
            skip_duplicates: false,
            rows: true,
        }
    }
}

impl<M: Model, A: crate::scope::CanWrite<M>, E: Executor> Repo<'_, M, A, E> {
    /// Inserts many rows with one multi-row statement per shape (which optional fields are set) and per
    /// 65,000 parameters: a handful of round trips, not one per row. Returns the number inserted.
    pub async fn create_many(&self, inputs: Vec<M::Create>) -> Result<u64, Error> {
        Ok(self.bulk(inputs, Bulk::default()).await?.0)
    }

    /// [`Repo::create_many`], skipping rows that would violate a unique key (Prisma's `skipDuplicates`;
    /// `ON CONFLICT DO NOTHING`): returns how many were inserted.
    pub async fn create_many_skip_duplicates(&self, inputs: Vec<M::Create>) -> Result<u64, Error> {
        let bulk = Bulk {
            skip_duplicates: true,
            rows: false,
        };
        Ok(self.bulk(inputs, bulk).await?.0)
    }

    /// [`Repo::create_many`], returning the inserted rows (Prisma's `createManyAndReturn`), in the order of
    /// the statements that inserted them (inputs grouped by shape).
    pub async fn create_many_and_return(&self, inputs: Vec<M::Create>) -> Result<Vec<M>, Error> {
        let bulk = Bulk {
            skip_duplicates: false,
            rows: true,
        };
        Ok(self.bulk(inputs, bulk).await?.1)
    }

    async fn bulk(&self, inputs: Vec<M::Create>, bulk: Bulk) -> Result<(u64, Vec<M>), Error> {
        self.bulk_values(inputs.into_iter().map(CreateInput::into_values).collect(), bulk)
            .await
    }

    /// Bulk insert of rows given as their column values.
    pub(super) async fn bulk_values(
        &self,
        inputs: Vec<Vec<(&'static str, Param)>>,
        bulk: Bulk,
    ) -> Result<(u64, Vec<M>), Error> {
        let meta = &M::META;
        let mut groups: Vec<(Vec<&'static str>, Vec<Vec<Param>>)> = Vec::new();
        for values in inputs {
            let cols: Vec<&'static str> = values.iter().map(|(c, _)| *c).collect();
            let row: Vec<Param> = values.into_iter().map(|(_, v)| v).collect();
            match groups.iter_mut().find(|(c, _)| *c == cols) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((cols, vec![row])),
            }
        }
        let mut total = (0u64, Vec::new());
        for (cols, rows) in groups {
            if let Some(types) = array_types(meta, &cols) {
                let (n, mut made) = self.insert_unnest(&cols, &types, rows, bulk).await?;
                total.0 += n;
                total.1.append(&mut made);
                continue;
            }
            let per_chunk = chunk_rows(cols.len() + 1);
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut b = SqlBuilder::default();
                let mut names: Vec<String> = Vec::new();
                let tenant_param = match injected_key(meta) {
                    Some(key) => {
                        names.push(q(key));
                        Some(b.param(Box::new(self.exec.tenant().ok_or_else(|| no_tenant(meta))?.to_string())))
                    }
                    None => None,
                };
                names.extend(cols.iter().map(|c| q(c)));
                let stamps: Vec<&str> = meta.columns.iter().filter(|c| c.updated_at).map(|c| c.column).collect();
                names.extend(stamps.iter().map(|c| q(c)));
                let mut tuples: Vec<String> = Vec::new();
                for row in rows.by_ref().take(per_chunk) {
                    let mut vals: Vec<String> = tenant_param.iter().cloned().collect();
                    for v in row {
                        vals.push(b.param(v));
                    }
                    vals.extend(stamps.iter().map(|_| "now()".to_string()));
                    tuples.push(format!("({})", vals.join(", ")));
                }
                b.sql = format!(
                    "INSERT INTO {} ({}) VALUES {}{} RETURNING {}",
                    meta.sql_table(),
                    names.join(", "),
                    tuples.join(", "),
                    on_conflict(bulk),
                    returning(meta)
                );
                let (n, mut made) = self.insert_counted(b, &cols, bulk).await?;
                total.0 += n;
                total.1.append(&mut made);
            }
        }
        Ok(total)
    }

    /// Runs one bulk INSERT (with its audit rows) and returns how many rows it wrote, and the rows when
    /// asked.
    async fn insert_counted(&self, b: SqlBuilder, cols: &[&str], bulk: Bulk) -> Result<(u64, Vec<M>), Error> {
        let b = self.finish_write(b, Audited::One(AuditAction::Create, cols), !bulk.rows)?;
        let rows = self.fetch(b).await?;
        if bulk.rows {
            let made = rows.iter().map(M::from_row).collect::<Result<Vec<M>, Error>>()?;
            return Ok((made.len() as u64, made));
        }
        Ok((rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64, Vec::new()))
    }

    /// Bulk insert of rows of one shape as `INSERT ... SELECT ... FROM UNNEST($2::T2[], $3::T3[], ...)`: one
    /// array parameter per column, so one short statement text per shape (prepared once, whatever the row
    /// count) and no 65,535-parameter limit. Chunks of [`UNNEST_ROWS`] keep each message well under the
    /// protocol's 1 GB.
    async fn insert_unnest(
        &self,
        cols: &[&'static str],
        types: &[&'static str],
        rows: Vec<Vec<Param>>,
        bulk: Bulk,
    ) -> Result<(u64, Vec<M>), Error> {
        let meta = &M::META;
        let stamps: Vec<&str> = meta.columns.iter().filter(|c| c.updated_at).map(|c| c.column).collect();
        let mut total = (0u64, Vec::new());
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut arrays: Vec<Vec<Param>> = cols.iter().map(|_| Vec::new()).collect();
            for row in rows.by_ref().take(UNNEST_ROWS) {
                for (array, v) in arrays.iter_mut().zip(row) {
                    array.push(v);
                }
            }
            let mut b = SqlBuilder::default();
            let mut names: Vec<String> = Vec::new();
            let mut select: Vec<String> = Vec::new();
            if let Some(key) = injected_key(meta) {
                names.push(q(key));
                let tenant = self.exec.tenant().ok_or_else(|| no_tenant(meta))?.to_string();
                select.push(format!("{}::text", b.param(Box::new(tenant))));
            }
            let mut unnest: Vec<String> = Vec::new();
            for ((c, ty), array) in cols.iter().zip(types).zip(arrays) {
                names.push(q(c));
                unnest.push(format!("{}::{ty}[]", b.param(Box::new(ColumnArray(array)))));
            }
            select.push("u.*".into());
            names.extend(stamps.iter().map(|c| q(c)));
            select.extend(stamps.iter().map(|_| "now()".to_string()));
            b.sql = format!(
                "INSERT INTO {} ({}) SELECT {} FROM UNNEST({}) AS u{} RETURNING {}",
                meta.sql_table(),
                names.join(", "),
                select.join(", "),
                unnest.join(", "),
                on_conflict(bulk),
                returning(meta)
            );
            let (n, mut made) = self.insert_counted(b, cols, bulk).await?;
            total.0 += n;
            total.1.append(&mut made);
        }
        Ok(total)
    }
}

fn on_conflict(bulk: Bulk) -> &'static str {
    if bulk.skip_duplicates {
        " ON CONFLICT DO NOTHING"
    } else {
        ""
    }
}

/// Rows per `UNNEST` bulk insert statement.
const UNNEST_ROWS: usize = 50_000;

/// The SQL element type of each column, when every one can travel as a one-dimensional array: not for a
/// column whose type is unknown (a hand-written model without `sql = ...`) or is itself an array (`UNNEST`
/// would flatten it). Those shapes use a multi-row `VALUES` instead.
fn array_types(meta: &ModelMeta, cols: &[&'static str]) -> Option<Vec<&'static str>> {
    cols.iter()
        .map(|c| {
            let column = meta.columns.iter().find(|m| m.column == *c)?;
            let ty = column.sql_type.trim();
            (!ty.is_empty() && !ty.ends_with(']')).then_some(ty)
        })
        .collect()
}

/// One column of a bulk insert as one PostgreSQL array parameter, each element encoded by its own `ToSql`
/// against the array's element type (so the usual type checks apply element by element).
#[derive(Debug)]
struct ColumnArray(Vec<Param>);

impl ToSql for ColumnArray {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres_protocol::types::{array_to_sql, ArrayDimension};
        let tokio_postgres::types::Kind::Array(element) = ty.kind() else {
            return Err(format!("a bulk insert column must be bound as an array, not {ty}").into());
        };
        let dimension = ArrayDimension {
            len: i32::try_from(self.0.len())?,
            lower_bound: 1,
        };
        array_to_sql(
            Some(dimension),
            element.oid(),
            self.0.iter(),
            |v, buf| match v.to_sql_checked(element, buf)? {
                tokio_postgres::types::IsNull::No => Ok(postgres_protocol::IsNull::No),
                tokio_postgres::types::IsNull::Yes => Ok(postgres_protocol::IsNull::Yes),
            },
            out,
        )?;
        Ok(tokio_postgres::types::IsNull::No)
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        matches!(ty.kind(), tokio_postgres::types::Kind::Array(_))
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Rows per multi-row INSERT, under PostgreSQL's 65,535 parameters per statement.
fn chunk_rows(params_per_row: usize) -> usize {
    (65_000 / params_per_row.max(1)).max(1)
}
