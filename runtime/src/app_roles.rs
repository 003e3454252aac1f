//! The roles an application connects as. `trato_app` (created by the first migration) owns nothing, cannot
//! bypass row-level security and holds the table privileges; it is one role for the whole server, as every
//! PostgreSQL role is. What keeps a login role made for one application's database out of another's is the
//! database's CONNECT privilege: every deploy revokes it from PUBLIC and grants it (with TEMPORARY) to a
//! role of this database alone, `trato_app@<database>`, which the application's login roles are members of
//! (`Migrator::create_app_login`). Superusers and the database's owner keep their access.

use crate::config::DbConfig;
use crate::error::Error;
use crate::migrate::{Migrator, Session};

/// `"..."` with inner quotes doubled.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The name of the role that may connect to `database`.
fn connect_role(database: &str) -> Result<String, Error> {
    let role = format!("trato_app@{database}");
    if role.len() > 63 {
        return Err(Error::Config(format!(
            "the database name `{database}` is too long for its application role `{role}` (PostgreSQL keeps 63 bytes)"
        )));
    }
    Ok(role)
}

async fn current_database(session: &Session) -> Result<(String, bool), Error> {
    let row = session
        .client
        .query_one(
            "SELECT current_database(), EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'trato_app')",
            &[],
        )
        .await
        .map_err(|e| session.err(e))?;
    Ok((row.get(0), row.get(1)))
}

/// Restricts CONNECT and TEMPORARY on the current database to `trato_app@<database>` (and, implicitly, its
/// owner and superusers), when the schema uses the application role. Idempotent; run by every deploy.
/// Returns the database's name.
pub(crate) async fn restrict_connect(session: &Session) -> Result<String, Error> {
    let (database, tenancy) = current_database(session).await?;
    if !tenancy {
        return Ok(database);
    }
    let role = connect_role(&database)?;
    let literal = role.replace('\'', "''");
    session
        .batch(&format!(
            "DO $trato$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN
                 CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
               END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $trato$;
             REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC;
             GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role};",
            role = ident(&role),
            db = ident(&database),
        ))
        .await?;
    Ok(database)
}

impl Migrator {
    /// Creates a login role for the application on this database, unless one of that name exists, and makes
    /// it a member of `trato_app` (the table privileges) and of `trato_app@<database>` (the right to
    /// connect here, and nowhere else). Runs as the migrator (an owner with CREATEROLE, or a superuser); the
    /// application's own client refuses role changes and DO blocks.
    pub async fn create_app_login(cfg: &DbConfig, name: &str, password: &str) -> Result<(), Error> {
        if password.contains("$trato$") {
            return Err(Error::Config("the password may not contain `$trato$`".into()));
        }
        let session = Session::open(cfg, crate::migrate::HISTORY_TABLE).await?;
        let database = restrict_connect(&session).await?;
        let (login, connect) = (ident(name), ident(&connect_role(&database)?));
        let password = password.replace('\'', "''");
        session
            .batch(&format!(
                "DO $trato$ BEGIN CREATE ROLE {login} LOGIN PASSWORD '{password}' IN ROLE trato_app; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $trato$; \
                 GRANT {connect} TO {login};"
            ))
            .await
    }

    /// [`Migrator::create_app_login`], and the password set to `password` when the role already existed: for
    /// a tool that creates its own login on each start with a fresh password (Studio).
    pub async fn reset_app_login(cfg: &DbConfig, name: &str, password: &str) -> Result<(), Error> {
        Self::create_app_login(cfg, name, password).await?;
        let session = Session::open(cfg, crate::migrate::HISTORY_TABLE).await?;
        let password = password.replace('\'', "''");
        session
            .batch(&format!("ALTER ROLE {} PASSWORD '{password}'", ident(name)))
            .await
    }
}
