//! `cargo xtask dev`, README's main job: a development PostgreSQL when `DATABASE_URL` is unset (started by
//! the project itself), pending migrations applied, then the tour (`trato-example`'s `tour` binary, built
//! and run against that database), and the `DATABASE_URL` to connect with. Safe to run again and again.
//!
//! xtask does not depend on the generated code itself, so that `cargo xtask codegen` works even when the
//! generated code does not compile.

use std::process::{Command, ExitCode};

use anyhow::Context;
use trato_hive_runtime::{DbConfig, Migrator};

use crate::{db, project_root};

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    if let Some(a) = args.first() {
        anyhow::bail!("`cargo xtask dev` takes no arguments (got `{a}`)");
    }
    let url = match std::env::var("DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => db::up()?.url(db::DEV_DATABASE),
    };
    let direct = match std::env::var("DIRECT_URL") {
        Ok(u) if !u.is_empty() => DbConfig::from_url(&u)?,
        _ => DbConfig::from_url(&url)?,
    };
    let migrator = Migrator::from_dir(&project_root().join("schema/migrations"))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let applied = rt.block_on(migrator.deploy(&direct))?;
    println!(
        "Migrations: {} in schema/migrations, {} applied now ({})",
        migrator.names().len(),
        applied.len(),
        if applied.is_empty() {
            "the database was up to date".to_string()
        } else {
            applied.join(", ")
        }
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "-p", "trato-example", "--bin", "tour"])
        .current_dir(project_root())
        .env("DATABASE_URL", &url)
        .status()
        .context("cannot run the tour (cargo run -p trato-example --bin tour)")?;
    if !status.success() {
        anyhow::bail!("the tour failed");
    }
    println!("\nDATABASE_URL={url}");
    Ok(ExitCode::SUCCESS)
}
