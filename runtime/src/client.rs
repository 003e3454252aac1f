//! The pooled client: a process-wide singleton created on first use from `DATABASE_URL` (the spec's
//! "singleton pattern, mandatory"), or constructed explicitly. Checkouts time out; returned connections are
//! reset before reuse; statements are prepared once per connection and logged through `tracing` when asked.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime, TimeoutType,
};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use crate::config::{DbConfig, Recycle, SslMode};
use crate::error::{Cause, Error, ErrorContext};

/// Query parameters, as tokio-postgres takes them.
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A pool of connections to one database.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    pub(crate) inner: Arc<Shared>,
}

pub(crate) struct Shared {
    pub cfg: DbConfig,
    pub ctx: ErrorContext,
    /// Set once the connected role was found safe for row-level security (see `ensure_application_role`).
    pub role_checked: tokio::sync::OnceCell<()>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("config", &self.inner.cfg)
            .field("status", &self.status())
            .finish()
    }
}

/// How busy the pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections the pool may hold (`connection_limit`).
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open and idle.
    pub available: usize,
    /// Checkouts waiting for a connection.
    pub waiting: usize,
}

static GLOBAL: OnceLock<Db> = OnceLock::new();

impl Db {
    /// A pool for `cfg`. Opens no connection yet: the first checkout does.
    pub fn connect(cfg: DbConfig) -> Result<Db, Error> {
        let ctx = ErrorContext::of(&cfg);
        let manager_config = ManagerConfig {
            recycling_method: match cfg.recycle {
                Recycle::Fast => RecyclingMethod::Fast,
                Recycle::Verified => RecyclingMethod::Verified,
                Recycle::Clean => RecyclingMethod::Clean,
            },
        };
        let manager = if cfg.ssl_mode == SslMode::Disable {
            Manager::from_config(cfg.pg.clone(), tokio_postgres::NoTls, manager_config)
        } else {
            Manager::from_config(cfg.pg.clone(), crate::tls::connector(&cfg)?, manager_config)
        };
        let pool = Pool::builder(manager)
            .max_size(cfg.connection_limit)
            .wait_timeout(Some(cfg.pool_timeout))
            .create_timeout(Some(cfg.connect_timeout))
            .recycle_timeout(Some(cfg.recycle_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Db {
            pool,
            inner: Arc::new(Shared {
                cfg,
                ctx,
                role_checked: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// The process-wide client, created on first use from `DATABASE_URL` (or `.env`). Every call returns
    /// the same pool, so an application never opens more connections than `connection_limit`.
    pub fn global() -> Result<&'static Db, Error> {
        if let Some(db) = GLOBAL.get() {
            return Ok(db);
        }
        let db = Db::connect(DbConfig::from_env()?)?;
        Ok(GLOBAL.get_or_init(|| db))
    }

    /// The configuration the pool was built from.
    pub fn config(&self) -> &DbConfig {
        &self.inner.cfg
    }

    /// How many connections the pool holds, and how many are idle.
    pub fn status(&self) -> PoolStatus {
        let s = self.pool.status();
        PoolStatus {
            max_size: s.max_size,
            size: s.size,
            available: s.available,
            waiting: s.waiting,
        }
    }

    /// Checks a connection out of the pool, waiting at most `pool_timeout` for one to be free and
    /// `connect_timeout` for a new one to open.
    pub async fn conn(&self) -> Result<Conn, Error> {
        match self.pool.get().await {
            Ok(obj) => Ok(Conn {
                obj,
                shared: self.inner.clone(),
            }),
            Err(e) => Err(self.pool_error(e)),
        }
    }

    fn pool_error(&self, e: PoolError) -> Error {
        let cfg = &self.inner.cfg;
        match e {
            PoolError::Timeout(TimeoutType::Wait) => Error::PoolTimeout {
                waited: cfg.pool_timeout,
                limit: cfg.connection_limit,
            },
            PoolError::Timeout(TimeoutType::Create) => Error::Unreachable {
                host_port: cfg.host_port(),
                cause: Cause::new(format!(
                    "no connection within connect_timeout ({:?})",
                    cfg.connect_timeout
                )),
            },
            PoolError::Timeout(TimeoutType::Recycle) => {
                Error::Connection("resetting a pooled connection timed out".into())
            }
            PoolError::Backend(e) => Error::from_pg(e, &self.inner.ctx),
            PoolError::Closed => Error::Closed,
            other => Error::Connection(self.inner.ctx.scrub(&other.to_string())),
        }
    }

    /// Closes the pool: idle connections are closed now, checked-out ones when they come back, and further
    /// checkouts fail with [`Error::Closed`]. The spec's `$disconnect()` for scripts.
    pub fn close(&self) {
        self.pool.close();
    }

    /// Whether [`Db::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// Runs one statement on a pooled connection and returns its rows. The SQL guard checks it first
    /// ([`Error::RefusedSql`]).
    pub async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        guard_plain(sql, &self.inner)?;
        self.conn().await?.query(sql, params).await
    }

    /// Runs one statement on a pooled connection and returns the number of rows it changed.
    pub async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        guard_plain(sql, &self.inner)?;
        self.conn().await?.execute(sql, params).await
    }
}

/// A connection checked out of the pool; it goes back when dropped.
pub struct Conn {
    pub(crate) obj: Object,
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("server", &self.shared.cfg.host_port())
            .finish()
    }
}

impl Conn {
    /// Runs a statement and returns its rows. Like every statement application code hands to the plain
    /// client, it is checked by the SQL guard first: nothing that touches the tenant binding (`trato.*`,
    /// `set_config`, the data layer's functions), changes the role, or runs a DO block reaches the server
    /// ([`Error::RefusedSql`]).
    pub async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        guard_plain(sql, &self.shared)?;
        query(&self.obj, &self.shared, sql, params).await
    }

    /// [`Conn::query`], each row mapped as it arrives; the runtime's own statements, not guarded.
    pub(crate) async fn query_map<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        map: impl FnMut(Row) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        query_map(&self.obj, &self.shared, sql, params, map).await
    }

