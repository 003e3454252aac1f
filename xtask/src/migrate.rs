//! `cargo xtask migrate ...`: migrations from schema diffs (no database needed for the diff), and the
//! migrator against `DIRECT_URL` / `DATABASE_URL`, or the development PostgreSQL when neither is set.
//!
//! ```text
//! migrate diff --from-empty --to-schema PATH        the DDL creating a schema (Prisma's spelling)
//! migrate diff --from-schema A --to-schema B        the migration from one schema to another
//! migrate dev --name NAME [--allow-destructive] [--create-only]
//! migrate deploy | status | down [N] | reset --force | lint
//!   common: [--schema PATH] [--migrations DIR]
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use trato_codegen::dbmodel::lower;
use trato_codegen::diff::{diff, invert};
use trato_codegen::emit::sql::render;
use trato_hive_runtime::{DbConfig, Migrator};

use crate::codegen::migration_dirs;
use crate::{db, project_root, Args};

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = Args::parse(
        args,
        &["--from-empty", "--allow-destructive", "--create-only", "--force"],
        &["--to-schema", "--from-schema", "--name", "--schema", "--migrations"],
    )?;
    let root = project_root();
    let schema = args
        .option("--schema")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("schema/schema.prisma"));
    let dir = args
        .option("--migrations")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("schema/migrations"));
    let project_target = args.option("--schema").is_none() && args.option("--migrations").is_none();
    let sub = args.positional.first().map(String::as_str).unwrap_or_default();
    let allowed: &[&str] = match sub {
        "diff" => &[
            "--from-empty",
            "--to-schema",
            "--from-schema",
            "--schema",
            "--migrations",
        ],
        "dev" => &[
            "--name",
            "--allow-destructive",
            "--create-only",
            "--schema",
            "--migrations",
        ],
        "reset" => &["--force", "--schema", "--migrations"],
        _ => &["--schema", "--migrations"],
    };
    args.only("migrate", sub, allowed)?;
    match args.positional.first().map(String::as_str) {
        Some("diff") => diff_cmd(&args),
        Some("dev") => dev(&args, &schema, &dir, project_target),
        Some("deploy") => {
            let applied = crate::tokio()?.block_on(Migrator::from_dir(&dir)?.deploy(&target_db()?))?;
            report("applied", &applied);
            Ok(ExitCode::SUCCESS)
        }
        Some("status") => {
            let status = crate::tokio()?.block_on(Migrator::from_dir(&dir)?.status(&target_db()?))?;
            println!("{} applied, {} pending", status.applied.len(), status.pending.len());
            for name in &status.pending {
                println!("  pending  {name}");
            }
            for p in &status.problems {
                println!("  problem  {p}");
            }
            Ok(if status.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some("down") => {
            let n: usize = args
                .positional
                .get(1)
                .map(|n| n.parse())
                .transpose()
                .context("`migrate down N` takes a number")?
                .unwrap_or(1);
            let undone = crate::tokio()?.block_on(Migrator::from_dir(&dir)?.down(&target_db()?, n))?;
            report("rolled back", &undone);
            Ok(ExitCode::SUCCESS)
        }
        Some("reset") => {
            if !args.flag("--force") {
                bail!("`migrate reset` deletes every table and row; it is for development only: add --force");
            }
            let cfg = target_db()?;
            if !is_local(&cfg) {
                bail!(
                    "refusing to reset a database that is not on this machine ({})",
                    cfg.host_port()
                );
            }
            let applied = crate::tokio()?.block_on(Migrator::from_dir(&dir)?.reset(&cfg))?;
            report("reset, then applied", &applied);
            Ok(ExitCode::SUCCESS)
        }
        Some("lint") => {
            let mut count = 0;
            for d in migration_dirs(&dir) {
                let sql = fs::read_to_string(d.join("migration.sql"))?;
                for w in trato_codegen::lint::lint(&sql) {
                    count += 1;
                    println!(
                        "{}/migration.sql:{}: warning[{}]: {}",
                        d.display(),
                        w.line,
                        w.code,
                        w.message
                    );
                }
            }
            eprintln!("migrate lint: {count} warning(s)");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => {
            let known = ["diff", "dev", "deploy", "status", "down", "reset", "lint"];
            Err(crate::unknown_subcommand("migrate", other, &known))
        }
        None => Err(crate::usage("migrate", "which subcommand?")),
    }
}

fn report(what: &str, names: &[String]) {
    if names.is_empty() {
        eprintln!("migrate: nothing {what}; the database is up to date");
    }
    for n in names {
        eprintln!("migrate: {what} {n}");
    }
}

/// What migrations run against: `DIRECT_URL`, else `DATABASE_URL`, else the development PostgreSQL.
pub fn target_db() -> anyhow::Result<DbConfig> {
    // The environment, else `.env` (as the runtime reads it): a project's `.env` decides, not this checkout.
    let set = |k: &str| trato_hive_runtime::env_var(k).is_some();
    let cfg = if set("DIRECT_URL") || set("DATABASE_URL") {
        DbConfig::direct_from_env()?
    } else {
        DbConfig::from_url(&db::up()?.url(db::DEV_DATABASE))?
    };
    // Say which database every command acts on (the password redacted).
    eprintln!("database: {}", cfg.redacted_url());
    Ok(cfg)
}

/// Whether the database is on this machine: a Unix socket, `localhost`, or a loopback address (a real
/// check: `127.example.com` is not local).
pub fn is_local(cfg: &DbConfig) -> bool {
    let host_port = cfg.host_port();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.rsplit_once(':').map_or(host_port.as_str(), |(h, _)| h),
    };
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn read_schema(path: &Path) -> anyhow::Result<trato_codegen::Schema> {
    let src = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match trato_codegen::check(&src) {
        (Some(s), _) => Ok(s),
        (None, diags) => {
            eprint!("{}", trato_codegen::render(&path.display().to_string(), &src, &diags));
            bail!("{} is not valid", path.display())
        }
    }
}

fn diff_cmd(args: &Args) -> anyhow::Result<ExitCode> {
    let to = args
        .option("--to-schema")
        .context("migrate diff needs --to-schema PATH")?;
    let to = lower(&read_schema(Path::new(to))?);
    let from = match (args.flag("--from-empty"), args.option("--from-schema")) {
        (true, None) => trato_codegen::dbmodel::DbSchema::default(),
        (false, Some(p)) => lower(&read_schema(Path::new(p))?),
        _ => bail!("migrate diff needs exactly one of --from-empty and --from-schema PATH"),
    };
    print!("{}", render(&diff(&from, &to)));
    Ok(ExitCode::SUCCESS)
}

/// `yyyymmddHHMMSS` in UTC, later than every existing migration.
fn timestamp(existing: &[PathBuf]) -> String {
    let now = trato_hive_runtime::__private::chrono::Utc::now()
        .format("%Y%m%d%H%M%S")
        .to_string();
    let last = existing
        .last()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().chars().take(14).collect::<String>());
    match last {
        Some(l) if l.len() == 14 && l >= now => {
            let n: u64 = l.parse().unwrap_or(0);
            // Seconds roll over into minutes only in a name, never in time: any larger number sorts later.
            format!("{:014}", n + 1)
        }
        _ => now,
    }
}

fn dev(args: &Args, schema_path: &Path, dir: &Path, project_target: bool) -> anyhow::Result<ExitCode> {
    let name = args
        .option("--name")
        .context("migrate dev needs --name NAME (what the change does, e.g. add_deal_probability)")?;
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if slug.trim_matches('_').is_empty() {
        bail!("--name `{name}` has no letters or digits");
    }
    let current = read_schema(schema_path)?;
    let existing = migration_dirs(dir);
    let previous = match existing.last() {
        Some(last) => read_schema(&last.join("schema.prisma"))?,
        None => trato_codegen::Schema::default(),
    };
    let steps = diff(&lower(&previous), &lower(&current));
    if steps.is_empty() {
        eprintln!("migrate dev: the schema matches the last migration; nothing to write");
    } else {
        let losses: Vec<String> = steps.iter().filter_map(|s| s.data_loss()).collect();
        if !losses.is_empty() && !args.flag("--allow-destructive") {
            for l in &losses {
                eprintln!("migrate dev: destructive: {l}");
            }
            eprintln!("migrate dev: refused; nothing was written. Re-run with --allow-destructive if the data may go.");
            return Ok(ExitCode::FAILURE);
        }
        let folder = dir.join(format!("{}_{}", timestamp(&existing), slug.trim_matches('_')));
        let mut up = String::new();
        for l in &losses {
            up.push_str(&format!("-- Warning: {l}\n"));
        }
        if !losses.is_empty() {
            up.push('\n');
        }
        up.push_str(&render(&steps));
        let down = render(&invert(&steps));
        fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
        fs::write(folder.join("migration.sql"), &up)?;
        fs::write(folder.join("down.sql"), &down)?;
        fs::copy(schema_path, folder.join("schema.prisma"))?;
        eprintln!("migrate dev: wrote {}", folder.display());
        for w in trato_codegen::lint::lint(&up) {
            eprintln!(
                "{}/migration.sql:{}: warning[{}]: {}",
                folder.display(),
                w.line,
                w.code,
                w.message
            );
        }
        if project_target {
            crate::codegen::run(&[])?;
        }
    }
    if args.flag("--create-only") {
        return Ok(ExitCode::SUCCESS);
    }
    let set = |k: &str| trato_hive_runtime::env_var(k).is_some();
    if !project_target && !set("DATABASE_URL") && !set("DIRECT_URL") {
        // The development database of this checkout holds this repository's schema, not this one.
        bail!(
            "migrate dev: the migration is written; to apply it, set DATABASE_URL (or DIRECT_URL) to the database \
             of {} (the development database of this checkout belongs to schema/schema.prisma)",
            schema_path.display()
        );
    }
    let applied = crate::tokio()?.block_on(Migrator::from_dir(dir)?.deploy(&target_db()?))?;
    report("applied", &applied);
    Ok(ExitCode::SUCCESS)
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
        ] {
            assert!(!local(url), "{url}");
        }
    }
}
