//! Executors: where a repository's statements run (a tenant scope's own pipelined transactions, a scoped
//! transaction, or the plain pool for global models), and the binding every scoped transaction starts
//! with: the tenant, and in a schema with a membership model the member's role and user id, all
//! transaction-local (`SET LOCAL`), so nothing outlives the transaction.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio_postgres::Row;

use crate::client::Db;
use crate::error::Error;
use crate::query::Param;
use crate::scope::AuditCtx;
use crate::tx::Tx;

/// What a scoped transaction binds before its first statement.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub(crate) tenant: &'a str,
    /// The member's role as stored, or `SYSTEM`.
    pub(crate) role: &'a str,
    /// The member's user id (`None` for the system scope).
    pub(crate) user: Option<&'a str>,
    /// Whether the schema has a membership model, whose policies read the role and user: only then are they
    /// bound (`trato_bind` exists only there).
    pub(crate) member: bool,
}

impl<'a> Binding<'a> {
    /// A binding of the tenant alone (the membership check, which runs before the role is known).
    pub(crate) fn tenant(tenant: &'a str) -> Binding<'a> {
        Binding {
            tenant,
            role: "",
            user: None,
            member: false,
        }
    }
}

pub(crate) const BIND: &str = "SELECT trato_bind($1, $2, $3)";

pub(crate) const SET_TENANT: &str = "SELECT trato_set_tenant($1)";

/// `SET LOCAL trato.tenant_id = '<tenant>'` (and, with a membership model, `trato.role` and `trato.user_id`;
/// sent with `BEGIN` as one simple-protocol message), when every value is made only of ASCII letters,
/// digits, `_` and `-` (every generated id: cuid, uuid, nanoid, ulid; every enum value): such a value cannot
/// close the quotes or carry anything but itself, so it needs no escaping. It costs the server one message
/// and no function call, where `SELECT trato_set_tenant($1)` (bound parameters through plpgsql's
/// `EXECUTE`) costs an extended-protocol round of its own: about half of the binding's price in the
/// benchmark. Any other value goes through the function ([`Binding::function`]). Both are `SET LOCAL`, so
/// both are transaction-local and forwarded by Citus.
pub(crate) fn set_local(b: &Binding<'_>) -> Option<String> {
    let plain = |v: &str| {
        !v.is_empty() && v.len() <= 128 && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    };
    let member_plain = !b.member || (plain(b.role) && b.user.is_none_or(plain));
    (plain(b.tenant) && member_plain).then(|| {
        let mut sql = String::with_capacity(SET_LOCAL.len() + b.tenant.len() + 64);
        sql.push_str(SET_LOCAL);
        sql.push_str(b.tenant);
        sql.push('\'');
        if b.member {
            sql.push_str("; SET LOCAL trato.role = '");
            sql.push_str(b.role);
            sql.push_str("'; SET LOCAL trato.user_id = '");
            sql.push_str(b.user.unwrap_or_default());
            sql.push('\'');
        }
        sql
    })
}

/// The binding [`set_local`] writes, up to the tenant id.
const SET_LOCAL: &str = "SET LOCAL trato.tenant_id = '";

impl Binding<'_> {
    /// The binding function and its parameters, for values [`set_local`] will not write into a statement.
    pub(crate) fn function(&self) -> (&'static str, Vec<&(dyn tokio_postgres::types::ToSql + Sync)>) {
        if self.member {
            (BIND, vec![&self.tenant, &self.role, &self.user])
        } else {
            (SET_TENANT, vec![&self.tenant])
        }
    }
}

/// Where a repository's statements run.
pub trait Executor: Sync {
    /// The tenant statements must be restricted to, if any.
    fn tenant(&self) -> Option<&str>;
    /// The role writes are checked against (`@@writableBy`), if any: the member's, or `SYSTEM`.
    fn role(&self) -> Option<&str> {
        None
    }
    /// Where writes to audited models are recorded, if anywhere.
    fn audit(&self) -> Option<AuditCtx<'_>> {
        None
    }
    /// Runs a statement and returns its rows.
    fn run(&self, sql: String, params: Vec<Param>) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        self.run_map(sql, params, Ok)
    }
    /// Runs a statement, each row mapped as it arrives (decoding overlaps the arrival of the next row).
    fn run_map<T: Send>(
        &self,
        sql: String,
        params: Vec<Param>,
        map: impl FnMut(Row) -> Result<T, Error> + Send,
    ) -> impl Future<Output = Result<Vec<T>, Error>> + Send;
}

