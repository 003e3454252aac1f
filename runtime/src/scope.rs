//! Tenant scopes: the only way to reach tenant-owned data. A [`TenantScope`] is made by checking that a
//! user is a member of the organization ([`Db::scope`]), or by the [`SystemScope`], which takes a reason and
//! is audited. Its access level is a type: a `TenantScope<ReadOnly>` (a VIEWER) has no write methods at all.
//!
//! Every statement of a scope runs in a transaction that binds the tenant for row-level security with
//! `SELECT trato_set_tenant($1)` (a `SET LOCAL`, never a session `SET`); for a single statement the
//! `BEGIN`, the binding, the statement and the `COMMIT` are pipelined into one round trip.

use std::marker::PhantomData;
use std::sync::atomic::AtomicBool;

use tokio_postgres::Row;

use crate::client::{Db, Shared};
use crate::error::Error;
use crate::exec::{run_scoped, Binding, Executor, GlobalExec, ScopeExec, TxExec};
use crate::meta::{Global, TenantOwned, TenantRoot};
use crate::query::Param;
use crate::repo::Repo;
use crate::tx::{Tx, TxOptions};

/// Access level of a scope: [`ReadOnly`], [`ReadWrite`] or [`Manage`].
pub trait Access: Send + Sync + 'static {
    /// Whether scopes of this access may write.
    const WRITE: bool;
}

/// A VIEWER's scope: reads only.
#[derive(Debug, Clone, Copy)]
pub struct ReadOnly;
/// A scope that may write the models every writer may (those without `@@writableBy`).
#[derive(Debug, Clone, Copy)]
pub struct ReadWrite;
/// A scope that may also write the role-restricted models (`@@writableBy`): the membership's managing roles
/// (OWNER and ADMIN in our schema, [`MemberScope::manage`]) and the system scope.
#[derive(Debug, Clone, Copy)]
pub struct Manage;

impl Access for ReadOnly {
    const WRITE: bool = false;
}
impl Access for ReadWrite {
    const WRITE: bool = true;
}
impl Access for Manage {
    const WRITE: bool = true;
}

/// Whether a scope of this access may write `M`: checked by the compiler, so that a writer's scope has no
/// write methods for a role-restricted model. The database's role policies and the repository's run-time
/// check hold as well.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` scope cannot write `{M}`: only the roles of its `@@writableBy` may",
    label = "role-restricted model",
    note = "get a managing scope: `scope(&db, user_id, org_id).await?.manage()?` (an OWNER's or ADMIN's), or the system scope"
)]
pub trait CanWrite<M>: Access {}
impl<M: crate::meta::OpenWrite> CanWrite<M> for ReadWrite {}
impl<M: crate::meta::Writable> CanWrite<M> for Manage {}

/// What a write did, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A row was created.
    Create,
    /// A row was updated.
    Update,
    /// A row was deleted.
    Delete,
}

impl AuditAction {
    /// `create`, `update` or `delete`.
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
    /// The audit table.
    pub table: &'static str,
    /// Its tenant key column.
    pub tenant_column: &'static str,
    /// Its primary key column.
    pub id_column: &'static str,
    /// The column that says what happened.
    pub type_column: &'static str,
    /// The SQL type of `type_column` (for the cast), e.g. `"ActivityType"`.
    pub type_sql: &'static str,
    /// The column of a one-line description, e.g. `Task created`.
    pub description_column: &'static str,
    /// The `JSONB` column of the model, action, changed fields and the system scope's reason.
    pub metadata_column: &'static str,
    /// The column of the writer's user id (NULL for the system scope).
    pub actor_column: &'static str,
    /// The stored type of an event: `(model, action, changed columns)` -> e.g. `DEAL_STAGE_CHANGED`.
    pub kind: fn(&str, AuditAction, &[&str]) -> &'static str,
    /// `(model, column)`: audit rows of this model also point at the row through this column.
    pub links: &'static [(&'static str, &'static str)],
}

/// The audit sink, actor and reason of an execution context.
#[derive(Debug, Clone, Copy)]
pub struct AuditCtx<'a> {
    /// Where audit rows go.
    pub sink: &'static AuditSink,
    /// The member's user id.
    pub actor: Option<&'a str>,
    /// The system scope's reason.
    pub reason: Option<&'a str>,
}

