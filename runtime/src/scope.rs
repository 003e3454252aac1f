//! Tenant scopes: the only way to reach tenant-owned data. A [`TenantScope`] is made by checking that a
//! user is a member of the organization ([`Db::scope`]), or by the [`SystemScope`], which takes a reason and
//! is audited. Its access level is a type: a `TenantScope<ReadOnly>` (a VIEWER) has no write methods at all.
//!
//! Every statement of a scope runs in a transaction that binds the tenant for row-level security with
//! `SELECT trato_set_tenant($1)` (a `SET LOCAL`, never a session `SET`); for a single statement the
//! `BEGIN`, the binding, the statement and the `COMMIT` are pipelined into one round trip.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio_postgres::Row;

use crate::client::{Db, Shared};
use crate::error::Error;
use crate::meta::{Global, TenantOwned, TenantRoot};
use crate::query::Param;
use crate::repo::Repo;
use crate::tx::{Tx, TxOptions};

/// Access level of a scope: [`ReadOnly`] or [`ReadWrite`].
pub trait Access: Send + Sync + 'static {
    const WRITE: bool;
}

/// A VIEWER's scope: reads only.
#[derive(Debug, Clone, Copy)]
pub struct ReadOnly;
/// A scope that may write.
#[derive(Debug, Clone, Copy)]
pub struct ReadWrite;

impl Access for ReadOnly {
    const WRITE: bool = false;
}
impl Access for ReadWrite {
    const WRITE: bool = true;
}

/// What a write did, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
}

/// Where audit rows go (e.g. the Activity model): written by the same statement as the change, so a
/// rolled-back change leaves no audit row and a committed one always has one.
#[derive(Debug)]
pub struct AuditSink {
    pub table: &'static str,
    pub tenant_column: &'static str,
    pub id_column: &'static str,
    pub type_column: &'static str,
    /// The SQL type of `type_column` (for the cast), e.g. `"ActivityType"`.
    pub type_sql: &'static str,
    pub description_column: &'static str,
    pub metadata_column: &'static str,
    pub actor_column: &'static str,
    /// The stored type of an event: `(model, action, changed columns)` -> e.g. `DEAL_STAGE_CHANGED`.
    pub kind: fn(&str, AuditAction, &[&str]) -> &'static str,
    /// `(model, column)`: audit rows of this model also point at the row through this column.
    pub links: &'static [(&'static str, &'static str)],
}

/// The audit sink, actor and reason of an execution context.
#[derive(Debug, Clone, Copy)]
pub struct AuditCtx<'a> {
    pub sink: &'static AuditSink,
    pub actor: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// The membership model of a schema (e.g. OrganizationMember): how to find a user's role in a tenant.
pub trait Membership: TenantOwned {
    const USER_COLUMN: &'static str;
    const ROLE_COLUMN: &'static str;
    /// Whether members with this role (as stored, e.g. `VIEWER`) may write.
    fn role_can_write(role: &str) -> bool;
    /// Where writes to `@@audit` models are recorded, if anywhere.
    fn audit_sink() -> Option<&'static AuditSink> {
        None
    }
}

/// The result of a membership check: the scope, typed by what the member may do.
#[derive(Debug, Clone)]
pub enum MemberScope {
    Writer(TenantScope<ReadWrite>),
    Reader(TenantScope<ReadOnly>),
}

impl MemberScope {
    /// Read access, whatever the role.
    pub fn read(&self) -> TenantScope<ReadOnly> {
        match self {
            MemberScope::Writer(s) => s.clone().read_only(),
            MemberScope::Reader(s) => s.clone(),
        }
    }

    /// Write access, or [`Error::Forbidden`] for a read-only role.
    pub fn write(self) -> Result<TenantScope<ReadWrite>, Error> {
        match self {
            MemberScope::Writer(s) => Ok(s),
            MemberScope::Reader(s) => Err(Error::Forbidden {
                reason: format!("role `{}` cannot write", s.role),
            }),
        }
    }

    pub fn role(&self) -> &str {
        match self {
            MemberScope::Writer(s) => &s.role,
            MemberScope::Reader(s) => &s.role,
        }
    }
}