    /// The one row a statement returns (an error when it returns none or several).
    pub async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
        one(self.query(sql, params).await?)
    }

    /// The row a statement returns, if any (an error when it returns several).
    pub async fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error> {
        opt(self.query(sql, params).await?)
    }

    /// Runs a statement; returns how many rows it changed.
    pub async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        guard_plain(sql, &self.shared)?;
        execute(&self.obj, &self.shared, sql, params).await
    }

    /// Runs several statements separated by `;`, without parameters (simple query protocol); each is
    /// guarded.
    pub async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        guard_plain(sql, &self.shared)?;
        batch(&self.obj, &self.shared, sql).await
    }

    /// The runtime's own catalog reads (the role check), not guarded.
    pub(crate) async fn query_internal(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        query(&self.obj, &self.shared, sql, params).await
    }

    /// Takes the connection out of the pool for good and returns the underlying tokio-postgres client, for
    /// what this API does not cover (COPY, notifications). What is sent through it is not guarded, so the
    /// connection never goes back to the pool: whatever session state it is left with (a setting, a
    /// role) closes with it instead of reaching the next checkout.
    pub fn detach(self) -> deadpool_postgres::ClientWrapper {
        Object::take(self.obj)
    }
}

/// Runs the SQL guard on SQL handed to the plain client: temporary objects only when the pool discards them
/// at every checkout (`recycle=clean`).
pub(crate) fn guard_plain(sql: &str, shared: &Shared) -> Result<(), Error> {
    let ctx = match shared.cfg.recycle {
        crate::config::Recycle::Clean => trato_sqlguard::Context::PlainReset,
        _ => trato_sqlguard::Context::Plain,
    };
    guard(sql, ctx)
}

/// Runs the SQL guard on application SQL.
pub(crate) fn guard(sql: &str, ctx: trato_sqlguard::Context) -> Result<(), Error> {
    trato_sqlguard::check(sql, ctx).map_err(|r| Error::RefusedSql {
        near: sql.get(r.start..r.end).unwrap_or_default().chars().take(80).collect(),
        reason: r.message,
    })
}

/// A connection outside the pool (the migrator's), with the same TLS settings.
pub(crate) async fn connect_direct(cfg: &DbConfig) -> Result<tokio_postgres::Client, Error> {
    let ctx = ErrorContext::of(cfg);
    let connect = async {
        let client = if cfg.ssl_mode == SslMode::Disable {
            let (client, conn) = cfg
                .pg
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| Error::from_pg(e, &ctx))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            client
        } else {
            let tls = crate::tls::connector(cfg)?;
            let (client, conn) = cfg.pg.connect(tls).await.map_err(|e| Error::from_pg(e, &ctx))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            client
        };
        Ok::<_, Error>(client)
    };
    match tokio::time::timeout(cfg.connect_timeout, connect).await {
        Ok(result) => result,
        Err(_) => Err(Error::Unreachable {
            host_port: cfg.host_port(),
            cause: Cause::new(format!(
                "no connection within connect_timeout ({:?})",
                cfg.connect_timeout
            )),
        }),
    }
}

