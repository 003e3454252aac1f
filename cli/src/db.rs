//! `db push` (the spec's `db:push`) and `db drift`, and the database every command acts on.
//!
//! `db push` brings a development database to the schema without writing a migration, for prototyping.
//! The schema last pushed is kept in the database (`_trato_push_state`), so the next push diffs from it (or
//! from the last applied migration's schema when nothing was pushed yet). Changes that lose data need
//! `--force-reset`, which drops everything in the database's schema and creates the schema from scratch.
//! `db drift` replays the migrations into a shadow database on the same server and compares catalogs.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use trato_codegen::dbmodel::lower;
use trato_codegen::diff::diff;
use trato_codegen::emit::sql::{from_empty, render};
use trato_hive_runtime::{Db, DbConfig};

use crate::project::Project;
use crate::Ctx;

const STATE_TABLE: &str = "_trato_push_state";

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Bring the database to the schema without writing a migration (prototyping)
    Push {
        /// Drop everything in the database's schema and create it from scratch (loses every row)
        #[arg(long)]
        force_reset: bool,
        /// With --force-reset: allow a database that is not on this machine
        #[arg(long, requires = "force_reset")]
        force: bool,
    },
    /// Compare the live database with what its migrations produce (exit 1 on a difference)
    Drift,
    /// Write the schema from the database (introspection); keeps what the database cannot say (names,
    /// docs, client-side defaults, markers) for the models whose tables did not change
    Pull {
        /// Print the schema instead of writing the schema file
        #[arg(long)]
        print: bool,
        /// Start from the database alone, ignoring the schema file's models
        #[arg(long)]
        force: bool,
    },
    /// Run the generator block's `seed` command in the schema's folder (e.g. `cargo run --bin seed`)
    Seed,
}

pub fn run(ctx: &Ctx, cmd: DbCommand) -> anyhow::Result<ExitCode> {
    let project = ctx.project()?;
    match cmd {
        DbCommand::Push { force_reset, force } => push(ctx, &project, force_reset, force),
        DbCommand::Drift => drift(ctx, &project),
        DbCommand::Pull { print, force } => crate::pull::pull(ctx, &project, print, force),
        DbCommand::Seed => seed(ctx, &project),
    }
}

/// Runs the `seed` command through the shell, in the schema's folder, with the database it would use
/// named first (the command reads `DATABASE_URL` / `.env` itself, as the application does).
fn seed(ctx: &Ctx, project: &Project) -> anyhow::Result<ExitCode> {
    let Some(command) = &project.seed else {
        bail!(
            "no seed command: add `seed = \"cargo run --bin seed\"` (or any command) to the generator block of {}",
            project.schema.display()
        );
    };
    // Names the database (when one is set); the command connects by itself.
    let _ = target_db(ctx, &project.schema);
    let dir = if project.dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        project.dir.as_path()
    };
    eprintln!("db seed: running `{command}` in {}", dir.display());
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(command).current_dir(dir);
    let status = cmd.status().with_context(|| format!("cannot run `{command}`"))?;
    if !status.success() {
        bail!("db seed: `{command}` failed ({status})");
    }
    eprintln!("db seed: done");
    Ok(ExitCode::SUCCESS)
}

/// What commands act on: `DIRECT_URL`, else `DATABASE_URL` (the environment, else `.env`), else the
/// embedding tool's fallback for this schema. Named on stderr, the password redacted.
pub fn target_db(ctx: &Ctx, schema: &Path) -> anyhow::Result<DbConfig> {
    let set = |k: &str| trato_hive_runtime::env_var(k).is_some();
    let fallback = || match &ctx.options.fallback_database {
        Some(f) => f(schema),
        None => Ok(None),
    };
    let cfg = if set("DIRECT_URL") || set("DATABASE_URL") {
        DbConfig::direct_from_env()?
    } else if let Some(cfg) = fallback()? {
        cfg
    } else {
        bail!("no database: set DATABASE_URL (or DIRECT_URL) in the environment or in .env")
    };
    eprintln!("database: {}", cfg.redacted_url());
    Ok(cfg)
}