/// Everything a scope knows: the pool, the tenant, who acts and with which role.
#[derive(Debug, Clone)]
pub struct TenantScope<A: Access = ReadWrite> {
    db: Db,
    tenant: String,
    actor: Option<String>,
    role: String,
    reason: Option<String>,
    audit: Option<&'static AuditSink>,
    _a: PhantomData<A>,
}

impl Db {
    /// Checks that `user_id` is a member of `tenant_id` (through the membership model `M`) and returns a
    /// scope typed by the member's role. Not a member: [`Error::Forbidden`].
    pub async fn scope<M: Membership>(&self, user_id: &str, tenant_id: &str) -> Result<MemberScope, Error> {
        self.ensure_application_role().await?;
        let meta = M::META;
        let key = meta
            .tenant_key()
            .ok_or_else(|| Error::Config(format!("{} is not tenant-owned", meta.name)))?;
        let sql = format!(
            "SELECT {role}::text FROM {table} WHERE {key} = $1 AND {user} = $2",
            role = crate::query::q(M::ROLE_COLUMN),
            table = crate::query::q(meta.table),
            key = crate::query::q(key),
            user = crate::query::q(M::USER_COLUMN),
        );
        let rows = run_scoped(
            self,
            tenant_id,
            true,
            &sql,
            vec![Box::new(tenant_id.to_string()), Box::new(user_id.to_string())],
            Ok,
        )
        .await?;
        let Some(row) = rows.first() else {
            return Err(Error::Forbidden {
                reason: format!("user `{user_id}` is not a member of `{tenant_id}`"),
            });
        };
        let role: String = row.try_get(0).map_err(|e| Error::Connection(e.to_string()))?;
        let scope = |role: String| TenantScope {
            db: self.clone(),
            tenant: tenant_id.to_string(),
            actor: Some(user_id.to_string()),
            role,
            reason: None,
            audit: M::audit_sink(),
            _a: PhantomData,
        };
        Ok(if M::role_can_write(&role) {
            MemberScope::Writer(scope(role))
        } else {
            MemberScope::Reader(scope(role).read_only())
        })
    }

    /// The scope for cross-tenant jobs (billing runs, migrations of data, support tools). It takes a reason,
    /// which is logged for every tenant it enters (target `trato_hive::audit`) and recorded in the audit
    /// rows of its writes.
    pub fn system<M: Membership>(&self, reason: &str) -> SystemScope {
        SystemScope {
            db: self.clone(),
            reason: reason.to_string(),
            audit: M::audit_sink(),
        }
    }

