//! The migrator: applies versioned migrations (embedded at compile time, or read from a folder) with a
//! history table holding the SHA-256 of each migration's `migration.sql` and `down.sql`. One migrator at a
//! time: an advisory lock held on a dedicated connection (DIRECT_URL when set), waited for with a timeout
//! that names the holder. A migration runs one statement at a time, part by part ([`script`]): each
//! transactional part with its history update in one transaction, so a failure names its statement and
//! line, and a crash between parts resumes where it stopped. An edited (either file), missing or
//! out-of-order migration is reported and nothing is applied.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::DbConfig;
use crate::error::Error;

pub mod script;
mod session;

pub(crate) use session::Session;
use session::{down_checksum, Applied};

/// The history table, unless the migrator is given another ([`Migrator::history_table`]).
pub const HISTORY_TABLE: &str = "_trato_migrations";
/// First line of a migration whose statements cannot run in a transaction (e.g. CREATE INDEX CONCURRENTLY).
pub use trato_sqlguard::NO_TRANSACTION_MARKER;
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
pub(crate) struct Local {
    pub(crate) name: String,
    pub(crate) up: String,
    pub(crate) down: Option<String>,
    pub(crate) checksum: String,
    pub(crate) down_checksum: String,
}

impl Local {
    fn new(name: String, up: String, down: Option<String>) -> Local {
        Local {
            checksum: checksum(&up),
            down_checksum: down_checksum(down.as_deref()),
            name,
            up,
            down,
        }
    }
}

/// What is wrong between the migrations here and the history in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationProblem {
    /// Applied, then its `migration.sql` changed.
    Edited {
        /// The migration's folder name.
        name: String,
    },
    /// Applied, then its `down.sql` changed (or appeared, or went): what `migrate down` would run is no
    /// longer what was reviewed with it.
    DownEdited {
        /// The migration's folder name.
        name: String,
    },
    /// Applied in the database, no longer here.
    Missing {
        /// The migration's folder name.
        name: String,
    },
    /// A squash some of whose squashed migrations were applied here and some not: this database must first
    /// be brought up to date with the migrations as they were before the squash.
    SquashedPartly {
        /// The squash migration's folder name.
        name: String,
        /// The squashed migrations not applied here.
        missing: Vec<String>,
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
            MigrationProblem::DownEdited { name } => write!(f, "the down.sql of migration `{name}` changed after the migration was applied (its checksum differs): restore it from version control; a different undo belongs in a new migration"),
            MigrationProblem::SquashedPartly { name, missing } => write!(f, "migration `{name}` squashes migrations this database applied only in part ({} not applied): deploy the migrations as they were before the squash first", missing.join(", ")),
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
    /// Started but not finished (a crash or a failure between parts): name, units done, units in all.
    /// Also in `applied`; `deploy` resumes it.
    pub partial: Vec<(String, usize, usize)>,
    /// Squashes whose every squashed migration is applied here: the next `deploy` records each in their
    /// place (name, the migrations it replaces). Also in `applied`.
    pub squashed: Vec<(String, Vec<String>)>,
    /// Disagreements between the history and the migrations (nothing is applied while there is one).
    pub problems: Vec<MigrationProblem>,
}

/// Applies, inspects and rolls back a set of migrations.
#[derive(Clone)]
pub struct Migrator {
    migrations: Vec<Local>,
    /// How long to wait for another migrator's lock.
    lock_timeout: Duration,
    /// Where messages for whoever runs the migrator go (waiting for the lock).
    notice: Option<Notice>,
    /// The history table's name (unquoted).
    history: String,
    /// The PostgreSQL schemas the migrations create besides the connection's (multi-schema): `reset`
    /// drops them too.
    schemas: Vec<String>,
}

impl fmt::Debug for Migrator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migrator")
            .field("migrations", &self.names())
            .field("history", &self.history)
            .field("schemas", &self.schemas)
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// What [`Migrator::on_notice`] was given.
type Notice = Arc<dyn Fn(&str) + Send + Sync>;