/// Whether the database is on this machine: a Unix socket, `localhost`, or a loopback address (a real
/// check: `127.example.com` is not local).
pub fn is_local(cfg: &DbConfig) -> bool {
    cfg.is_local()
}

fn push(ctx: &Ctx, project: &Project, force_reset: bool, force: bool) -> anyhow::Result<ExitCode> {
    let (target, src) = (&project.parsed, &project.source);
    let mut cfg = target_db(ctx, &project.schema)?;
    if force_reset && !is_local(&cfg) && !force {
        bail!(
            "db push --force-reset drops everything in `{}`, which is not on this machine: add --force if you mean it",
            cfg.host_port()
        );
    }
    cfg.connection_limit = 1;
    let recreate = trato_hive_runtime::migrate::recreate_schemas_sql(&cfg, project.schemas());
    let history = trato_hive_runtime::migrate::quote_ident(&project.history_table);
    crate::tokio()?.block_on(async {
        let db = Db::connect(cfg)?;
        // DDL with DO blocks, which the application's guarded client refuses: on a connection taken out of
        // the pool for good.
        let conn = db.conn().await?.detach();
        conn.batch_execute(&format!("CREATE TABLE IF NOT EXISTS \"{STATE_TABLE}\" (id INT PRIMARY KEY, schema TEXT NOT NULL)")).await?;
        let pushed: Option<String> = conn
            .query_opt(&format!("SELECT schema FROM \"{STATE_TABLE}\" WHERE id = 1"), &[])
            .await?
            .map(|r| r.get(0));
        let applied: bool = conn
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&history])
            .await?
            .get(0);
        let previous_src = match pushed {
            Some(s) => Some(s),
            None if applied => {
                let last: Option<String> = conn
                    .query_opt(&format!("SELECT name FROM {history} ORDER BY name DESC LIMIT 1"), &[])
                    .await?
                    .map(|r| r.get(0));
                match last {
                    Some(name) => {
                        let snapshot = project.migrations.join(&name).join("schema.prisma");
                        Some(fs::read_to_string(&snapshot).with_context(|| format!("migration {name} has no schema.prisma"))?)
                    }
                    None => None,
                }
            }
            None => None,
        };
        let previous = match &previous_src {
            Some(s) => trato_codegen::check(s).0.context("the schema recorded in the database is not valid")?,
            None => trato_codegen::Schema::default(),
        };
        let steps = diff(&lower(&previous), &lower(target));
        let losses: Vec<String> = steps.iter().filter_map(|s| s.data_loss()).collect();
        let sql = if force_reset {
            eprintln!("db push: --force-reset: dropping everything in the database's schema");
            for other in project.schemas() {
                eprintln!("db push: --force-reset: and in the listed schema `{other}`");
            }
            conn.batch_execute(&recreate).await?;
            conn.batch_execute(&format!("CREATE TABLE \"{STATE_TABLE}\" (id INT PRIMARY KEY, schema TEXT NOT NULL)")).await?;
            from_empty(&lower(target))
        } else if !losses.is_empty() {
            for l in &losses {
                eprintln!("db push: destructive: {l}");
            }
            bail!("db push: refused (nothing changed); re-run with --force-reset to recreate the database");
        } else {
            render(&steps)
        };
        if sql.trim().is_empty() {
            eprintln!("db push: the database already matches the schema");
        } else {
            conn.batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;")).await?;
            eprintln!("db push: the database now matches {}", project.schema.display());
        }
        conn.execute(
            &format!("INSERT INTO \"{STATE_TABLE}\" (id, schema) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET schema = EXCLUDED.schema"),
            &[src],
        )
        .await?;
        drop(conn);
        db.close();
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What a shadow database is built from.
pub(crate) enum Shadow<'a> {
    /// The migrations, replayed from scratch.
    Migrations(&'a trato_hive_runtime::Migrator),
    /// A script (e.g. a schema's DDL from empty), run on a connection of its own.
    Script(String),
}

/// The catalog of a shadow database on the live database's server, built from `from` and dropped after,
/// and the live database's.
pub(crate) fn shadow_and_live(
    live: &DbConfig,
    project: &Project,
    from: Shadow,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    use trato_hive_runtime::introspect::catalog_of;
    let shadow = ShadowDb::create(live, "s", from)?;
    crate::tokio()?.block_on(async {
        let mut catalogs = Vec::new();
        for cfg in [&shadow.cfg, live] {
            let db = Db::connect(cfg.clone())?;
            catalogs.push(catalog_of(&db.conn().await?, &project.history_table, project.schemas()).await?);
            db.close();
        }
        let actual = catalogs.pop().unwrap_or_default();
        Ok((catalogs.pop().unwrap_or_default(), actual))
    })
}

/// A shadow database kept while this value lives (dropped with it), on the server of the database it
/// was made beside.
pub(crate) struct ShadowDb {
    admin: DbConfig,
    name: String,
    /// Where it is.
    pub cfg: DbConfig,
}

impl ShadowDb {
    /// `trato_shadow_<pid>_<suffix>`, built from `from`.
    pub(crate) fn create(live: &DbConfig, suffix: &str, from: Shadow) -> anyhow::Result<ShadowDb> {
        let name = format!("trato_shadow_{}_{suffix}", std::process::id());
        let admin = live.with_dbname("postgres");
        let cfg = live.with_dbname(&name);
        crate::tokio()?.block_on(async {
            let db = Db::connect(admin.clone())?;
            db.execute(&format!("DROP DATABASE IF EXISTS {name}"), &[]).await?;
            db.execute(&format!("CREATE DATABASE {name}"), &[]).await?;
            db.close();
            Ok::<_, anyhow::Error>(())
        })?;
        let shadow = ShadowDb { admin, name, cfg };
        crate::tokio()?.block_on(async {
            match from {
                Shadow::Migrations(migrator) => {
                    migrator.deploy(&shadow.cfg).await?;
                }
                Shadow::Script(sql) => {
                    let db = Db::connect(shadow.cfg.clone())?;
                    db.conn().await?.detach().batch_execute(&sql).await?;
                    db.close();
                }
            }
            Ok::<_, anyhow::Error>(())
        })?;
        Ok(shadow)
    }
}

impl Drop for ShadowDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        if let Ok(rt) = crate::tokio() {
            let _ = rt.block_on(async move {
                let db = Db::connect(admin)?;
                db.execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
                    .await?;
                db.close();
                Ok::<_, trato_hive_runtime::Error>(())
            });
        }
    }
}