    /// Refuses a role that would make row-level security meaningless: a superuser, a role with BYPASSRLS,
    /// or the owner of tables (owners bypass RLS unless it is forced). Checked once per pool.
    pub async fn ensure_application_role(&self) -> Result<(), Error> {
        let shared: &Shared = &self.inner;
        shared
            .role_checked
            .get_or_try_init(|| async {
                let rows = self
                    .conn()
                    .await?
                    .query_internal(
                        "SELECT r.rolsuper, r.rolbypassrls,
                                EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                         WHERE n.nspname = 'public' AND c.relowner = r.oid AND c.relkind = 'r')
                           FROM pg_roles r WHERE r.rolname = current_user",
                        &[],
                    )
                    .await?;
                let row = crate::client::one(rows)?;
                let (sup, bypass, owns): (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
                if sup || bypass || owns {
                    let what = if sup {
                        "is a superuser"
                    } else if bypass {
                        "has BYPASSRLS"
                    } else {
                        "owns tables"
                    };
                    return Err(Error::UnsafeRole {
                        user: self.config().user().to_string(),
                        reason: what.to_string(),
                    });
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }
}

/// Cross-tenant access for jobs, with a reason that is recorded.
#[derive(Debug, Clone)]
pub struct SystemScope {
    db: Db,
    reason: String,
    audit: Option<&'static AuditSink>,
}

impl SystemScope {
    /// Enters `tenant_id` with write access, recording the reason. A blank reason is refused
    /// ([`Error::Forbidden`]): it is what the audit rows of every write say about why.
    pub async fn tenant(&self, tenant_id: &str) -> Result<TenantScope<ReadWrite>, Error> {
        if self.reason.trim().is_empty() {
            return Err(Error::Forbidden {
                reason: "a system scope needs a reason (it is logged and recorded in every audit row it writes)".into(),
            });
        }
        self.db.ensure_application_role().await?;
        tracing::info!(target: "trato_hive::audit", tenant = tenant_id, reason = %self.reason, "system scope entered tenant");
        Ok(TenantScope {
            db: self.db.clone(),
            tenant: tenant_id.to_string(),
            actor: None,
            role: "SYSTEM".into(),
            reason: Some(self.reason.clone()),
            audit: self.audit,
            _a: PhantomData,
        })
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Global models, from the system scope.
    pub fn repo<M: Global>(&self) -> Repo<'_, M, ReadWrite, GlobalExec<'_>> {
        Repo::new(GlobalExec { db: &self.db })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

impl<A: Access> TenantScope<A> {
    /// The tenant (organization id).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Who acts: the member's user id, or `None` for the system scope.
    pub fn actor(&self) -> Option<&str> {
        self.actor.as_deref()
    }

    /// The member's role as stored (e.g. `ADMIN`), or `SYSTEM`.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The system scope's reason, when this scope came from it.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn exec(&self) -> ScopeExec<'_> {
        ScopeExec {
            db: &self.db,
            tenant: &self.tenant,
            audit: self.audit_ctx(),
            read_only: !A::WRITE,
        }
    }

    fn audit_ctx(&self) -> Option<AuditCtx<'_>> {
        self.audit.map(|sink| AuditCtx {
            sink,
            actor: self.actor.as_deref(),
            reason: self.reason.as_deref(),
        })
    }

    /// The same scope, reading only.
    pub fn read_only(self) -> TenantScope<ReadOnly> {
        TenantScope {
            db: self.db,
            tenant: self.tenant,
            actor: self.actor,
            role: self.role,
            reason: self.reason,
            audit: self.audit,
            _a: PhantomData,
        }
    }

    /// The repository of a tenant-owned model, restricted to this tenant.
    pub fn repo<M: TenantOwned>(&self) -> Repo<'_, M, A, ScopeExec<'_>> {
        Repo::new(self.exec())
    }

    /// The repository of the tenant root: only this scope's own row is visible.
    pub fn root<M: TenantRoot>(&self) -> Repo<'_, M, A, ScopeExec<'_>> {
        Repo::new(self.exec())
    }

    /// A global model (e.g. User), read and written inside this scope's tenant binding.
    pub fn global<M: Global>(&self) -> Repo<'_, M, A, ScopeExec<'_>> {
        Repo::new(self.exec())
    }

    /// Raw SQL with bound parameters, under this tenant's row-level security, in a transaction of its own
    /// (`READ ONLY` for a read-only scope, so a VIEWER's raw SQL cannot write). Build it with
    /// [`sql!`](crate::sql): only a string literal is accepted, checked by the SQL guard at compile time
    /// and again here.
    pub async fn raw(&self, query: RawSql) -> Result<Vec<Row>, Error> {
        crate::client::guard(query.sql, trato_sqlguard::Context::Scoped)?;
        run_scoped(&self.db, &self.tenant, !A::WRITE, query.sql, query.params, Ok).await
    }

    /// Runs `f` in one transaction bound to this tenant: every repository of the closure's handle sees one
    /// transaction, committed when `f` returns `Ok`, rolled back on `Err` or panic, retried on
    /// serialization failures. A read-only scope's transaction is `READ ONLY` whatever `opts` says.
    pub async fn transaction<T, F>(&self, mut opts: TxOptions, mut f: F) -> Result<T, Error>
    where
        F: AsyncFnMut(&mut ScopedTx<'_, '_, A>) -> Result<T, Error>,
    {
        opts.read_only |= !A::WRITE;
        let tenant = self.tenant.clone();
        let audit = self.audit_ctx();
        self.db
            .transaction(opts, async |tx| {
                // The tenant is bound by the first statement, pipelined with it (one round trip fewer).
                let bound = AtomicBool::new(false);
                let mut scoped = ScopedTx {
                    tx,
                    tenant: &tenant,
                    audit,
                    bound: &bound,
                    _a: PhantomData,
                };
                f(&mut scoped).await
            })
            .await
    }
}

/// A transaction of a tenant scope, lent to the closure of [`TenantScope::transaction`].
pub struct ScopedTx<'t, 'c, A: Access> {
    tx: &'t mut Tx<'c>,
    tenant: &'t str,
    audit: Option<AuditCtx<'t>>,
    /// Whether the tenant is bound yet: the first statement sends the binding ahead of itself.
    bound: &'t AtomicBool,
    _a: PhantomData<A>,
}

impl<A: Access> std::fmt::Debug for ScopedTx<'_, '_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedTx").field("tenant", &self.tenant).finish()
    }
}

impl<'c, A: Access> ScopedTx<'_, 'c, A> {
    fn exec(&self) -> TxExec<'_, 'c> {
        TxExec {
            tx: self.tx,
            tenant: Some(self.tenant),
            audit: self.audit,
            bound: Some(self.bound),
        }
    }

    pub fn repo<M: TenantOwned>(&self) -> Repo<'_, M, A, TxExec<'_, 'c>> {
        Repo::new(self.exec())
    }

