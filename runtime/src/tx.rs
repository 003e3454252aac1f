//! Closure-based transactions: isolation level and read-only options, bounded retry with jitter on
//! serialization failures (40001) and deadlocks (40P01), nested transactions as savepoints. An error (or a
//! panic) inside the closure rolls the transaction back; the handle cannot outlive the closure.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::Row;

use crate::client::{self, Db, Params, Shared};
use crate::error::Error;

pub use tokio_postgres::IsolationLevel;

/// How a transaction runs.
#[derive(Debug, Clone, Copy)]
pub struct TxOptions {
    /// `None`: the server default (READ COMMITTED).
    pub isolation: Option<IsolationLevel>,
    /// `READ ONLY`: the transaction may not write.
    pub read_only: bool,
    /// How many times a serialization failure or deadlock is retried before giving up.
    pub max_retries: u32,
}

impl Default for TxOptions {
    fn default() -> Self {
        TxOptions {
            isolation: None,
            read_only: false,
            max_retries: 3,
        }
    }
}

impl TxOptions {
    /// `SERIALIZABLE`, retried on serialization failures and deadlocks.
    pub fn serializable() -> Self {
        TxOptions {
            isolation: Some(IsolationLevel::Serializable),
            ..TxOptions::default()
        }
    }

    /// `REPEATABLE READ`, retried likewise.
    pub fn repeatable_read() -> Self {
        TxOptions {
            isolation: Some(IsolationLevel::RepeatableRead),
            ..TxOptions::default()
        }
    }

    /// `READ ONLY`.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// How many times a serialization failure or deadlock is retried (the default is 3).
    pub fn retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
}

/// A transaction in progress, lent to the closure of [`Db::transaction`].
pub struct Tx<'a> {
    inner: deadpool_postgres::Transaction<'a>,
    shared: Arc<Shared>,
    depth: u32,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("depth", &self.depth).finish()
    }
}

impl Tx<'_> {
    /// Runs a statement in the transaction, checked by the SQL guard first (see [`crate::Conn::query`]).
    pub async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        client::guard_plain(sql, &self.shared)?;
        client::query(&self.inner, &self.shared, sql, params).await
    }

    /// The statement, prepared on this transaction's connection (once: the pool's cache keeps it).
    pub(crate) async fn prepare(&self, sql: &str) -> Result<tokio_postgres::Statement, Error> {
        self.inner
            .prepare_cached(sql)
            .await
            .map_err(|e| Error::from_pg(e, &self.shared.ctx))
    }

    /// Runs a statement [`Tx::prepare`] returned.
    pub(crate) async fn query_prepared(
        &self,
        stmt: &tokio_postgres::Statement,
        params: Params<'_>,
    ) -> Result<Vec<Row>, Error> {
        self.inner
            .query(stmt, params)
            .await
            .map_err(|e| Error::from_pg(e, &self.shared.ctx))
    }

    /// [`Tx::query`], each row mapped as it arrives.
    pub(crate) async fn query_map<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        map: impl FnMut(Row) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        client::query_map(&self.inner, &self.shared, sql, params, map).await
    }

    /// The one row a statement returns (an error when it returns none or several).
    pub async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
        client::one(self.query(sql, params).await?)
    }

    /// The row a statement returns, if any.
    pub async fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error> {
        client::opt(self.query(sql, params).await?)
    }

    /// Runs a statement; returns how many rows it changed.
    pub async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        client::guard_plain(sql, &self.shared)?;
        client::execute(&self.inner, &self.shared, sql, params).await
    }

    /// Runs several statements separated by `;`, without parameters.
    pub async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        client::guard_plain(sql, &self.shared)?;
        client::batch(&self.inner, &self.shared, sql).await
    }

    /// The runtime's own simple-protocol statements (the tenant binding), not guarded.
    pub(crate) async fn batch_internal(&self, sql: &str) -> Result<(), Error> {
        client::batch(&self.inner, &self.shared, sql).await
    }

    /// Runs `f` inside a savepoint: when it fails, only its own work is rolled back, and its error is
    /// returned for the caller to handle; the outer transaction goes on.
    pub async fn savepoint<T, F>(&mut self, f: F) -> Result<T, Error>
    where
        F: AsyncFnOnce(&mut Tx<'_>) -> Result<T, Error>,
    {
        let name = format!("trato_sp_{}", self.depth + 1);
        let sp = self
            .inner
            .savepoint(&name)
            .await
            .map_err(|e| Error::from_pg(e, &self.shared.ctx))?;
        let mut nested = Tx {
            inner: sp,
            shared: self.shared.clone(),
            depth: self.depth + 1,
        };
        match f(&mut nested).await {
            Ok(v) => {
                nested
                    .inner
                    .commit()
                    .await
                    .map_err(|e| Error::from_pg(e, &self.shared.ctx))?;
                Ok(v)
            }
            Err(e) => {
                nested
                    .inner
                    .rollback()
                    .await
                    .map_err(|e| Error::from_pg(e, &self.shared.ctx))?;
                Err(e)
            }
        }
    }
}

