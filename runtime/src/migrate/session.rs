//! The dedicated connection a migrator works on: the lock, the history table, and running a migration's
//! parts one statement at a time.

use std::time::{Duration, Instant};

use super::script::{concurrent_index, head, parts};
use super::{checksum, quote_ident, Local, Migrator, LOCK_KEY};
use crate::config::DbConfig;
use crate::error::{Error, ErrorContext};

/// A history row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub name: String,
    pub checksum: String,
    /// The SHA-256 of `down.sql` when applied (`None`: recorded before down files were checksummed).
    pub down_checksum: Option<String>,
    /// Units done of a migration that is not finished (`None`: finished).
    pub progress: Option<i32>,
}

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
        // migrator's own and closes with it. The application name says who holds the lock to whoever waits.
        client
            .batch_execute(
                "SET row_security = off; SELECT set_config('application_name', current_setting('application_name') || ' (migrator)', false)",
            )
            .await
            .map_err(|e| Error::from_pg(e, &ctx))?;
        Ok(Session {
            client,
            ctx,
            locked: false,
            history: quote_ident(history),
        })
    }

    /// The URL's `schema` (the search_path) is where everything goes: created on first use, as Prisma
    /// does, so that the history table and the first migration have somewhere to live.
    pub(crate) async fn create_schema(&self, cfg: &DbConfig) -> Result<(), Error> {
        match &cfg.schema {
            Some(schema) => {
                self.batch(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema)))
                    .await
            }
            None => Ok(()),
        }
    }

    pub(crate) fn err(&self, e: tokio_postgres::Error) -> Error {
        Error::from_pg(e, &self.ctx)
    }

    pub(crate) async fn batch(&self, sql: &str) -> Result<(), Error> {
        self.client.batch_execute(sql).await.map_err(|e| self.err(e))
    }

    /// Waits for the migration lock (concurrent migrators queue here and find the work done), saying who
    /// holds it, and gives up after `m.lock_timeout`.
    pub(crate) async fn lock(&mut self, m: &Migrator) -> Result<(), Error> {
        let started = Instant::now();
        let mut said = false;
        loop {
            let got: bool = self
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
                .await
                .map_err(|e| self.err(e))?
                .get(0);
            if got {
                self.locked = true;
                return Ok(());
            }
            let waited = started.elapsed();
            if waited >= m.lock_timeout || !said {
                let holder = self.holder().await?;
                if waited >= m.lock_timeout {
                    return Err(Error::Migration(format!(
                        "gave up after {} s waiting for the migration lock, held by {holder}; when it finishes, run the command again (a lock dies with its connection: a crashed migrator does not keep it)",
                        m.lock_timeout.as_secs()
                    )));
                }
                m.notice(&format!(
                    "waiting for the migration lock, held by {holder} (giving up after {} s)",
                    m.lock_timeout.as_secs()
                ));
                said = true;
            }
            tokio::time::sleep(Duration::from_millis(200).min(m.lock_timeout.saturating_sub(waited))).await;
        }
    }

    /// Who holds the migration lock: process, role, application, client and what it is doing.
    async fn holder(&self) -> Result<String, Error> {
        let row = self
            .client
            .query_opt(
                "SELECT a.pid, COALESCE(a.usename::text, '?'), COALESCE(NULLIF(a.application_name, ''), '?'),
                        COALESCE(host(a.client_addr), 'a local socket'), COALESCE(a.state, '?'),
                        COALESCE(extract(epoch FROM now() - a.state_change)::bigint, 0)
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.classid::bigint = $1 AND l.objid::bigint = $2",
                &[&(LOCK_KEY >> 32), &(LOCK_KEY & 0xffff_ffff)],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(match row {
            Some(r) => format!(
                "process {} (role {}, application `{}`, from {}, {} for {} s)",
                r.get::<_, i32>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
                r.get::<_, String>(3),
                r.get::<_, String>(4),
                r.get::<_, i64>(5)
            ),
            None => "another session (it could not be identified: this role may not see other sessions)".into(),
        })
    }

    pub(crate) async fn unlock(&mut self) -> Result<(), Error> {
        if self.locked {
            self.client
                .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
                .await
                .map_err(|e| self.err(e))?;
            self.locked = false;
        }
        Ok(())
    }

    /// Creates the history table, or brings an older one up to date (columns added, nothing lost).
    pub(crate) async fn ensure_history(&self) -> Result<(), Error> {
        self.batch(&format!(
            "CREATE TABLE IF NOT EXISTS {h} (
                name TEXT PRIMARY KEY,
                checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                execution_ms INTEGER NOT NULL,
                down_checksum TEXT,
                progress INTEGER
            )",
            h = self.history
        ))
        .await?;
        // Altered only when a column is missing: ALTER TABLE needs the owner, and a migrator may run as
        // another role that may write the history.
        let current: i64 = self
            .client
            .query_one(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1)
                    AND attname IN ('down_checksum', 'progress') AND NOT attisdropped",
                &[&self.history],
            )
            .await
            .map_err(|e| self.err(e))?
            .get(0);
        if current < 2 {
            self.batch(&format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS down_checksum TEXT, ADD COLUMN IF NOT EXISTS progress INTEGER",
                self.history
            ))
            .await?;
        }
        Ok(())
    }

    /// The history, oldest first; empty when there is no history table (nothing is created: works on a
    /// read-only database).
    pub(crate) async fn applied(&self) -> Result<Vec<Applied>, Error> {
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&self.history])
            .await
            .map_err(|e| self.err(e))?
            .get(0);
        if !exists {
            return Ok(Vec::new());
        }
        // Through to_jsonb, so that a history table from before the newer columns reads too.
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT name, checksum, to_jsonb(h) ->> 'down_checksum', (to_jsonb(h) ->> 'progress')::int FROM {} h ORDER BY name",
                    self.history
                ),
                &[],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| Applied {
                name: r.get(0),
                checksum: r.get(1),
                down_checksum: r.get(2),
                progress: r.get(3),
            })
            .collect())
    }

    /// Records the down file's checksum for rows written before down files were checksummed, from the
    /// migration as it is now.
    pub(crate) async fn backfill_down(&self, m: &Local) -> Result<(), Error> {
        self.client
            .execute(
                &format!(
                    "UPDATE {} SET down_checksum = $2 WHERE name = $1 AND down_checksum IS NULL",
                    self.history
                ),
                &[&m.name, &m.down_checksum],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks a migration applied without running it (`migrate resolve --applied`: baselining).
    pub(crate) async fn record_applied(&self, m: &Local) -> Result<(), Error> {
        self.client
            .execute(
                &format!(
                    "INSERT INTO {} (name, checksum, down_checksum, execution_ms) VALUES ($1, $2, $3, 0)",
                    self.history
                ),
                &[&m.name, &m.checksum, &m.down_checksum],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records a squash in place of the migrations it replaces, in one transaction (nothing is run: the
    /// database has what they made).
    pub(crate) async fn adopt_squash(&mut self, m: &Local, squashed: &[String]) -> Result<(), Error> {
        let ctx = self.ctx.clone();
        let tx = self.client.transaction().await.map_err(|e| Error::from_pg(e, &ctx))?;
        tx.execute(
            &format!("DELETE FROM {} WHERE name = ANY($1)", self.history),
            &[&squashed],
        )
        .await
        .map_err(|e| Error::from_pg(e, &ctx))?;
        tx.execute(
            &format!(
                "INSERT INTO {} (name, checksum, down_checksum, execution_ms) VALUES ($1, $2, $3, 0)",
                self.history
            ),
            &[&m.name, &m.checksum, &m.down_checksum],
        )
        .await
        .map_err(|e| Error::from_pg(e, &ctx))?;
        tx.commit().await.map_err(|e| Error::from_pg(e, &ctx))
    }

    /// Forgets a history row (`migrate resolve --rolled-back` of a partly applied migration).
    pub(crate) async fn forget(&self, name: &str) -> Result<(), Error> {
        self.client
            .execute(&format!("DELETE FROM {} WHERE name = $1", self.history), &[&name])
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Runs `m` from unit `done` on: each transactional part in a transaction with the history row's
    /// update, each statement outside a transaction followed by its own update. The row says finished
    /// (`progress` NULL) with the last unit.
    pub(crate) async fn apply(&mut self, m: &Local, done: usize) -> Result<(), Error> {
        let started = Instant::now();
        let parts = parts(&m.up);
        let total: usize = parts.iter().map(|p| p.units()).sum();
        let record = format!(
            "INSERT INTO {h} (name, checksum, down_checksum, execution_ms, progress) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO UPDATE SET progress = EXCLUDED.progress, execution_ms = {h}.execution_ms + EXCLUDED.execution_ms",
            h = self.history
        );
        let ctx = self.ctx.clone();
        let mut unit = 0;
        let mut last = Instant::now();
        let progress = |unit: usize| (unit < total).then_some(unit as i32);
        if total == 0 {
            let ms = 0i32;
            self.client
                .execute(&record, &[&m.name, &m.checksum, &m.down_checksum, &ms, &progress(0)])
                .await
                .map_err(|e| self.err(e))?;
            return Ok(());
        }
        for (index, part) in parts.iter().enumerate() {
            if part.transactional {
                if unit < done {
                    unit += 1;
                    continue;
                }
                let tx = self.client.transaction().await.map_err(|e| Error::from_pg(e, &ctx))?;
                for (line, statement) in &part.statements {
                    if let Err(e) = tx.batch_execute(statement).await {
                        let state = if unit == 0 {
                            "rolled back".to_string()
                        } else {
                            format!("this part was rolled back; the {unit} unit(s) before it stay applied, and `migrate deploy` resumes at this part")
                        };
                        return Err(failed(m, *line, statement, state, Error::from_pg(e, &ctx)));
                    }
                }
                unit += 1;
                let ms = last.elapsed().as_millis() as i32;
                tx.execute(&record, &[&m.name, &m.checksum, &m.down_checksum, &ms, &progress(unit)])
                    .await
                    .map_err(|e| Error::from_pg(e, &ctx))?;
                tx.commit().await.map_err(|e| Error::from_pg(e, &ctx))?;
                last = Instant::now();
                continue;
            }
            for (line, statement) in &part.statements {
                if unit < done {
                    unit += 1;
                    continue;
                }
                if let Err(e) = self.client.batch_execute(statement).await {
                    let mut state = format!(
                        "part {} runs outside a transaction: the {unit} unit(s) before this statement stay applied, and `migrate deploy` resumes at it",
                        index + 1
                    );
                    if let Some(index) = concurrent_index(statement) {
                        if self.drop_invalid_index(&index).await? {
                            state.push_str(&format!(
                                "; the invalid index `{index}` the failed build left was dropped"
                            ));
                        }
                    }
                    return Err(failed(m, *line, statement, state, Error::from_pg(e, &ctx)));
                }
                unit += 1;
                let ms = last.elapsed().as_millis() as i32;
                self.client
                    .execute(&record, &[&m.name, &m.checksum, &m.down_checksum, &ms, &progress(unit)])
                    .await
                    .map_err(|e| self.err(e))?;
                last = Instant::now();
            }
        }
        tracing::info!(target: "trato_hive::migrate", migration = %m.name, elapsed_ms = started.elapsed().as_millis() as u64, "applied");
        Ok(())
    }

    /// Drops `name` when it is an INVALID index (what a failed `CREATE INDEX CONCURRENTLY` leaves).
    async fn drop_invalid_index(&self, name: &str) -> Result<bool, Error> {
        let invalid: bool = self
            .client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                                 WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid)",
                &[&name],
            )
            .await
            .map_err(|e| self.err(e))?
            .get(0);
        if invalid {
            self.batch(&format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote_ident(name)))
                .await?;
        }
        Ok(invalid)
    }

    /// Runs `down` in one transaction, statement by statement, and removes the history row with it.
    pub(crate) async fn revert(&mut self, m: &Local, down: &str) -> Result<(), Error> {
        let ctx = self.ctx.clone();
        let tx = self.client.transaction().await.map_err(|e| Error::from_pg(e, &ctx))?;
        for part in parts(down) {
            for (line, statement) in &part.statements {
                if let Err(e) = tx.batch_execute(statement).await {
                    return Err(Error::MigrationFailed {
                        name: m.name.clone(),
                        file: "down.sql".into(),
                        line: *line,
                        statement: head(statement),
                        state: "rolled back".into(),
                        source: Box::new(Error::from_pg(e, &ctx)),
                    });
                }
            }
        }
        tx.execute(&format!("DELETE FROM {} WHERE name = $1", self.history), &[&m.name])
            .await
            .map_err(|e| Error::from_pg(e, &ctx))?;
        tx.commit().await.map_err(|e| Error::from_pg(e, &ctx))?;
        Ok(())
    }
}

fn failed(m: &Local, line: usize, statement: &str, state: String, source: Error) -> Error {
    Error::MigrationFailed {
        name: m.name.clone(),
        file: "migration.sql".into(),
        line,
        statement: head(statement),
        state,
        source: Box::new(source),
    }
}

/// The SHA-256 of a down file, as recorded (`""` when there is none).
pub(crate) fn down_checksum(down: Option<&str>) -> String {
    checksum(down.unwrap_or(""))
}
