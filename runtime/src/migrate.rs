//! The migrator: applies versioned migrations (embedded at compile time, or read from a folder) with a
//! history table holding each migration's SHA-256. One migrator at a time: an advisory lock held on a
//! dedicated connection (DIRECT_URL when set), on which each migration and its history row run in one
//! transaction. An edited, missing or out-of-order migration is reported and nothing is applied.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::config::DbConfig;
use crate::error::{Error, ErrorContext};

/// The history table, unless the migrator is given another ([`Migrator::history_table`]).
pub const HISTORY_TABLE: &str = "_trato_migrations";
/// First line of a migration whose statements cannot run in a transaction (e.g. CREATE INDEX CONCURRENTLY).
pub const NO_TRANSACTION_MARKER: &str = "-- trato:no-transaction";
/// First line of a `down.sql` that cannot undo its migration.
pub const IRREVERSIBLE_MARKER: &str = "-- trato:irreversible";
/// The advisory lock key ("trato_mg").
const LOCK_KEY: i64 = 0x7472_6174_6f5f_6d67;

/// A migration as embedded by generated code: `schema/migrations/<name>/migration.sql` and `down.sql`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The folder name, `<timestamp>_<name>`: the order migrations apply in.
    pub name: &'static str,
    /// `migration.sql`.
    pub up: &'static str,
    /// `down.sql`, when the migration can be rolled back.
    pub down: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Local {
    name: String,
    up: String,
    down: Option<String>,
    checksum: String,
}

/// What is wrong between the migrations here and the history in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationProblem {
    /// Applied, then its file changed.
    Edited {
        /// The migration's folder name.
        name: String,
    },
    /// Applied in the database, no longer here.
    Missing {
        /// The migration's folder name.
        name: String,
    },
    /// Not applied, but older than one that is: it was added behind the database's back.
    OutOfOrder {
        /// The migration's folder name.
        name: String,
        /// The newest applied migration, which sorts after it.
        after: String,
    },
}

impl fmt::Display for MigrationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrationProblem::Edited { name } => write!(f, "migration `{name}` was edited after it was applied (its checksum differs); never edit an applied migration: revert the edit and add a new migration"),
            MigrationProblem::Missing { name } => write!(f, "migration `{name}` is applied in the database but missing here; restore it from version control"),
            MigrationProblem::OutOfOrder { name, after } => write!(f, "migration `{name}` is not applied but is older than the applied `{after}`; give it a newer timestamp"),
        }
    }
}

/// The state of each migration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationStatus {
    /// Applied, oldest first.
    pub applied: Vec<String>,
    /// Not applied yet, oldest first.
    pub pending: Vec<String>,
    /// Disagreements between the history and the migrations (nothing is applied while there is one).
    pub problems: Vec<MigrationProblem>,
}

/// Applies, inspects and rolls back a set of migrations.
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: Vec<Local>,
    /// The history table's name (unquoted).
    history: String,
    /// The PostgreSQL schemas the migrations create besides the connection's (multi-schema): `reset`
    /// drops them too.
    schemas: Vec<String>,
}

/// `name` as a quoted SQL identifier (`"a""b"` for `a"b`): safe whatever it holds.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statements that drop the connection's schema (the URL's `schema` parameter, else `public`) with
/// everything in it and create it empty: what `reset` and `db push --force-reset` run.
pub fn recreate_schema_sql(cfg: &DbConfig) -> String {
    recreate_schemas_sql(cfg, &[])
}

/// [`recreate_schema_sql`], also dropping `others` (a multi-schema datasource's list; the migrations
/// create them again).
pub fn recreate_schemas_sql(cfg: &DbConfig, others: &[String]) -> String {
    let own = cfg.schema.as_deref().unwrap_or("public");
    let mut sql = String::new();
    for other in others.iter().filter(|s| *s != own) {
        sql.push_str(&format!("DROP SCHEMA IF EXISTS {} CASCADE; ", quote_ident(other)));
    }
    let quoted = quote_ident(own);
    sql.push_str(&format!(
        "DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted};"
    ));
    if own == "public" {
        // As a new database has it (PostgreSQL 15+): everyone may use `public`, nobody else may create in
        // it. Without this, a reset database would differ from a fresh one (drift sees grants).
        sql.push_str(" GRANT USAGE ON SCHEMA public TO PUBLIC;");
    }
    sql
}

