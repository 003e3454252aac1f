//! The one error type of the runtime. Server errors are classified (unique, foreign key, check, not null,
//! serialization), connection failures say which server could not be reached and what to check, and no
//! message ever holds the password.

use std::time::Duration;

/// `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration (usually `DATABASE_URL`) is missing or malformed.
    #[error("database configuration: {0}")]
    Config(String),

    /// No connection could be opened (refused, DNS, timeout): Prisma's P1001. Why is its
    /// [`source`](std::error::Error::source), a [`Cause`] (`{:#}` with anyhow prints both).
    #[error("Can't reach database server at `{host_port}` (check that PostgreSQL is running there and that DATABASE_URL or DIRECT_URL names the right host and port)")]
    Unreachable {
        /// The server, as `host:port`.
        host_port: String,
        /// Why (refused, timed out, no such host).
        #[source]
        cause: Cause,
    },

    /// The server refused the credentials.
    #[error("authentication failed for user `{user}` at `{host_port}`: {message}\nhint: check the user and password in DATABASE_URL")]
    Auth {
        /// The user that was refused.
        user: String,
        /// The server, as `host:port`.
        host_port: String,
        /// The server's message (never holding the password).
        message: String,
    },

    /// TLS could not be set up or the server's certificate was not accepted; why is its
    /// [`source`](std::error::Error::source), a [`Cause`].
    #[error("TLS error with `{host_port}`")]
    Tls {
        /// The server, as `host:port`.
        host_port: String,
        /// Why (no CA certificate, an unknown issuer, another host name).
        #[source]
        cause: Cause,
    },

    /// Every pooled connection stayed busy for the whole `pool_timeout`: Prisma's P2024.
    #[error("timed out after {waited:?} waiting for a connection from the pool (connection_limit = {limit}); raise connection_limit or pool_timeout, or hold connections for less time")]
    PoolTimeout {
        /// How long the checkout waited (`pool_timeout`).
        waited: Duration,
        /// The pool's size (`connection_limit`).
        limit: usize,
    },

    /// The client was closed.
    #[error("the database client is closed")]
    Closed,

    /// A row that had to exist does not (e.g. update by id of a missing row): Prisma's P2025.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `Deal clx1...`.
        what: String,
    },

    /// A unique constraint refused the write: Prisma's P2002.
    #[error("unique constraint `{}` failed on ({})", constraint.as_deref().unwrap_or("?"), fields.join(", "))]
    UniqueViolation {
        /// The constraint's name.
        constraint: Option<String>,
        /// The table written.
        table: Option<String>,
        /// The constraint's columns (from the schema's metadata when the server leaves them out, as it
        /// does under row-level security); never their values, which may be personal data.
        fields: Vec<String>,
    },

    /// A foreign key refused the write (the referenced row is missing, or still referenced): Prisma's P2003.
    #[error("foreign key constraint `{}` failed on ({})", constraint.as_deref().unwrap_or("?"), fields.join(", "))]
    ForeignKeyViolation {
        /// The constraint's name.
        constraint: Option<String>,
        /// The table written.
        table: Option<String>,
        /// The foreign key's columns (never their values).
        fields: Vec<String>,
    },

    /// A check constraint refused the write.
    #[error("check constraint `{}` failed on table `{}`", constraint.as_deref().unwrap_or("?"), table.as_deref().unwrap_or("?"))]
    CheckViolation {
        /// The constraint's name.
        constraint: Option<String>,
        /// The table written.
        table: Option<String>,
    },

    /// A required column got no value.
    #[error("column `{}` of `{}` cannot be null", column.as_deref().unwrap_or("?"), table.as_deref().unwrap_or("?"))]
    NotNullViolation {
        /// The column left empty.
        column: Option<String>,
        /// The table written.
        table: Option<String>,
    },

    /// A transaction kept failing with serialization failures or deadlocks after every retry.
    #[error("transaction failed after {attempts} attempt(s) because of concurrent updates ({code}); retry later")]
    SerializationFailure {
        /// How many times the transaction ran.
        attempts: u32,
        /// The last SQLSTATE: `40001` (serialization failure) or `40P01` (deadlock).
        code: String,
    },

    /// Any other error the server reported.
    #[error("database error {code}: {message}")]
    Database {
        /// The SQLSTATE, e.g. `42P01`.
        code: String,
        /// The server's message (never holding the password).
        message: String,
    },

    /// A pagination cursor that was tampered with, or made for another tenant, model or order.
    #[error("invalid cursor: it was altered, or it belongs to another organization or query")]
    InvalidCursor,

    /// The caller may not do this (not a member, a read-only role, no tenant in this context).
    #[error("forbidden: {reason}")]
    Forbidden {
        /// What was refused, and why.
        reason: String,
    },

    /// The SQL guard refused a statement of application code before it reached the server: it would touch
    /// the tenant binding, change the role, control a scope's transaction, or run code the guard cannot see.
    #[error("refused SQL: {reason} (at `{near}`)")]
    RefusedSql {
        /// What the statement would have done.
        reason: String,
        /// The part of the statement the guard stopped at.
        near: String,
    },

    /// The connected role could bypass row-level security, so scopes refuse to work with it.
    #[error("refusing to run tenant scopes as `{user}`, which {reason}: connect as a login role of `trato_app` (it owns nothing and cannot bypass row-level security)")]
    UnsafeRole {
        /// The connected role.
        user: String,
        /// What it may do that scopes cannot allow (a superuser, BYPASSRLS, owns tables).
        reason: String,
    },

    /// The migrations here and the history in the database disagree; nothing was applied.
    #[error("migrations are inconsistent with the database; nothing was applied:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    MigrationsInconsistent(Vec<crate::migrate::MigrationProblem>),

    /// A migration (or a `down.sql`) failed at one statement. Its transaction was rolled back; what
    /// stays applied (earlier parts, statements outside a transaction) `state` says. Why is its
    /// [`source`](std::error::Error::source) (printed once by `{:#}` with anyhow, or by walking the chain).
    #[error("migration `{name}` failed at {file}:{line} (`{statement}`); {state}")]
    MigrationFailed {
        /// The migration's folder name.
        name: String,
        /// `migration.sql` or `down.sql`.
        file: String,
        /// The line of the file the failing statement starts on.
        line: usize,
        /// The failing statement's first line.
        statement: String,
        /// What the failure left: "rolled back", or which earlier parts stay applied and where `migrate
        /// deploy` resumes.
        state: String,
        /// Why it failed.
        source: Box<Error>,
    },

    /// Any other migration problem (unreadable files, no down.sql, ...).
    #[error("migration: {0}")]
    Migration(String),

    /// The connection broke or a value could not be converted.
    #[error("database connection error: {0}")]
    Connection(String),
}