/// The role the system scope binds: it may write whatever a member may.
pub const SYSTEM_ROLE: &str = "SYSTEM";

/// The membership model of a schema (e.g. OrganizationMember): how to find a user's role in a tenant.
pub trait Membership: TenantOwned {
    /// The membership table's column of the user's id.
    const USER_COLUMN: &'static str;
    /// The membership table's column of the role.
    const ROLE_COLUMN: &'static str;
    /// Whether members with this role (as stored, e.g. `VIEWER`) may write.
    fn role_can_write(role: &str) -> bool;
    /// Whether members with this role (as stored) may write the role-restricted models (`@@writableBy`):
    /// their scope is [`MemberScope::Manager`]. None by default.
    fn role_can_manage(role: &str) -> bool {
        let _ = role;
        false
    }
    /// The roles as stored, highest first, when the schema marks this model `@@membership` (the role enum's
    /// `DB_VALUES`): scopes then bind the member's role and user id with the tenant, for the database's
    /// role policies. Empty (the default): only the tenant is bound.
    const RANKS: &'static [&'static str] = &[];
    /// Where writes to `@@audit` models are recorded, if anywhere.
    fn audit_sink() -> Option<&'static AuditSink> {
        None
    }
}

/// The result of a membership check: the scope, typed by what the member may do.
#[derive(Debug, Clone)]
pub enum MemberScope {
    /// A managing role: writes everything, role-restricted models included.
    Manager(TenantScope<Manage>),
    /// A writer's scope (any role not read-only).
    Writer(TenantScope<ReadWrite>),
    /// A read-only role's scope.
    Reader(TenantScope<ReadOnly>),
}

impl MemberScope {
    /// Read access, whatever the role.
    pub fn read(&self) -> TenantScope<ReadOnly> {
        match self {
            MemberScope::Manager(s) => s.clone().access(),
            MemberScope::Writer(s) => s.clone().access(),
            MemberScope::Reader(s) => s.clone(),
        }
    }

    /// Write access (to the models every writer may write), or [`Error::Forbidden`] for a read-only role.
    pub fn write(self) -> Result<TenantScope<ReadWrite>, Error> {
        match self {
            MemberScope::Manager(s) => Ok(s.access()),
            MemberScope::Writer(s) => Ok(s),
            MemberScope::Reader(s) => Err(Error::Forbidden {
                reason: format!("role `{}` cannot write", s.role),
            }),
        }
    }

    /// Managing access (role-restricted models too), or [`Error::Forbidden`] for the other roles.
    pub fn manage(self) -> Result<TenantScope<Manage>, Error> {
        match self {
            MemberScope::Manager(s) => Ok(s),
            MemberScope::Writer(TenantScope { role, .. }) | MemberScope::Reader(TenantScope { role, .. }) => {
                Err(Error::Forbidden {
                    reason: format!("role `{role}` cannot manage the organization or its members"),
                })
            }
        }
    }

    /// The member's role, as stored (e.g. `ADMIN`).
    pub fn role(&self) -> &str {
        match self {
            MemberScope::Manager(s) => &s.role,
            MemberScope::Writer(s) => &s.role,
            MemberScope::Reader(s) => &s.role,
        }
    }
}

/// A membership model described at run time ([`Db::scope_untyped`]): what the `@@membership` of a schema
/// says, for a tool without generated code.
#[derive(Debug, Clone)]
pub struct UntypedMembership {
    /// The membership table, as SQL names it (quoted, schema-qualified when needed).
    pub table: String,
    /// Its tenant key column.
    pub tenant_column: String,
    /// The column holding the user's id.
    pub user_column: String,
    /// The column holding the role.
    pub role_column: String,
    /// Whether the schema ranks roles (`@@membership`): the scope then binds role and user with the tenant.
    pub ranked: bool,
    /// The roles whose scope only reads.
    pub read_only: Vec<String>,
    /// The roles that manage (those some `@@writableBy` lists).
    pub managers: Vec<String>,
}