/// The SHA-256 of a migration's SQL, in hex: what the history records.
pub fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Migrator {
    /// A migrator of migrations embedded in the binary (the generated `MIGRATIONS`).
    pub fn new(embedded: &[Migration]) -> Migrator {
        let mut migrations: Vec<Local> = embedded
            .iter()
            .map(|m| Local {
                name: m.name.into(),
                up: m.up.into(),
                down: m.down.map(str::to_string),
                checksum: checksum(m.up),
            })
            .collect();
        migrations.sort_by(|a, b| a.name.cmp(&b.name));
        Migrator::of(migrations)
    }

    fn of(migrations: Vec<Local>) -> Migrator {
        Migrator {
            migrations,
            history: HISTORY_TABLE.to_string(),
            schemas: Vec::new(),
        }
    }

    /// The PostgreSQL schemas a multi-schema datasource lists (`schemas = [...]`): the migrations create
    /// them, and [`Migrator::reset`] drops them with the connection's. Generated `migrator()` functions
    /// pass them.
    pub fn schemas(mut self, names: &[&str]) -> Migrator {
        self.schemas = names.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Keeps the history in the table `name` instead of [`HISTORY_TABLE`] (in the connection's schema):
    /// the schema's `historyTable`, which generated `migrator()` functions pass.
    ///
    /// ```
    /// let m = trato_hive_runtime::Migrator::new(&[]).history_table("_app_migrations");
    /// assert_eq!(m.history_table_name(), "_app_migrations");
    /// ```
    pub fn history_table(mut self, name: &str) -> Migrator {
        self.history = name.to_string();
        self
    }

    /// The history table's name.
    pub fn history_table_name(&self) -> &str {
        &self.history
    }

    /// Reads `dir/<name>/migration.sql` (and `down.sql`) for every subfolder, in name order.
    pub fn from_dir(dir: &Path) -> Result<Migrator, Error> {
        let mut migrations = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Migrator::of(migrations)),
            Err(e) => return Err(Error::Migration(format!("cannot read {}: {e}", dir.display()))),
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let up_path = path.join("migration.sql");
            if !path.is_dir() || !up_path.exists() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let up = std::fs::read_to_string(&up_path)
                .map_err(|e| Error::Migration(format!("cannot read {}: {e}", up_path.display())))?;
            let down = std::fs::read_to_string(path.join("down.sql")).ok();
            migrations.push(Local {
                checksum: checksum(&up),
                name,
                up,
                down,
            });
        }
        migrations.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Migrator::of(migrations))
    }

    /// The migrations' names, oldest first.
    pub fn names(&self) -> Vec<String> {
        self.migrations.iter().map(|m| m.name.clone()).collect()
    }

    /// Applied and pending migrations, and any inconsistency. Reads only.
    pub async fn status(&self, cfg: &DbConfig) -> Result<MigrationStatus, Error> {
        let session = Session::open(cfg, &self.history).await?;
        session.ensure_history().await?;
        let applied = session.applied().await?;
        Ok(self.compare(&applied))
    }

    fn compare(&self, applied: &[(String, String)]) -> MigrationStatus {
        let mut status = MigrationStatus::default();
        for (name, sum) in applied {
            match self.migrations.iter().find(|m| &m.name == name) {
                Some(m) if &m.checksum != sum => status.problems.push(MigrationProblem::Edited { name: name.clone() }),
                Some(_) => {}
                None => status.problems.push(MigrationProblem::Missing { name: name.clone() }),
            }
            status.applied.push(name.clone());
        }
        let newest = applied.iter().map(|(n, _)| n).max();
        for m in &self.migrations {
            if applied.iter().any(|(n, _)| *n == m.name) {
                continue;
            }
            if let Some(after) = newest.filter(|n| **n > m.name) {
                status.problems.push(MigrationProblem::OutOfOrder {
                    name: m.name.clone(),
                    after: after.clone(),
                });
            }
            status.pending.push(m.name.clone());
        }
        status
    }

    /// Applies every pending migration, each in its own transaction with its history row. Refuses (and
    /// applies nothing) when the history and the migrations disagree. Returns the names applied.
    pub async fn deploy(&self, cfg: &DbConfig) -> Result<Vec<String>, Error> {
        let mut session = Session::open(cfg, &self.history).await?;
        session.lock().await?;
        session.ensure_history().await?;
        let status = self.compare(&session.applied().await?);
        if !status.problems.is_empty() {
            return Err(Error::MigrationsInconsistent(status.problems));
        }
        let mut done = Vec::new();
        for name in &status.pending {
            let Some(m) = self.migrations.iter().find(|m| &m.name == name) else {
                continue;
            };
            session.apply(m).await?;
            done.push(m.name.clone());
        }
        crate::app_roles::restrict_connect(&session).await?;
        session.unlock().await?;
        Ok(done)
    }

    /// Rolls back the newest `n` applied migrations with their `down.sql`, newest first.
    pub async fn down(&self, cfg: &DbConfig, n: usize) -> Result<Vec<String>, Error> {
        let mut session = Session::open(cfg, &self.history).await?;
        session.lock().await?;
        session.ensure_history().await?;
        let applied = session.applied().await?;
        let status = self.compare(&applied);
        if !status.problems.is_empty() {
            return Err(Error::MigrationsInconsistent(status.problems));
        }
        let mut undone = Vec::new();
        for (name, _) in applied.iter().rev().take(n) {
            let m = self
                .migrations
                .iter()
                .find(|m| &m.name == name)
                .ok_or_else(|| Error::Migration(format!("`{name}` is missing")))?;
            let down = m.down.as_deref().filter(|d| !d.starts_with(IRREVERSIBLE_MARKER)).ok_or_else(|| {
                Error::Migration(format!("migration `{name}` cannot be rolled back (no reversible down.sql); write a new migration instead"))
            })?;
            session.revert(name, down).await?;
            undone.push(name.clone());
        }
        session.unlock().await?;
        Ok(undone)
    }

    /// Development only: drops everything in the connection's schema (the URL's `schema`, else `public`),
    /// then applies every migration.
    pub async fn reset(&self, cfg: &DbConfig) -> Result<Vec<String>, Error> {
        {
            let mut session = Session::open(cfg, &self.history).await?;
            session.lock().await?;
            session.batch(&recreate_schemas_sql(cfg, &self.schemas)).await?;
            session.unlock().await?;
        }
        self.deploy(cfg).await
    }
}