fn log_statement(shared: &Shared, sql: &str, params: usize, rows: Option<usize>, started: Instant) {
    if shared.cfg.log_queries {
        tracing::debug!(target: "trato_hive::query", statement = sql, params, rows, elapsed_us = started.elapsed().as_micros() as u64, "query");
    }
}

/// Runs a prepared statement and maps each row as it arrives, instead of collecting every row first: the
/// mapping of one row overlaps the arrival of the next, and the undecoded rows are never all in memory (a
/// read of 10,000 rows took a quarter less time this way, `cargo xtask bench db`).
pub(crate) async fn map_rows<C: GenericClient + Sync, T>(
    c: &C,
    stmt: &tokio_postgres::Statement,
    params: Params<'_>,
    ctx: &ErrorContext,
    mut map: impl FnMut(Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    use futures_util::TryStreamExt as _;
    let rows = c
        .query_raw(stmt, params.iter().copied())
        .await
        .map_err(|e| Error::from_pg(e, ctx))?;
    let mut rows = std::pin::pin!(rows);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await.map_err(|e| Error::from_pg(e, ctx))? {
        out.push(map(row)?);
    }
    Ok(out)
}

/// The span a statement runs in when `TRATO_LOG_QUERIES` is on (target `trato_hive::query`, the statement's
/// text as a field), so that a subscriber can time it and nest what it logs; none otherwise (no cost).
pub(crate) fn statement_span(shared: &Shared, sql: &str) -> tracing::Span {
    if shared.cfg.log_queries {
        tracing::debug_span!(target: "trato_hive::query", "statement", sql)
    } else {
        tracing::Span::none()
    }
}

/// [`query`], each row mapped as it arrives ([`map_rows`]).
pub(crate) async fn query_map<C: GenericClient + Sync, T>(
    c: &C,
    shared: &Shared,
    sql: &str,
    params: Params<'_>,
    map: impl FnMut(Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    use tracing::Instrument as _;
    query_map_inner(c, shared, sql, params, map)
        .instrument(statement_span(shared, sql))
        .await
}

async fn query_map_inner<C: GenericClient + Sync, T>(
    c: &C,
    shared: &Shared,
    sql: &str,
    params: Params<'_>,
    map: impl FnMut(Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let started = Instant::now();
    let stmt = c
        .prepare_cached(sql)
        .await
        .map_err(|e| Error::from_pg(e, &shared.ctx))?;
    let result = map_rows(c, &stmt, params, &shared.ctx, map).await;
    log_statement(shared, sql, params.len(), result.as_ref().ok().map(Vec::len), started);
    if let Err(e) = &result {
        tracing::warn!(target: "trato_hive::query", statement = sql, error = %e, "query failed");
    }
    result
}

pub(crate) async fn query<C: GenericClient + Sync>(
    c: &C,
    shared: &Shared,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, Error> {
    query_map(c, shared, sql, params, Ok).await
}

pub(crate) async fn execute<C: GenericClient + Sync>(
    c: &C,
    shared: &Shared,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, Error> {
    let started = Instant::now();
    let stmt = c
        .prepare_cached(sql)
        .await
        .map_err(|e| Error::from_pg(e, &shared.ctx))?;
    let result = c
        .execute(&stmt, params)
        .await
        .map_err(|e| Error::from_pg(e, &shared.ctx));
    log_statement(
        shared,
        sql,
        params.len(),
        result.as_ref().ok().map(|n| *n as usize),
        started,
    );
    if let Err(e) = &result {
        tracing::warn!(target: "trato_hive::query", statement = sql, error = %e, "statement failed");
    }
    result
}

pub(crate) async fn batch<C: GenericClient + Sync>(c: &C, shared: &Shared, sql: &str) -> Result<(), Error> {
    let started = Instant::now();
    let result = c.batch_execute(sql).await.map_err(|e| Error::from_pg(e, &shared.ctx));
    log_statement(shared, sql, 0, None, started);
    result
}

pub(crate) fn one(rows: Vec<Row>) -> Result<Row, Error> {
    let n = rows.len();
    let mut it = rows.into_iter();
    match (it.next(), n) {
        (Some(row), 1) => Ok(row),
        (None, _) => Err(Error::NotFound { what: "row".into() }),
        _ => Err(Error::Database {
            code: "21000".into(),
            message: format!("query returned {n} rows, expected one"),
        }),
    }
}

pub(crate) fn opt(rows: Vec<Row>) -> Result<Option<Row>, Error> {
    match rows.len() {
        0 => Ok(None),
        1 => Ok(rows.into_iter().next()),
        n => Err(Error::Database {
            code: "21000".into(),
            message: format!("query returned {n} rows, expected at most one"),
        }),
    }
}
