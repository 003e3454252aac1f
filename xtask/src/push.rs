//! `cargo xtask db push [--force-reset]` (the spec's `db:push`): brings a development database to the
//! schema without writing a migration, for prototyping. The schema last pushed is kept in the database
//! (`_trato_push_state`), so the next push diffs from it (or from the last applied migration's schema when
//! nothing was pushed yet). Changes that lose data need `--force-reset`, which drops everything and creates
//! the schema from scratch.

use std::fs;
use std::process::ExitCode;

use anyhow::Context;
use trato_codegen::dbmodel::lower;
use trato_codegen::diff::diff;
use trato_codegen::emit::sql::{from_empty, render};
use trato_hive_runtime::Db;

use crate::{migrate, project_root, Args};

const STATE_TABLE: &str = "_trato_push_state";

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let force = args.flag("--force-reset");
    let root = project_root();
    let schema_path = args
        .option("--schema")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("schema/schema.prisma"));
    let migrations = args
        .option("--migrations")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("schema/migrations"));
    let src = fs::read_to_string(&schema_path).with_context(|| format!("cannot read {}", schema_path.display()))?;
    let target = match trato_codegen::check(&src) {
        (Some(s), _) => s,
        (None, diags) => {
            eprint!(
                "{}",
                trato_codegen::render(&schema_path.display().to_string(), &src, &diags)
            );
            anyhow::bail!("{} is not valid", schema_path.display());
        }
    };
    let mut cfg = migrate::target_db()?;
    if force && !migrate::is_local(&cfg) && !args.flag("--force") {
        anyhow::bail!(
            "db push --force-reset drops everything in `{}`, which is not on this machine: add --force if you mean it",
            cfg.host_port()
        );
    }
    cfg.connection_limit = 1;
    let rt = crate::tokio()?;
    rt.block_on(async {
        let db = Db::connect(cfg)?;
        // DDL with DO blocks, which the application's guarded client refuses: on a connection taken out of
        // the pool for good.
        let conn = db.conn().await?.detach();
        conn.batch_execute(&format!("CREATE TABLE IF NOT EXISTS \"{STATE_TABLE}\" (id INT PRIMARY KEY, schema TEXT NOT NULL)")).await?;
        let pushed: Option<String> = conn.query_opt(&format!("SELECT schema FROM \"{STATE_TABLE}\" WHERE id = 1"), &[]).await?.map(|r| r.get(0));
        let applied = conn
            .query("SELECT to_regclass('_trato_migrations') IS NOT NULL", &[])
            .await?
            .first()
            .is_some_and(|r| r.get::<_, bool>(0));
        let previous_src = match pushed {
            Some(s) => Some(s),
            None if applied => {
                let last: Option<String> = conn.query_opt("SELECT name FROM _trato_migrations ORDER BY name DESC LIMIT 1", &[]).await?.map(|r| r.get(0));
                match last {
                    Some(name) => Some(fs::read_to_string(migrations.join(&name).join("schema.prisma")).with_context(|| format!("migration {name} has no schema.prisma"))?),
                    None => None,
                }
            }
            None => None,
        };
        let previous = match &previous_src {
            Some(s) => trato_codegen::check(s).0.context("the schema recorded in the database is not valid")?,
            None => trato_codegen::Schema::default(),
        };
        let steps = diff(&lower(&previous), &lower(&target));
        let losses: Vec<String> = steps.iter().filter_map(|s| s.data_loss()).collect();
        let sql = if force {
            eprintln!("db push: --force-reset: dropping everything in the public schema");
            conn.batch_execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;").await?;
            conn.batch_execute(&format!("CREATE TABLE \"{STATE_TABLE}\" (id INT PRIMARY KEY, schema TEXT NOT NULL)")).await?;
            from_empty(&lower(&target))
        } else if !losses.is_empty() {
            for l in &losses {
                eprintln!("db push: destructive: {l}");
            }
            anyhow::bail!("db push: refused (nothing changed); re-run with --force-reset to recreate the database");
        } else {
            render(&steps)
        };
        if sql.trim().is_empty() {
            eprintln!("db push: the database already matches the schema");
        } else {
            conn.batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;")).await?;
            eprintln!("db push: the database now matches {}", schema_path.display());
        }
        conn.execute(
            &format!("INSERT INTO \"{STATE_TABLE}\" (id, schema) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET schema = EXCLUDED.schema"),
            &[&src],
        )
        .await?;
        drop(conn);
        db.close();
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