/// The dedicated connection a migrator works on.
pub(crate) struct Session {
    pub(crate) client: tokio_postgres::Client,
    ctx: ErrorContext,
    locked: bool,
    /// The history table, quoted.
    history: String,
}

impl Session {
    pub(crate) async fn open(cfg: &DbConfig, history: &str) -> Result<Session, Error> {
        let client = crate::client::connect_direct(cfg).await?;
        let ctx = ErrorContext::of(cfg);
        // Tenant tables FORCE row-level security, so a migration run by their owner without BYPASSRLS (the
        // usual case on managed PostgreSQL) would see no rows: an `INSERT ... SELECT` copying nothing and
        // a `DROP COLUMN` after it would lose data and succeed. With `row_security = off` such a statement
        // fails instead ("query would be affected by row-level security policy"), rolling the migration
        // back; a superuser or a BYPASSRLS role is not affected. Session-level: the connection is the
        // migrator's own and closes with it.
        client
            .batch_execute("SET row_security = off")
            .await
            .map_err(|e| Error::from_pg(e, &ctx))?;
        // The URL's `schema` (the search_path) is where everything goes: created on first use, as Prisma
        // does, so that the history table and the first migration have somewhere to live.
        if let Some(schema) = &cfg.schema {
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema)))
                .await
                .map_err(|e| Error::from_pg(e, &ctx))?;
        }
        Ok(Session {
            client,
            ctx,
            locked: false,
            history: quote_ident(history),
        })
    }

    pub(crate) fn err(&self, e: tokio_postgres::Error) -> Error {
        Error::from_pg(e, &self.ctx)
    }

    pub(crate) async fn batch(&self, sql: &str) -> Result<(), Error> {
        self.client.batch_execute(sql).await.map_err(|e| self.err(e))
    }

    /// Waits for the migration lock: concurrent migrators queue here and find the work done.
    async fn lock(&mut self) -> Result<(), Error> {
        self.client
            .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .map_err(|e| self.err(e))?;
        self.locked = true;
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        if self.locked {
            self.client
                .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
                .await
                .map_err(|e| self.err(e))?;
            self.locked = false;
        }
        Ok(())
    }

    async fn ensure_history(&self) -> Result<(), Error> {
        self.batch(&format!(
            "CREATE TABLE IF NOT EXISTS {} (
                name TEXT PRIMARY KEY,
                checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                execution_ms INTEGER NOT NULL
            )",
            self.history
        ))
        .await
    }

    async fn applied(&self) -> Result<Vec<(String, String)>, Error> {
        let rows = self
            .client
            .query(
                &format!("SELECT name, checksum FROM {} ORDER BY name", self.history),
                &[],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn apply(&mut self, m: &Local) -> Result<(), Error> {
        let started = Instant::now();
        let record = format!(
            "INSERT INTO {} (name, checksum, execution_ms) VALUES ($1, $2, $3)",
            self.history
        );
        let failed = |e: Error| Error::MigrationFailed {
            name: m.name.clone(),
            source: Box::new(e),
        };
        if m.up.starts_with(NO_TRANSACTION_MARKER) {
            self.batch(&m.up).await.map_err(failed)?;
            let ms = started.elapsed().as_millis() as i32;
            self.client
                .execute(&record, &[&m.name, &m.checksum, &ms])
                .await
                .map_err(|e| failed(self.err(e)))?;
            return Ok(());
        }
        let ctx = self.ctx.clone();
        let tx = self.client.transaction().await.map_err(|e| Error::from_pg(e, &ctx))?;
        tx.batch_execute(&m.up)
            .await
            .map_err(|e| failed(Error::from_pg(e, &ctx)))?;
        let ms = started.elapsed().as_millis() as i32;
        tx.execute(&record, &[&m.name, &m.checksum, &ms])
            .await
            .map_err(|e| failed(Error::from_pg(e, &ctx)))?;
        tx.commit().await.map_err(|e| failed(Error::from_pg(e, &ctx)))?;
        tracing::info!(target: "trato_hive::migrate", migration = %m.name, elapsed_ms = ms, "applied");
        Ok(())
    }

    async fn revert(&mut self, name: &str, down: &str) -> Result<(), Error> {
        let ctx = self.ctx.clone();
        let failed = |e: Error| Error::MigrationFailed {
            name: name.to_string(),
            source: Box::new(e),
        };
        let tx = self.client.transaction().await.map_err(|e| Error::from_pg(e, &ctx))?;
        tx.batch_execute(down)
            .await
            .map_err(|e| failed(Error::from_pg(e, &ctx)))?;
        tx.execute(&format!("DELETE FROM {} WHERE name = $1", self.history), &[&name])
            .await
            .map_err(|e| failed(Error::from_pg(e, &ctx)))?;
        tx.commit().await.map_err(|e| failed(Error::from_pg(e, &ctx)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrator(names: &[&str]) -> Migrator {
        Migrator::of(
            names
                .iter()
                .map(|n| Local {
                    name: n.to_string(),
                    up: format!("-- {n}"),
                    down: None,
                    checksum: checksum(&format!("-- {n}")),
                })
                .collect(),
        )
    }

    #[test]
    fn compares_history_with_local_migrations() {
        let m = migrator(&["1_a", "2_b", "3_c"]);
        let s = m.compare(&[("1_a".into(), checksum("-- 1_a"))]);
        assert_eq!(s.pending, ["2_b", "3_c"]);
        assert!(s.problems.is_empty());

        let s = m.compare(&[
            ("1_a".into(), "bad".into()),
            ("3_c".into(), checksum("-- 3_c")),
            ("0_gone".into(), "x".into()),
        ]);
        assert!(s.problems.contains(&MigrationProblem::Edited { name: "1_a".into() }));
        assert!(s
            .problems
            .contains(&MigrationProblem::Missing { name: "0_gone".into() }));
        assert!(s.problems.contains(&MigrationProblem::OutOfOrder {
            name: "2_b".into(),
            after: "3_c".into()
        }));
    }

    #[test]
    fn checksums_are_sha256() {
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