/// Everything a scope knows: the pool, the tenant, who acts and with which role.
#[derive(Debug, Clone)]
pub struct TenantScope<A: Access = ReadWrite> {
    db: Db,
    tenant: String,
    actor: Option<String>,
    role: String,
    /// Whether role and user are bound with the tenant ([`Membership::RANKS`] is not empty).
    member: bool,
    reason: Option<String>,
    audit: Option<&'static AuditSink>,
    _a: PhantomData<A>,
}

impl Db {
    /// Checks that `user_id` is a member of `tenant_id` (through the membership model `M`) and returns a
    /// scope typed by the member's role. Not a member: [`Error::Forbidden`].
    pub async fn scope<M: Membership>(&self, user_id: &str, tenant_id: &str) -> Result<MemberScope, Error> {
        let meta = M::META;
        let key = meta
            .tenant_key()
            .ok_or_else(|| Error::Config(format!("{} is not tenant-owned", meta.name)))?;
        let spec = UntypedMembership {
            table: meta.sql_table(),
            tenant_column: key.to_string(),
            user_column: M::USER_COLUMN.to_string(),
            role_column: M::ROLE_COLUMN.to_string(),
            ranked: !M::RANKS.is_empty(),
            read_only: Vec::new(),
            managers: Vec::new(),
        };
        self.member_scope(
            &spec,
            user_id,
            tenant_id,
            &M::role_can_manage,
            &M::role_can_write,
            M::audit_sink(),
        )
        .await
    }

    /// [`Db::scope`] for a tool that reads the schema at run time (Studio's "act as member"): the membership
    /// described by `spec` instead of a generated type. No audit sink: the tool writes its own audit rows.
    pub async fn scope_untyped(
        &self,
        spec: &UntypedMembership,
        user_id: &str,
        tenant_id: &str,
    ) -> Result<MemberScope, Error> {
        let manage = |role: &str| spec.managers.iter().any(|r| r == role);
        let write = |role: &str| !spec.read_only.iter().any(|r| r == role);
        self.member_scope(spec, user_id, tenant_id, &manage, &write, None).await
    }

    async fn member_scope(
        &self,
        spec: &UntypedMembership,
        user_id: &str,
        tenant_id: &str,
        can_manage: &(dyn Fn(&str) -> bool + Sync),
        can_write: &(dyn Fn(&str) -> bool + Sync),
        audit: Option<&'static AuditSink>,
    ) -> Result<MemberScope, Error> {
        self.ensure_application_role().await?;
        let sql = format!(
            "SELECT {role}::text FROM {table} WHERE {key} = $1 AND {user} = $2",
            role = crate::query::q(&spec.role_column),
            table = spec.table,
            key = crate::query::q(&spec.tenant_column),
            user = crate::query::q(&spec.user_column),
        );
        let rows = run_scoped(
            self,
            &Binding::tenant(tenant_id),
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
            member: spec.ranked,
            reason: None,
            audit,
            _a: PhantomData,
        };
        Ok(if can_manage(&role) {
            MemberScope::Manager(scope(role).access())
        } else if can_write(&role) {
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
            member: !M::RANKS.is_empty(),
        }
    }

    /// [`Db::system`] for a tool that reads the schema at run time instead of generated code (Studio): no
    /// membership type, so no audit sink (the tool writes its own audit rows); `member` says whether the
    /// schema has `@@membership` (then role and user are bound with the tenant, as for every scope).
    pub fn system_untyped(&self, reason: &str, member: bool) -> SystemScope {
        SystemScope {
            db: self.clone(),
            reason: reason.to_string(),
            audit: None,
            member,
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
                                         WHERE n.nspname = current_schema() AND c.relowner = r.oid AND c.relkind = 'r')
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
    member: bool,
}

impl SystemScope {
    /// Enters `tenant_id` with write access, recording the reason. A blank reason is refused
    /// ([`Error::Forbidden`]): it is what the audit rows of every write say about why.
    pub async fn tenant(&self, tenant_id: &str) -> Result<TenantScope<Manage>, Error> {
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
            role: SYSTEM_ROLE.into(),
            member: self.member,
            reason: Some(self.reason.clone()),
            audit: self.audit,
            _a: PhantomData,
        })
    }

