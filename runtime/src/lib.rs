//! Runtime of the Trato Hive data layer. Generic: it knows no particular schema.
//!
//! - [`Db`]: the pooled client (deadpool-postgres), a process-wide singleton from `DATABASE_URL`
//!   ([`Db::global`]) or built from a [`DbConfig`]; TLS through rustls (ring).
//! - [`Db::transaction`]: closure-based transactions with retries and savepoints ([`Tx`]).
//! - [`Error`]: the one error type; passwords never appear in it.
//! - [`Model`], [`ModelMeta`]: what the derive macros record about each generated model.
//! - `__private`: what generated code and macro output reach, behind one path.
//!
//! The plain client, as a request handler uses it (the future is `Send`, so it can be spawned):
//!
//! ```no_run
//! use trato_hive_runtime::{Db, DbConfig, TxOptions};
//!
//! # async fn handler() -> trato_hive_runtime::Result<()> {
//! let db = Db::connect(DbConfig::from_env()?)?; // DATABASE_URL, or .env
//! let answer = tokio::spawn(async move {
//!     db.transaction_boxed(TxOptions::default(), |tx| {
//!         Box::pin(async move { Ok(tx.query_one("SELECT 40 + 2", &[]).await?.get::<_, i32>(0)) })
//!     })
//!     .await
//! })
//! .await
//! .expect("joined")?;
//! assert_eq!(answer, 42);
//! # Ok(())
//! # }
//! ```
//!
//! Raw SQL in a tenant scope is a checked literal: this does not compile, because it would re-bind the
//! tenant.
//!
//! ```compile_fail
//! let _ = trato_hive_runtime::sql!("SELECT set_config('trato.tenant_id', $1, true)", "org_b");
//! ```
//!
//! ```
//! let q = trato_hive_runtime::sql!("SELECT * FROM deals WHERE stage = $1", "CLOSING");
//! assert!(format!("{q:?}").contains("params: 1"));
//! ```

mod app_roles;
mod client;
mod config;
mod error;
mod exec;
mod filters;
pub mod ids;
pub mod introspect;
mod member;
mod meta;
pub mod migrate;
mod page;
mod query;
mod repo;
mod scope;
mod tls;
mod tx;
mod typed;
mod unique;

pub use client::{Conn, Db, Params, PoolStatus};
pub use config::{env_var, log_directives, redact_url, DbConfig, Recycle, SslMode};
pub use error::{Cause, Error, Result};
pub use exec::{Binding, Executor, GlobalExec, ScopeExec, TxExec};
pub use meta::*;
pub use migrate::{Migration, MigrationProblem, MigrationStatus, Migrator};
pub use page::{CursorKey, CursorPage, Direction, Page};
pub use query::{escape_like, Case, Col, Filter, IntoQuery, NullableCol, Order, Param, Query};
pub use repo::aggregate;
pub use repo::{
    Assign, ColRef, Include, Nested, NestedConnect, NestedCreate, NestedLink, NestedWrite, Numeric, ReadFuture,
    RelCount, RelMany, RelManyQuery, RelOne, RelThrough, Repo, Selection,
};
pub use scope::{
    Access, AuditAction, AuditCtx, AuditSink, CanWrite, Manage, MemberScope, Membership, RawSql, ReadOnly, ReadWrite,
    ScopedTx, SystemScope, TenantScope, UntypedMembership, SYSTEM_ROLE,
};
pub use tokio_postgres::Row;
pub use trato_macros::{Model, PgEnum, Select};
pub use tx::{IsolationLevel, Tx, TxOptions};
pub use typed::TypedSql;
pub use unique::{Unique, UniqueWhere};

/// The driver, for code that works on a detached connection (`Conn::detach`).
pub use tokio_postgres;
/// Re-exported so that applications name the same version this crate uses.
pub use tokio_postgres::types::ToSql;
/// The crates whose types generated models expose (timestamps, decimals, UUIDs, JSON), re-exported so that
/// an application names the same versions without listing them itself (`trato_hive_db::runtime::chrono`).
pub use {chrono, rust_decimal, serde_json, uuid};

/// What generated code and macro output need, behind one path, so that a crate holding generated code
/// depends on this crate alone. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use bytes;
    pub use chrono;
    pub use postgres_types;
    pub use rust_decimal;
    pub use serde;
    pub use serde_json;
    pub use uuid;

    pub use crate::meta::{enum_from_str_error, NoInput};
    pub use crate::query::Param;
    pub use crate::typed::{column, has_column, typed_column};
    pub use tokio_postgres::Row;
    pub use trato_macros::{__checked_sql, __typed_sql};
}