/// A tenant scope outside an explicit transaction: each statement in its own pipelined transaction.
#[derive(Debug, Clone, Copy)]
pub struct ScopeExec<'a> {
    pub(crate) db: &'a Db,
    pub(crate) binding: Binding<'a>,
    pub(crate) audit: Option<AuditCtx<'a>>,
    /// A read-only scope's statements run in `READ ONLY` transactions.
    pub(crate) read_only: bool,
}

impl Executor for ScopeExec<'_> {
    fn tenant(&self) -> Option<&str> {
        Some(self.binding.tenant)
    }

    fn role(&self) -> Option<&str> {
        Some(self.binding.role)
    }

    fn audit(&self) -> Option<AuditCtx<'_>> {
        self.audit
    }

    fn run_map<T: Send>(
        &self,
        sql: String,
        params: Vec<Param>,
        map: impl FnMut(Row) -> Result<T, Error> + Send,
    ) -> impl Future<Output = Result<Vec<T>, Error>> + Send {
        run_scoped(self.db, &self.binding, self.read_only, sql, params, map)
    }
}

/// Inside a transaction (of a tenant scope: bound to its tenant by the first statement).
pub struct TxExec<'t, 'c> {
    pub(crate) tx: &'t Tx<'c>,
    pub(crate) binding: Option<Binding<'t>>,
    pub(crate) audit: Option<AuditCtx<'t>>,
    /// Set once the tenant's binding has been answered by the server in this transaction (`None`: nothing
    /// to bind).
    pub(crate) bound: Option<&'t AtomicBool>,
}

impl TxExec<'_, '_> {
    /// Runs `statement`; until the binding has succeeded, a statement of a scoped transaction is preceded
    /// by it, sent in the same round trip (requests on one connection are answered in order, and the
    /// binding's is sent first because `join!` polls it first). The flag is set only once the server has
    /// answered the binding: a future dropped before that (a `select!`, a timeout) leaves it unset, so the
    /// next statement binds again (the same tenant: harmless if the first binding did arrive) instead of
    /// running unbound.
    async fn bound<R>(&self, statement: impl Future<Output = Result<R, Error>>) -> Result<R, Error> {
        let first = self.bound.is_some_and(|b| !b.load(Ordering::Acquire));
        let (Some(b), true) = (self.binding.as_ref(), first) else {
            return statement.await;
        };
        let (binding, result) = match set_local(b) {
            Some(sql) => tokio::join!(self.tx.batch_internal(&sql), statement),
            None => {
                // Prepared first: a prepare on a cache miss would let an already prepared statement reach
                // the server before the binding's Bind/Execute.
                let (function, params) = b.function();
                let set = self.tx.prepare(function).await?;
                let (r, s) = tokio::join!(self.tx.query_prepared(&set, &params), statement);
                (r.map(drop), s)
            }
        };
        binding?;
        if let Some(flag) = self.bound {
            flag.store(true, Ordering::Release);
        }
        result
    }
}

impl Executor for TxExec<'_, '_> {
    fn tenant(&self) -> Option<&str> {
        self.binding.as_ref().map(|b| b.tenant)
    }

    fn role(&self) -> Option<&str> {
        self.binding.as_ref().map(|b| b.role)
    }

    fn audit(&self) -> Option<AuditCtx<'_>> {
        self.audit
    }

    async fn run_map<T: Send>(
        &self,
        sql: String,
        params: Vec<Param>,
        map: impl FnMut(Row) -> Result<T, Error> + Send,
    ) -> Result<Vec<T>, Error> {
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        self.bound(self.tx.query_map(&sql, &refs, map)).await
    }
}

/// Global models outside any tenant: plain pooled statements.
#[derive(Debug, Clone, Copy)]
pub struct GlobalExec<'a> {
    pub(crate) db: &'a Db,
}

impl Executor for GlobalExec<'_> {
    fn tenant(&self) -> Option<&str> {
        None
    }

    async fn run_map<T: Send>(
        &self,
        sql: String,
        params: Vec<Param>,
        map: impl FnMut(Row) -> Result<T, Error> + Send,
    ) -> Result<Vec<T>, Error> {
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        self.db.conn().await?.query_map(&sql, &refs, map).await
    }
}