    /// Why the system scope was opened (logged, and recorded in its audit rows).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Global models, from the system scope.
    pub fn repo<M: Global>(&self) -> Repo<'_, M, ReadWrite, GlobalExec<'_>> {
        Repo::new(GlobalExec { db: &self.db })
    }

    /// The pool the scope runs on.
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

    /// The pool the scope runs on.
    pub fn db(&self) -> &Db {
        &self.db
    }

    fn binding(&self) -> Binding<'_> {
        Binding {
            tenant: &self.tenant,
            role: &self.role,
            user: self.actor.as_deref(),
            member: self.member,
        }
    }

    fn exec(&self) -> ScopeExec<'_> {
        ScopeExec {
            db: &self.db,
            binding: self.binding(),
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
        self.access()
    }

    /// The same scope with access `B` (only ever narrowed outside this module).
    fn access<B: Access>(self) -> TenantScope<B> {
        TenantScope {
            db: self.db,
            tenant: self.tenant,
            actor: self.actor,
            role: self.role,
            member: self.member,
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
    /// and, for SQL that did not come through `sql!`, again here.
    pub async fn raw(&self, query: RawSql) -> Result<Vec<Row>, Error> {
        query.guard()?;
        run_scoped(&self.db, &self.binding(), !A::WRITE, &query.sql, query.params, Ok).await
    }

    /// Runs `f` in one transaction bound to this tenant: every repository of the closure's handle sees one
    /// transaction, committed when `f` returns `Ok`, rolled back on `Err` or panic, retried on
    /// serialization failures. A read-only scope's transaction is `READ ONLY` whatever `opts` says.
    pub async fn transaction<T, F>(&self, mut opts: TxOptions, mut f: F) -> Result<T, Error>
    where
        F: AsyncFnMut(&mut ScopedTx<'_, '_, A>) -> Result<T, Error>,
    {
        opts.read_only |= !A::WRITE;
        let binding = self.binding();
        let audit = self.audit_ctx();
        self.db
            .transaction(opts, async |tx| {
                // The tenant is bound by the first statement, pipelined with it (one round trip fewer).
                let bound = AtomicBool::new(false);
                let mut scoped = ScopedTx {
                    tx,
                    binding,
                    audit,
                    bound: &bound,
                    _a: PhantomData,
                };
                f(&mut scoped).await
            })
            .await
    }
}

impl<A: Access> TenantScope<A> {
    /// Creates `input` with its nested writes in one transaction: children created
    /// (`Deal::DOCUMENTS.create(vec![...])`, one bulk insert with their foreign key set to the parent),
    /// existing rows connected (`Deal::DOCUMENTS.connect(ids)`) or linked through a many-to-many relation
    /// (`Task::LABELS.connect(ids)`), or a tuple of these. Returns the parent and what each write returned;
    /// on any error (another tenant's id included) nothing is written.
    pub async fn create_with<M, N>(&self, input: M::Create, nested: N) -> Result<(M, N::Out), Error>
    where
        M: TenantOwned,
        A: CanWrite<M>,
        N: crate::NestedWrite<M, A> + Clone + Sync + 'static,
        M::Create: Clone,
    {
        // The boxed form, so that the call is `Send` (in `tokio::spawn`, web handlers).
        self.transaction_boxed(TxOptions::default(), |tx| {
            let (input, nested) = (input.clone(), nested.clone());
            Box::pin(async move { tx.repo::<M>().create_with(input, nested).await })
        })
        .await
    }

    /// [`TenantScope::transaction`] with a closure that returns a boxed `Send` future, so that the whole call
    /// is `Send`: for `tokio::spawn` and web handlers (an async closure's future is not `Send` for every
    /// lifetime with today's compiler).
    /// `scope.transaction_boxed(opts, |tx| Box::pin(async move { tx.repo::<Deal>().count(Filter::all()).await }))`.
    pub async fn transaction_boxed<T, F>(&self, mut opts: TxOptions, mut f: F) -> Result<T, Error>
    where
        T: Send,
        F: for<'s, 't, 'c> FnMut(&'s mut ScopedTx<'t, 'c, A>) -> crate::tx::TxFuture<'s, T> + Send,
    {
        opts.read_only |= !A::WRITE;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = async {
                let mut conn = self.db.conn().await?;
                let mut tx = crate::tx::begin(&mut conn, opts).await?;
                let bound = AtomicBool::new(false);
                let mut scoped = ScopedTx {
                    tx: &mut tx,
                    binding: self.binding(),
                    audit: self.audit_ctx(),
                    bound: &bound,
                    _a: PhantomData,
                };
                let result = f(&mut scoped).await;
                crate::tx::finish(tx, result).await
            }
            .await;
            if let Some(result) = crate::tx::retry_or_return(result, attempt, opts).await {
                return result;
            }
        }
    }
}