impl Error {
    /// SQLSTATE 40001 (serialization failure) or 40P01 (deadlock): the transaction can simply be retried.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Database { code, .. } if code == "40001" || code == "40P01")
    }

    /// The SQLSTATE of a server error, when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::UniqueViolation { .. } => Some("23505"),
            Error::ForeignKeyViolation { .. } => Some("23503"),
            Error::CheckViolation { .. } => Some("23514"),
            Error::NotNullViolation { .. } => Some("23502"),
            Error::Database { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Classifies a tokio-postgres error. `host_port`, `user` and `password` come from the configuration,
    /// the password only to scrub it from any message.
    pub(crate) fn from_pg(e: tokio_postgres::Error, ctx: &ErrorContext) -> Error {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code().to_string();
            let constraint = db.constraint().map(str::to_string);
            let table = db.table().map(str::to_string);
            return match code.as_str() {
                "23505" => Error::UniqueViolation {
                    constraint,
                    table,
                    fields: key_fields(db.detail()),
                },
                "23503" => Error::ForeignKeyViolation {
                    constraint,
                    table,
                    fields: key_fields(db.detail()),
                },
                "23514" => Error::CheckViolation { constraint, table },
                "23502" => Error::NotNullViolation {
                    column: db.column().map(str::to_string),
                    table,
                },
                "28P01" | "28000" => Error::Auth {
                    user: ctx.user.clone(),
                    host_port: ctx.host_port.clone(),
                    message: ctx.scrub(db.message()),
                },
                _ => Error::Database {
                    code,
                    message: ctx.scrub(db.message()),
                },
            };
        }
        let text = ctx.scrub(&error_chain(&e));
        let lower = text.to_lowercase();
        if lower.contains("tls") || lower.contains("certificate") || lower.contains("ssl") {
            return Error::Tls {
                host_port: ctx.host_port.clone(),
                cause: Cause::of(text, &e),
            };
        }
        if lower.contains("error connecting")
            || lower.contains("timed out")
            || lower.contains("connection refused")
            || lower.contains("failed to lookup")
        {
            return Error::Unreachable {
                host_port: ctx.host_port.clone(),
                cause: Cause::of(text, &e),
            };
        }
        Error::Connection(text)
    }
}