/// `BEGIN`, the binding ([`set_local`], else its function), the statement and `COMMIT` in one round trip;
/// the statement's rows are mapped as they arrive.
pub(crate) async fn run_scoped<T>(
    db: &Db,
    binding: &Binding<'_>,
    read_only: bool,
    sql: impl AsRef<str>,
    params: Vec<Param>,
    map: impl FnMut(Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    use tracing::Instrument as _;
    let sql = sql.as_ref();
    let conn = db.conn().await?;
    let span = crate::client::statement_span(&conn.shared, sql);
    run_scoped_on(&conn, binding, read_only, sql, params, map)
        .instrument(span)
        .await
}

async fn run_scoped_on<T>(
    conn: &crate::client::Conn,
    binding: &Binding<'_>,
    read_only: bool,
    sql: &str,
    params: Vec<Param>,
    map: impl FnMut(Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let client = &conn.obj;
    let ctx = &conn.shared.ctx;
    let started = std::time::Instant::now();
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
    let (begin, bound, result, commit) = match set_local(binding) {
        Some(set) => {
            let begin_sql = [if read_only { "BEGIN READ ONLY; " } else { "BEGIN; " }, &set].concat();
            let stmt = client.prepare_cached(sql).await.map_err(|e| Error::from_pg(e, ctx))?;
            let (begin, result, commit) = tokio::join!(
                client.batch_execute(&begin_sql),
                crate::client::map_rows(client, &stmt, &refs, ctx, map),
                client.batch_execute("COMMIT"),
            );
            (begin, Ok(()), result, commit)
        }
        None => {
            let (function, bind_params) = binding.function();
            let (set, stmt) = tokio::try_join!(client.prepare_cached(function), client.prepare_cached(sql))
                .map_err(|e| Error::from_pg(e, ctx))?;
            let (begin, bound, result, commit) = tokio::join!(
                client.batch_execute(if read_only { "BEGIN READ ONLY" } else { "BEGIN" }),
                client.query(&set, &bind_params),
                crate::client::map_rows(client, &stmt, &refs, ctx, map),
                client.batch_execute("COMMIT"),
            );
            (begin, bound.map(drop), result, commit)
        }
    };
    if conn.shared.cfg.log_queries {
        tracing::debug!(target: "trato_hive::query", statement = sql, params = params.len(), tenant_bound = true,
            rows = result.as_ref().map(Vec::len).ok(), elapsed_us = started.elapsed().as_micros() as u64, "query");
    }
    begin.map_err(|e| Error::from_pg(e, ctx))?;
    bound.map_err(|e| Error::from_pg(e, ctx))?;
    // A failed statement aborts the transaction; the COMMIT then rolls it back, so nothing is left behind.
    let rows = result?;
    commit.map_err(|e| Error::from_pg(e, ctx))?;
    Ok(rows)
}

#[cfg(test)]
mod binding_tests {
    use super::{set_local, Binding};

    #[test]
    fn only_plain_values_are_written_into_the_statement() {
        assert_eq!(
            set_local(&Binding::tenant("clx1-ab_9")).as_deref(),
            Some("SET LOCAL trato.tenant_id = 'clx1-ab_9'")
        );
        let member = |role, user| Binding {
            tenant: "org_1",
            role,
            user,
            member: true,
        };
        assert_eq!(
            set_local(&member("ADMIN", Some("u_1"))).as_deref(),
            Some(
                "SET LOCAL trato.tenant_id = 'org_1'; SET LOCAL trato.role = 'ADMIN'; SET LOCAL trato.user_id = 'u_1'"
            )
        );
        assert_eq!(
            set_local(&member("SYSTEM", None)).as_deref(),
            Some("SET LOCAL trato.tenant_id = 'org_1'; SET LOCAL trato.role = 'SYSTEM'; SET LOCAL trato.user_id = ''")
        );
        for odd in ["", "o'rg", "a b", "ü", "a\\b", "a;b", &"x".repeat(129)] {
            assert_eq!(
                set_local(&Binding::tenant(odd)),
                None,
                "{odd:?} must go through the bound function"
            );
            assert_eq!(set_local(&member("ADMIN", Some(odd))), None, "user {odd:?}");
            assert_eq!(set_local(&member(odd, Some("u"))), None, "role {odd:?}");
        }
    }
}
