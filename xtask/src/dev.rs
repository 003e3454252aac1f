//! `cargo xtask dev`, README's main job, and `cargo xtask db seed`: a development PostgreSQL when
//! `DATABASE_URL` is unset (started by the project itself), pending migrations applied, the idempotent seed,
//! then the tour (`trato-example`'s binaries, built and run against that database), and the URLs to connect
//! with. Safe to run again and again.
//!
//! xtask does not depend on the generated code itself, so that `cargo xtask codegen` works even when the
//! generated code does not compile; it runs the example crate's binaries instead.

use std::process::ExitCode;

use anyhow::Context;
use trato_hive_runtime::{DbConfig, Migrator};

use crate::{db, project_root};

/// The login role of the development database's application (member of `trato_app`).
const DEV_APP_USER: &str = "trato_app_dev";
const DEV_APP_PASSWORD: &str = "app";

/// Where the application connects (its role, under RLS) and where migrations run (the owner).
pub struct Urls {
    pub app: String,
    pub direct: String,
}

/// Makes the database ready: the development server (unless `DATABASE_URL` is set), migrations applied
/// through the direct URL, and (for the development server) an application login role.
pub fn prepare() -> anyhow::Result<Urls> {
    // The environment, else `.env` (as the runtime reads it).
    let set = trato_hive_runtime::env_var;
    let rt = crate::tokio()?;
    let migrator = Migrator::from_dir(&project_root().join("schema/migrations"))?;
    let report = |applied: Vec<String>| {
        println!(
            "Migrations: {} in schema/migrations, {} applied now ({})",
            migrator.names().len(),
            applied.len(),
            if applied.is_empty() {
                "the database was up to date".to_string()
            } else {
                applied.join(", ")
            }
        )
    };
    if let Some(app) = set("DATABASE_URL") {
        let direct = set("DIRECT_URL").unwrap_or_else(|| app.clone());
        report(rt.block_on(migrator.deploy(&DbConfig::from_url(&direct)?))?);
        return Ok(Urls { app, direct });
    }
    let cluster = db::up()?;
    let direct = cluster.url(db::DEV_DATABASE);
    report(rt.block_on(migrator.deploy(&DbConfig::from_url(&direct)?))?);
    rt.block_on(Migrator::create_app_login(
        &DbConfig::from_url(&direct)?,
        DEV_APP_USER,
        DEV_APP_PASSWORD,
    ))?;
    let app = format!(
        "postgresql://{DEV_APP_USER}:{DEV_APP_PASSWORD}@127.0.0.1:{}/{}",
        cluster.port,
        db::DEV_DATABASE
    );
    Ok(Urls { app, direct })
}

/// Runs a binary of the example application against `app_url`.
pub fn run_example(bin: &str, app_url: &str) -> anyhow::Result<()> {
    let status = crate::cargo()
        .args(["run", "--quiet", "-p", "trato-example", "--bin", bin])
        .current_dir(project_root())
        .env("DATABASE_URL", app_url)
        .env_remove("DIRECT_URL")
        .status()
        .with_context(|| format!("cannot run `cargo run -p trato-example --bin {bin}`"))?;
    if !status.success() {
        anyhow::bail!("`{bin}` failed");
    }
    Ok(())
}

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    if let Some(a) = args.first() {
        anyhow::bail!("`cargo xtask dev` takes no arguments (got `{a}`)");
    }
    let urls = prepare()?;
    run_example("seed", &urls.app)?;
    run_example("tour", &urls.app)?;
    println!("\nDATABASE_URL={}", urls.app);
    println!("DIRECT_URL={}", urls.direct);
    Ok(ExitCode::SUCCESS)
}

pub fn seed() -> anyhow::Result<ExitCode> {
    let urls = prepare()?;
    run_example("seed", &urls.app)?;
    Ok(ExitCode::SUCCESS)
}