/// Compares the live database with a shadow database on the same server where the migrations are replayed
/// from scratch, and prints every difference.
fn drift(ctx: &Ctx, project: &Project) -> anyhow::Result<ExitCode> {
    use trato_hive_runtime::introspect::compare;
    let live = target_db(ctx, &project.schema)?;
    let migrator = ctx.migrator(project)?;
    let (expected, actual) = shadow_and_live(&live, project, Shadow::Migrations(&migrator))?;
    let diffs = compare(&expected, &actual);
    if diffs.is_empty() {
        eprintln!("db drift: {} matches its migrations", live.redacted_url());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "db drift: {} differs from what its migrations produce (- expected only, + live only):",
        live.redacted_url()
    );
    for d in &diffs {
        println!("  {d}");
    }
    Ok(ExitCode::FAILURE)
}

#[cfg(test)]
mod tests {
    use super::is_local;
    use trato_hive_runtime::DbConfig;

    #[test]
    fn only_this_machine_is_local() {
        let local = |url: &str| is_local(&DbConfig::from_url(url).expect(url));
        for url in [
            "postgresql://u@localhost/db",
            "postgresql://u@127.0.0.1:5433/db",
            "postgresql://u@127.8.9.1/db",
            "postgresql://u@[::1]:5432/db",
        ] {
            assert!(local(url), "{url}");
        }
        for url in [
            "postgresql://u@127.example.com/db",
            "postgresql://u@db.internal/db",
            "postgresql://u@10.0.0.7/db",
            "postgresql://u@localhost.evil.net/db",
            "postgresql://u@localhost.invalid/db",
            "postgresql://u@127.0.0.1.nip.io/db",
        ] {
            assert!(!local(url), "{url}");
        }
    }
}
