//! `cargo xtask pg install` and `cargo xtask db up | down | url | status | seed`: the persistent development
//! PostgreSQL of this checkout (a data folder outside the repository, a port chosen once, a pid file kept
//! by PostgreSQL itself). `up` twice is harmless; `down` stops it cleanly.

use std::process::ExitCode;

use anyhow::Context;
use trato_hive_runtime::{Db, DbConfig};

use crate::{project_root, Args};

/// The development database every xtask command uses when `DATABASE_URL` is unset.
pub const DEV_DATABASE: &str = "trato_hive_dev";
const DEV_PASSWORD: &str = "postgres";

pub fn run_pg(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = Args::parse(args, &[], &["--version"])?;
    match args.positional.first().map(String::as_str) {
        Some("install") => {
            let major = args
                .option("--version")
                .map(|v| v.parse::<u32>())
                .transpose()
                .context("--version takes a major version, e.g. 17")?;
            let bin = match major {
                Some(m) => trato_pg::install(m)?,
                None => trato_pg::ensure(None)?,
            };
            println!("PostgreSQL {} in {}", bin.version, bin.bindir.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(crate::unknown_subcommand("pg", other, &["install"])),
        None => Err(crate::usage("pg", "which subcommand?")),
    }
}

/// `db up | down | url | status | seed` (`push` and `drift` are the `trato` command line's).
pub fn run_db(args: &[String]) -> anyhow::Result<ExitCode> {
    let sub = args.first().map(String::as_str).unwrap_or_default();
    if let Some(option) = args.iter().find(|a| a.starts_with('-')) {
        return Err(crate::usage("db", format!("`db {sub}` takes no option `{option}`")));
    }
    let args = Args::parse(args, &[], &[])?;
    if let Some(extra) = args.positional.get(1) {
        return Err(crate::usage(
            "db",
            format!("`db {sub}` takes no argument (got `{extra}`)"),
        ));
    }
    match args.positional.first().map(String::as_str) {
        Some("seed") => return crate::dev::seed(),
        Some("up") => {
            let cluster = up()?;
            println!("{}", cluster.url(DEV_DATABASE));
        }
        Some("down") => match dev_cluster()? {
            Some(c) if c.is_running() => {
                c.stop()?;
                eprintln!("db: development PostgreSQL on port {} stopped", c.port);
            }
            Some(c) => eprintln!("db: development PostgreSQL on port {} is not running", c.port),
            None => eprintln!("db: no development PostgreSQL to stop"),
        },
        Some("url") => {
            let c = dev_cluster()?.context("no development PostgreSQL yet; run `cargo xtask db up`")?;
            println!("{}", c.url(DEV_DATABASE));
        }
        Some("status") => match dev_cluster()? {
            Some(c) => println!(
                "PostgreSQL {} on port {}: {} ({})",
                c.bin.version,
                c.port,
                if c.is_running() { "running" } else { "stopped" },
                c.data_dir.display()
            ),
            None => println!("no development PostgreSQL yet; `cargo xtask db up` creates it"),
        },
        Some(other) => {
            let known = ["up", "down", "url", "status", "seed", "push", "drift"];
            return Err(crate::unknown_subcommand("db", other, &known));
        }
        None => return Err(crate::usage("db", "which subcommand?")),
    }
    Ok(ExitCode::SUCCESS)
}

fn dev_cluster() -> anyhow::Result<Option<trato_pg::Cluster>> {
    let bin = trato_pg::ensure(None)?;
    trato_pg::Cluster::open(&trato_pg::dev_data_dir(&project_root(), bin.major))
}

/// Creates (first time), starts (if stopped) and returns the development cluster, with its database.
/// Commands started together (eight `migrate deploy` in parallel) take turns here: an exclusive lock on a
/// file beside the data folder, released when this returns (or the process dies), so one creates and
/// starts the cluster and the database and the others find them ready.
pub fn up() -> anyhow::Result<trato_pg::Cluster> {
    let bin = trato_pg::ensure(None)?;
    let dir = trato_pg::dev_data_dir(&project_root(), bin.major);
    let parent = dir.parent().context("the data folder has a parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let lock_path = parent.join("up.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock {}", lock_path.display()))?;
    let cluster = match trato_pg::Cluster::open(&dir)? {
        Some(c) => c,
        None => {
            eprintln!("db: creating a PostgreSQL {} cluster in {}", bin.version, dir.display());
            trato_pg::Cluster::init(&bin, &dir, trato_pg::free_port()?, DEV_PASSWORD)?
        }
    };
    let was_running = cluster.is_running();
    cluster.start(&[])?;
    if !was_running {
        eprintln!(
            "db: PostgreSQL {} running on port {}",
            cluster.bin.version, cluster.port
        );
    }
    create_database(&cluster.url("postgres"), DEV_DATABASE)?;
    drop(lock);
    Ok(cluster)
}

/// `CREATE DATABASE name` unless it exists.
pub fn create_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let rt = crate::tokio()?;
    rt.block_on(async {
        let db = Db::connect(DbConfig::from_url(&format!(
            "{admin_url}?sslmode=disable&connection_limit=1"
        ))?)?;
        let exists = db
            .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await?;
        if exists.is_empty() {
            db.execute(&format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")), &[])
                .await?;
        }
        db.close();
        Ok::<_, trato_hive_runtime::Error>(())
    })?;
    Ok(())
}