/// A transaction of a tenant scope, lent to the closure of [`TenantScope::transaction`].
pub struct ScopedTx<'t, 'c, A: Access> {
    tx: &'t mut Tx<'c>,
    binding: Binding<'t>,
    audit: Option<AuditCtx<'t>>,
    /// Whether the tenant is bound yet: the first statement sends the binding ahead of itself.
    bound: &'t AtomicBool,
    _a: PhantomData<A>,
}

impl<A: Access> std::fmt::Debug for ScopedTx<'_, '_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedTx")
            .field("tenant", &self.binding.tenant)
            .finish()
    }
}

impl<'c, A: Access> ScopedTx<'_, 'c, A> {
    fn exec(&self) -> TxExec<'_, 'c> {
        TxExec {
            tx: self.tx,
            binding: Some(self.binding),
            audit: self.audit,
            bound: Some(self.bound),
        }
    }

    /// A repository of a tenant-owned model, in this transaction.
    pub fn repo<M: TenantOwned>(&self) -> Repo<'_, M, A, TxExec<'_, 'c>> {
        Repo::new(self.exec())
    }

    /// The repository of the tenant root (this tenant's row only), in this transaction.
    pub fn root<M: TenantRoot>(&self) -> Repo<'_, M, A, TxExec<'_, 'c>> {
        Repo::new(self.exec())
    }

    /// A repository of a global model, in this transaction.
    pub fn global<M: Global>(&self) -> Repo<'_, M, A, TxExec<'_, 'c>> {
        Repo::new(self.exec())
    }

    /// Raw SQL in this transaction (checked by the SQL guard, like [`TenantScope::raw`]).
    pub async fn raw(&self, query: RawSql) -> Result<Vec<Row>, Error> {
        query.guard()?;
        self.exec().run(query.sql.to_string(), query.params).await
    }

    /// The tenant this transaction is bound to.
    pub fn tenant(&self) -> &str {
        self.binding.tenant
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
    sql: std::borrow::Cow<'static, str>,
    params: Vec<Param>,
    /// Checked by the SQL guard at compile time (made by `sql!`): the same check is not run again.
    checked: bool,
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
    /// Raw SQL the guard has not seen: checked when it runs.
    #[doc(hidden)]
    pub fn __literal(sql: &'static str, params: Vec<Param>) -> RawSql {
        RawSql {
            sql: sql.into(),
            params,
            checked: false,
        }
    }

    /// SQL built at run time by a tool that reads the schema instead of generated code (Studio writes
    /// quoted identifiers from the schema and binds every value): checked by the guard when it runs, like
    /// [`RawSql::__literal`]. Application code has `sql!` and `query_as!`.
    #[doc(hidden)]
    pub fn __dynamic(sql: String, params: Vec<Param>) -> RawSql {
        RawSql {
            sql: sql.into(),
            params,
            checked: false,
        }
    }

    /// What `sql!` expands to, after the guard accepted the literal at compile time.
    #[doc(hidden)]
    pub fn __checked(sql: &'static str, params: Vec<Param>) -> RawSql {
        RawSql {
            sql: sql.into(),
            params,
            checked: true,
        }
    }

    /// Runs the guard unless `sql!` already did (same checker, same text: the same answer).
    fn guard(&self) -> Result<(), Error> {
        if self.checked {
            return Ok(());
        }
        crate::client::guard(&self.sql, trato_sqlguard::Context::Scoped)
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