impl Db {
    /// Runs `f` in a transaction on one pooled connection: committed when `f` returns `Ok`, rolled back when
    /// it returns `Err` or panics. On a serialization failure or deadlock the whole closure runs again, up to
    /// `opts.max_retries` times, after a short randomised pause; then [`Error::SerializationFailure`].
    ///
    /// The closure is an async closure, which reads best; its future is not `Send` for every lifetime (a
    /// limit of today's compiler), so inside `tokio::spawn` or a web handler use
    /// [`Db::transaction_boxed`].
    pub async fn transaction<T, F>(&self, opts: TxOptions, mut f: F) -> Result<T, Error>
    where
        F: AsyncFnMut(&mut Tx<'_>) -> Result<T, Error>,
    {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = self.attempt(opts, &mut f).await;
            if let Some(result) = retry_or_return(result, attempt, opts).await {
                return result;
            }
        }
    }

    /// [`Db::transaction`] with a closure that returns a boxed `Send` future, so that the whole call is
    /// `Send` (for `tokio::spawn`, axum handlers):
    /// `db.transaction_boxed(opts, |tx| Box::pin(async move { tx.execute("...", &[]).await })).await`.
    pub async fn transaction_boxed<T, F>(&self, opts: TxOptions, mut f: F) -> Result<T, Error>
    where
        T: Send,
        F: for<'t, 'c> FnMut(&'t mut Tx<'c>) -> TxFuture<'t, T> + Send,
    {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Written out rather than through a closure: a closure returning a future that borrows the
            // transaction would need the same higher-ranked bound that makes async closures not `Send`.
            let result = async {
                let mut conn = self.conn().await?;
                let mut tx = begin(&mut conn, opts).await?;
                let result = f(&mut tx).await;
                finish(tx, result).await
            }
            .await;
            if let Some(result) = retry_or_return(result, attempt, opts).await {
                return result;
            }
        }
    }

    async fn attempt<T, F>(&self, opts: TxOptions, f: &mut F) -> Result<T, Error>
    where
        F: AsyncFnMut(&mut Tx<'_>) -> Result<T, Error>,
    {
        let mut conn = self.conn().await?;
        let mut tx = begin(&mut conn, opts).await?;
        // If `f` panics, `tx` is dropped during unwinding and tokio-postgres sends ROLLBACK before the
        // connection returns to the pool, so the next checkout never finds a transaction open.
        let result = f(&mut tx).await;
        finish(tx, result).await
    }
}

/// The future a [`Db::transaction_boxed`] closure returns.
pub type TxFuture<'t, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Error>> + Send + 't>>;

pub(crate) async fn begin(conn: &mut crate::client::Conn, opts: TxOptions) -> Result<Tx<'_>, Error> {
    let shared = conn.shared.clone();
    let mut builder = conn.obj.build_transaction().read_only(opts.read_only);
    if let Some(level) = opts.isolation {
        builder = builder.isolation_level(level);
    }
    let inner = builder.start().await.map_err(|e| Error::from_pg(e, &shared.ctx))?;
    Ok(Tx {
        inner,
        shared,
        depth: 0,
    })
}

/// Commits on `Ok`, rolls back on `Err` (a failed rollback means a broken connection; the pool discards it).
pub(crate) async fn finish<T>(tx: Tx<'_>, result: Result<T, Error>) -> Result<T, Error> {
    match result {
        Ok(v) => {
            let ctx = tx.shared.ctx.clone();
            tx.inner.commit().await.map_err(|e| Error::from_pg(e, &ctx))?;
            Ok(v)
        }
        Err(e) => {
            let _ = tx.inner.rollback().await;
            Err(e)
        }
    }
}

/// After an attempt: `None` to run it again (a serialization failure or deadlock with retries left, after a
/// pause), else the result to return.
pub(crate) async fn retry_or_return<T>(
    result: Result<T, Error>,
    attempt: u32,
    opts: TxOptions,
) -> Option<Result<T, Error>> {
    match result {
        Err(e) if e.is_retryable() => {
            if attempt > opts.max_retries {
                return Some(Err(Error::SerializationFailure {
                    attempts: attempt,
                    code: e.code().unwrap_or("40001").to_string(),
                }));
            }
            tracing::debug!(target: "trato_hive::tx", attempt, error = %e, "retrying transaction");
            tokio::time::sleep(backoff(attempt)).await;
            None
        }
        other => Some(other),
    }
}

/// 10 ms, 20 ms, 40 ms, ... (at most 1 s) plus up to the same again at random, so that the transactions
/// that collided do not collide again.
fn backoff(attempt: u32) -> Duration {
    let base = 10u64.saturating_mul(1 << attempt.min(7)).min(1000);
    let jitter = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        h.finish() % base.max(1)
    };
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) >= std::time::Duration::from_millis(20));
        assert!(backoff(1) < std::time::Duration::from_millis(40));
        assert!(backoff(30) <= std::time::Duration::from_millis(2000));
    }
}