    pub fn root<M: TenantRoot>(&self) -> Repo<'_, M, A, TxExec<'_, 'c>> {
        Repo::new(self.exec())
    }

    pub fn global<M: Global>(&self) -> Repo<'_, M, A, TxExec<'_, 'c>> {
        Repo::new(self.exec())
    }

    /// Raw SQL in this transaction (checked by the SQL guard, like [`TenantScope::raw`]).
    pub async fn raw(&self, query: RawSql) -> Result<Vec<Row>, Error> {
        crate::client::guard(query.sql, trato_sqlguard::Context::Scoped)?;
        self.exec().run(query.sql.to_string(), query.params).await
    }

    pub fn tenant(&self) -> &str {
        self.tenant
    }
}

impl Db {
    /// The repository of a global model (e.g. User) outside any tenant. Tenant-owned models have no such
    /// method: they are reached through a [`TenantScope`].
    pub fn repo<M: Global>(&self) -> Repo<'_, M, ReadWrite, GlobalExec<'_>> {
        Repo::new(GlobalExec { db: self })
    }
}

/// Raw SQL from a string literal with its parameters; made by [`sql!`](crate::sql).
pub struct RawSql {
    sql: &'static str,
    params: Vec<Param>,
}

impl std::fmt::Debug for RawSql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSql")
            .field("sql", &self.sql)
            .field("params", &self.params.len())
            .finish()
    }
}

impl RawSql {
    #[doc(hidden)]
    pub fn __literal(sql: &'static str, params: Vec<Param>) -> RawSql {
        RawSql { sql, params }
    }
}

/// Raw SQL with bound parameters: `sql!("SELECT * FROM deals WHERE stage = $1", stage)`. The statement must
/// be a string literal, so SQL cannot be assembled from runtime strings (user input goes in parameters),
/// and it is checked at compile time by the SQL guard: one data statement (SELECT, WITH, INSERT, UPDATE,
/// DELETE, MERGE, VALUES, TABLE) that neither changes a setting nor calls `set_config`, the data layer's
/// own functions or anything that runs a string as SQL; the `$n` placeholders must match the parameters.
#[macro_export]
macro_rules! sql {
    ($($input:tt)*) => {
        $crate::__private::__checked_sql!($crate, $($input)*)
    };
}

pub(crate) const SET_TENANT: &str = "SELECT trato_set_tenant($1)";