/// The underlying failure of an [`Error::Unreachable`] or [`Error::Tls`]: the driver's message with its own
/// causes (the password scrubbed from it, which is why the driver's error itself is not kept), and for an
/// I/O failure its kind, for code that reacts to one (`ConnectionRefused`, `TimedOut`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    message: String,
    io_kind: Option<std::io::ErrorKind>,
}

impl Cause {
    /// A cause with this message and no I/O kind.
    pub fn new(message: impl Into<String>) -> Cause {
        Cause {
            message: message.into(),
            io_kind: None,
        }
    }

    /// `message` (already scrubbed), with the I/O kind found in `e`'s chain.
    fn of(message: String, e: &(dyn std::error::Error + 'static)) -> Cause {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut io_kind = None;
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                io_kind = Some(io.kind());
                break;
            }
            source = s.source();
        }
        Cause { message, io_kind }
    }

    /// The kind of the I/O error underneath, when there is one.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        self.io_kind
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {}

/// What error classification needs to know about the connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorContext {
    pub host_port: String,
    pub user: String,
    pub password: Option<String>,
}

impl ErrorContext {
    /// What errors on connections made from `cfg` may say: where and who, and the password to scrub.
    pub fn of(cfg: &crate::config::DbConfig) -> Self {
        ErrorContext {
            host_port: cfg.host_port(),
            user: cfg.user().to_string(),
            password: cfg.password(),
        }
    }

    pub fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) if p.len() >= 3 => text.replace(p.as_str(), "***"),
            _ => text.to_string(),
        }
    }
}

/// The error and its sources, joined: tokio-postgres puts the useful part (e.g. "Connection refused") in
/// the source.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Column names from a constraint violation's detail: `Key (organization_id, slug)=(...) already exists.`
/// The values are not kept: they may be personal data.
fn key_fields(detail: Option<&str>) -> Vec<String> {
    let Some(detail) = detail else { return Vec::new() };
    let Some(start) = detail.find("Key (") else {
        return Vec::new();
    };
    let rest = &detail[start + 5..];
    let Some(end) = rest.find(")=") else { return Vec::new() };
    rest[..end]
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_fields_from_detail() {
        assert_eq!(
            key_fields(Some("Key (organization_id, slug)=(a, b) already exists.")),
            ["organization_id", "slug"]
        );
        assert_eq!(
            key_fields(Some("Key (\"userId\")=(x) is not present in table \"users\".")),
            ["userId"]
        );
        assert!(key_fields(None).is_empty());
        assert!(key_fields(Some("nothing here")).is_empty());
    }

    #[test]
    fn retryable_codes() {
        assert!(Error::Database {
            code: "40001".into(),
            message: String::new()
        }
        .is_retryable());
        assert!(Error::Database {
            code: "40P01".into(),
            message: String::new()
        }
        .is_retryable());
        assert!(!Error::Database {
            code: "23505".into(),
            message: String::new()
        }
        .is_retryable());
    }
}