/// The advisory lock wait before a migrator gives up, unless told otherwise ([`Migrator::lock_timeout`]).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(300);

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
            .map(|m| Local::new(m.name.into(), m.up.into(), m.down.map(str::to_string)))
            .collect();
        migrations.sort_by(|a, b| a.name.cmp(&b.name));
        Migrator::of(migrations)
    }

    fn of(migrations: Vec<Local>) -> Migrator {
        Migrator {
            migrations,
            lock_timeout: LOCK_TIMEOUT,
            notice: None,
            history: HISTORY_TABLE.to_string(),
            schemas: Vec::new(),
        }
    }

    /// Gives up waiting for another migrator's lock after `timeout` (default [`LOCK_TIMEOUT`]), with an
    /// error naming the session that holds it.
    pub fn lock_timeout(mut self, timeout: Duration) -> Migrator {
        self.lock_timeout = timeout;
        self
    }

    /// Where to say what the migrator is waiting for (e.g. `eprintln!`); also logged at `warn` on the
    /// `trato_hive::migrate` target.
    pub fn on_notice(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Migrator {
        self.notice = Some(Arc::new(f));
        self
    }

    pub(crate) fn notice(&self, message: &str) {
        tracing::warn!(target: "trato_hive::migrate", "{message}");
        if let Some(f) = &self.notice {
            f(message);
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
            migrations.push(Local::new(name, up, down));
        }
        migrations.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Migrator::of(migrations))
    }

    /// The migrations' names, oldest first.
    pub fn names(&self) -> Vec<String> {
        self.migrations.iter().map(|m| m.name.clone()).collect()
    }

    /// Applied, pending and partly applied migrations, and any inconsistency. Reads only: nothing is
    /// created or locked, so it works on a read-only database (a standby, a read-only role).
    pub async fn status(&self, cfg: &DbConfig) -> Result<MigrationStatus, Error> {
        let session = Session::open(cfg, &self.history).await?;
        let applied = session.applied().await?;
        Ok(self.compare(&applied))
    }

    fn compare(&self, applied: &[Applied]) -> MigrationStatus {
        let mut status = MigrationStatus::default();
        // Squashes not recorded here whose squashed migrations are: they stand in for them.
        let mut replaced: Vec<String> = Vec::new();
        for m in &self.migrations {
            let squashed = script::squashes(&m.up);
            if squashed.is_empty() || applied.iter().any(|a| a.name == m.name) {
                continue;
            }
            let done: Vec<&String> = squashed
                .iter()
                .filter(|s| applied.iter().any(|a| a.name == **s))
                .collect();
            if done.is_empty() {
                continue;
            }
            if done.len() < squashed.len() {
                let missing = squashed.iter().filter(|s| !done.contains(s)).cloned().collect();
                status.problems.push(MigrationProblem::SquashedPartly {
                    name: m.name.clone(),
                    missing,
                });
                continue;
            }
            replaced.extend(squashed.iter().cloned());
            status.squashed.push((m.name.clone(), squashed.clone()));
            status.applied.push(m.name.clone());
        }
        for a in applied {
            let name = &a.name;
            if replaced.contains(name) {
                continue;
            }
            match self.migrations.iter().find(|m| &m.name == name) {
                Some(m) if m.checksum != a.checksum => {
                    status.problems.push(MigrationProblem::Edited { name: name.clone() })
                }
                Some(m) if a.down_checksum.as_ref().is_some_and(|d| *d != m.down_checksum) => status
                    .problems
                    .push(MigrationProblem::DownEdited { name: name.clone() }),
                Some(m) => {
                    if let Some(done) = a.progress {
                        let total = script::parts(&m.up).iter().map(|p| p.units()).sum();
                        status.partial.push((name.clone(), done.max(0) as usize, total));
                    }
                }
                None => status.problems.push(MigrationProblem::Missing { name: name.clone() }),
            }
            status.applied.push(name.clone());
        }
        let newest = applied.iter().map(|a| &a.name).filter(|n| !replaced.contains(n)).max();
        for m in &self.migrations {
            if applied.iter().any(|a| a.name == m.name) || status.squashed.iter().any(|(n, _)| *n == m.name) {
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

    /// Opens the migrator's session and takes the lock, with the history table ready; refuses (having
    /// done nothing) when the history and the migrations disagree.
    async fn locked(&self, cfg: &DbConfig) -> Result<(Session, Vec<Applied>, MigrationStatus), Error> {
        let mut session = Session::open(cfg, &self.history).await?;
        session.create_schema(cfg).await?;
        session.lock(self).await?;
        session.ensure_history().await?;
        let applied = session.applied().await?;
        let status = self.compare(&applied);
        if !status.problems.is_empty() {
            return Err(Error::MigrationsInconsistent(status.problems));
        }
        Ok((session, applied, status))
    }

    fn local(&self, name: &str) -> Result<&Local, Error> {
        self.migrations
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| Error::Migration(format!("there is no migration `{name}` here")))
    }

    /// Applies every pending migration (first finishing one a crash or failure left partly applied),
    /// part by part, each transactional part with its history update. Refuses (and applies nothing)
    /// when the history and the migrations disagree. Returns the names applied or finished.
    pub async fn deploy(&self, cfg: &DbConfig) -> Result<Vec<String>, Error> {
        let (mut session, applied, status) = self.locked(cfg).await?;
        // Rows from before down files were checksummed get the down file as it is now.
        for a in applied.iter().filter(|a| a.down_checksum.is_none()) {
            session.backfill_down(self.local(&a.name)?).await?;
        }
        let mut done = Vec::new();
        for (name, squashed) in &status.squashed {
            session.adopt_squash(self.local(name)?, squashed).await?;
            done.push(name.clone());
        }
        for (name, units, _) in &status.partial {
            session.apply(self.local(name)?, *units).await?;
            done.push(name.clone());
        }
        for name in &status.pending {
            session.apply(self.local(name)?, 0).await?;
            done.push(name.clone());
        }
        crate::app_roles::restrict_connect(&session).await?;
        session.unlock().await?;
        Ok(done)
    }

    /// Rolls back the newest `n` applied migrations with their `down.sql`, newest first, each in one
    /// transaction with the removal of its history row. Refuses (having done nothing) when fewer than
    /// `n` are applied, or when one of them cannot be rolled back or is only partly applied.
    pub async fn down(&self, cfg: &DbConfig, n: usize) -> Result<Vec<String>, Error> {
        let (mut session, applied, status) = self.locked(cfg).await?;
        if n > applied.len() {
            return Err(Error::Migration(format!(
                "{n} migration(s) to roll back, but {} applied; nothing was rolled back",
                applied.len()
            )));
        }
        let mut plan = Vec::new();
        for a in applied.iter().rev().take(n) {
            let m = self.local(&a.name)?;
            if status.partial.iter().any(|(p, ..)| *p == a.name) {
                return Err(Error::Migration(format!("migration `{}` is only partly applied: finish it with `migrate deploy`, or undo its applied part by hand and mark it with `migrate resolve --rolled-back {}`; nothing was rolled back", a.name, a.name)));
            }
            let down = m.down.as_deref().filter(|d| !d.starts_with(IRREVERSIBLE_MARKER)).ok_or_else(|| {
                Error::Migration(format!("migration `{}` cannot be rolled back (no reversible down.sql); write a new migration instead; nothing was rolled back", a.name))
            })?;
            plan.push((m, down));
        }
        let mut undone = Vec::new();
        for (m, down) in plan {
            session.revert(m, down).await?;
            undone.push(m.name.clone());
        }
        session.unlock().await?;
        Ok(undone)
    }

    /// Records `name` as applied without running it: baselining a database that already has what the
    /// migration creates (made by `db push`, by hand, or by another tool). Refuses a migration that is
    /// not here or is already recorded.
    pub async fn resolve_applied(&self, cfg: &DbConfig, name: &str) -> Result<(), Error> {
        let m = self.local(name)?;
        let (mut session, applied, _) = self.locked(cfg).await?;
        if applied.iter().any(|a| a.name == name) {
            return Err(Error::Migration(format!(
                "migration `{name}` is already recorded as applied"
            )));
        }
        session.record_applied(m).await?;
        session.unlock().await
    }

    /// Forgets a partly applied migration (after its applied part was undone by hand), so that `deploy`
    /// runs it from the start. Refuses one that finished: that is what `down` is for.
    pub async fn resolve_rolled_back(&self, cfg: &DbConfig, name: &str) -> Result<(), Error> {
        let mut session = Session::open(cfg, &self.history).await?;
        session.lock(self).await?;
        session.ensure_history().await?;
        let applied = session.applied().await?;
        match applied.iter().find(|a| a.name == name) {
            None => return Err(Error::Migration(format!("migration `{name}` is not in the history: there is nothing to mark rolled back"))),
            Some(a) if a.progress.is_none() => {
                return Err(Error::Migration(format!("migration `{name}` finished; only a partly applied migration can be marked rolled back (to undo a finished one, `migrate down`)")))
            }
            Some(_) => session.forget(name).await?,
        }
        session.unlock().await
    }

    /// Development only: drops everything in the connection's schema (the URL's `schema`, else `public`),
    /// then applies every migration.
    pub async fn reset(&self, cfg: &DbConfig) -> Result<Vec<String>, Error> {
        {
            let mut session = Session::open(cfg, &self.history).await?;
            session.lock(self).await?;
            session.batch(&recreate_schemas_sql(cfg, &self.schemas)).await?;
            session.unlock().await?;
        }
        self.deploy(cfg).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrator(names: &[&str]) -> Migrator {
        Migrator::of(
            names
                .iter()
                .map(|n| Local::new(n.to_string(), format!("-- {n}"), None))
                .collect(),
        )
    }

    #[test]
    fn compares_history_with_local_migrations() {
        let m = migrator(&["1_a", "2_b", "3_c"]);
        let row = |name: &str, sum: String, down: Option<String>| Applied {
            name: name.into(),
            checksum: sum,
            down_checksum: down,
            progress: None,
        };
        let s = m.compare(&[row("1_a", checksum("-- 1_a"), None)]);
        assert_eq!(s.pending, ["2_b", "3_c"]);
        assert!(s.problems.is_empty());

        let s = m.compare(&[
            row("1_a", "bad".into(), None),
            row("2_b", checksum("-- 2_b"), Some(checksum("DROP TABLE users CASCADE;"))),
            row("3_c", checksum("-- 3_c"), Some(checksum(""))),
            row("0_gone", "x".into(), None),
        ]);
        assert!(s
            .problems
            .contains(&MigrationProblem::DownEdited { name: "2_b".into() }));
        assert!(s.problems.contains(&MigrationProblem::Edited { name: "1_a".into() }));
        assert!(s
            .problems
            .contains(&MigrationProblem::Missing { name: "0_gone".into() }));
        assert_eq!(s.problems.len(), 3, "{:?}", s.problems);
        let s = m.compare(&[
            row("1_a", checksum("-- 1_a"), None),
            row("3_c", checksum("-- 3_c"), None),
        ]);
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