/// `SET LOCAL trato.tenant_id = '<tenant>'` (sent with `BEGIN` as one simple-protocol message), for tenant ids made only of
/// ASCII letters, digits, `_` and `-` (every generated id: cuid, uuid, nanoid, ulid): such a value cannot
/// close the quotes or carry anything but itself, so it needs no escaping. It costs the server one message
/// and no function call, where `SELECT trato_set_tenant($1)` (a bound parameter through plpgsql's `EXECUTE`)
/// costs an extended-protocol round of its own: about half of the binding's price in the benchmark. Any
/// other tenant id goes through the function. Both are `SET LOCAL`, so both are transaction-local and
/// forwarded by Citus.
pub(crate) fn set_local(tenant: &str) -> Option<String> {
    let plain = !tenant.is_empty()
        && tenant.len() <= 128
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    plain.then(|| {
        let mut sql = String::with_capacity(SET_LOCAL.len() + tenant.len() + 1);
        sql.push_str(SET_LOCAL);
        sql.push_str(tenant);
        sql.push('\'');
        sql
    })
}

/// The binding [`set_local`] writes, up to the tenant id.
const SET_LOCAL: &str = "SET LOCAL trato.tenant_id = '";

/// Where a repository's statements run.
pub trait Executor: Sync {
    /// The tenant statements must be restricted to, if any.
    fn tenant(&self) -> Option<&str>;
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
    db: &'a Db,
    tenant: &'a str,
    audit: Option<AuditCtx<'a>>,
    /// A read-only scope's statements run in `READ ONLY` transactions.
    read_only: bool,
}

impl Executor for ScopeExec<'_> {
    fn tenant(&self) -> Option<&str> {
        Some(self.tenant)
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
        run_scoped(self.db, self.tenant, self.read_only, sql, params, map)
    }
}

/// Inside a transaction (of a tenant scope: bound to its tenant by the first statement).
pub struct TxExec<'t, 'c> {
    tx: &'t Tx<'c>,
    tenant: Option<&'t str>,
    audit: Option<AuditCtx<'t>>,
    /// Set once the tenant's binding has been answered by the server in this transaction (`None`: nothing
    /// to bind).
    bound: Option<&'t AtomicBool>,
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
        let (Some(tenant), true) = (self.tenant, first) else {
            return statement.await;
        };
        let (binding, result) = match set_local(tenant) {
            Some(sql) => tokio::join!(self.tx.batch_internal(&sql), statement),
            None => {
                // Prepared first: a prepare on a cache miss would let an already prepared statement reach
                // the server before the binding's Bind/Execute.
                let set = self.tx.prepare(SET_TENANT).await?;
                let param: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&tenant];
                let (b, r) = tokio::join!(self.tx.query_prepared(&set, &param), statement);
                (b.map(drop), r)
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
        self.tenant
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
    db: &'a Db,
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

/// `BEGIN`, the tenant binding ([`set_local`], else `SELECT trato_set_tenant($1)`), the statement and
/// `COMMIT` in one round trip; the statement's rows are mapped as they arrive.
pub(crate) async fn run_scoped<T>(
    db: &Db,
    tenant: &str,
    read_only: bool,
    sql: impl AsRef<str>,
    params: Vec<Param>,
    map: impl FnMut(Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let sql = sql.as_ref();
    let conn = db.conn().await?;
    let client = &conn.obj;
    let ctx = &conn.shared.ctx;
    let started = std::time::Instant::now();
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
    let (begin, bound, result, commit) = match set_local(tenant) {
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
            let (set, stmt) = tokio::try_join!(client.prepare_cached(SET_TENANT), client.prepare_cached(sql))
                .map_err(|e| Error::from_pg(e, ctx))?;
            let tenant_param: &(dyn tokio_postgres::types::ToSql + Sync) = &tenant;
            let (begin, bound, result, commit) = tokio::join!(
                client.batch_execute(if read_only { "BEGIN READ ONLY" } else { "BEGIN" }),
                client.query(&set, std::slice::from_ref(&tenant_param)),
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
    use super::set_local;

    #[test]
    fn only_plain_tenant_ids_are_written_into_the_statement() {
        assert_eq!(
            set_local("clx1-ab_9").as_deref(),
            Some("SET LOCAL trato.tenant_id = 'clx1-ab_9'")
        );
        for odd in ["", "o'rg", "a b", "ü", "a\\b", "a;b", &"x".repeat(129)] {
            assert_eq!(set_local(odd), None, "{odd:?} must go through the bound function");
        }
    }
}
