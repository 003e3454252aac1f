//! `migrate ...`: migrations from schema diffs (no database needed to write one), and the migrator against
//! the project's database.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use trato_codegen::dbmodel::lower;
use trato_codegen::diff::{diff, invert};
use trato_codegen::emit::sql::render;

use crate::db::{is_local, target_db};
use crate::generate::migration_dirs;
use crate::project::read_valid;
use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum MigrateCommand {
    /// Print the SQL from one schema to another (nothing is written, no database needed)
    Diff {
        /// Start from an empty database
        #[arg(long, conflicts_with = "from_schema", required_unless_present = "from_schema")]
        from_empty: bool,
        /// Start from this schema file
        #[arg(long, value_name = "PATH")]
        from_schema: Option<PathBuf>,
        /// End at this schema file [default: the project's schema]
        #[arg(long, value_name = "PATH")]
        to_schema: Option<PathBuf>,
    },
    /// Write a migration for the schema's changes since the last one, regenerate, and apply it
    Dev {
        /// What the change does, e.g. add_deal_probability (the folder's name after its timestamp)
        #[arg(long)]
        name: String,
        /// Write the migration even when it drops columns or tables that hold data
        #[arg(long)]
        allow_destructive: bool,
        /// Write the migration (and regenerate) without applying it
        #[arg(long)]
        create_only: bool,
    },
    /// Apply every pending migration (what production runs)
    Deploy,
    /// Applied and pending migrations, and any inconsistency (exit 1 when there is one)
    Status,
    /// Roll back the last N applied migrations with their down.sql
    Down {
        /// How many
        #[arg(default_value_t = 1)]
        n: usize,
    },
    /// Drop every table of the database's schema and apply every migration (development only)
    Reset {
        /// Required: this deletes every row
        #[arg(long)]
        force: bool,
    },
    /// Warn about migration statements that lock or rewrite big tables
    Lint,
}

pub fn run(ctx: &Ctx, cmd: MigrateCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MigrateCommand::Diff {
            from_empty,
            from_schema,
            to_schema,
        } => {
            let to = match to_schema {
                Some(p) => p,
                None => ctx.schema_path()?,
            };
            let to = lower(&read_valid(&to)?.0);
            let from = match (from_empty, from_schema) {
                (true, _) => trato_codegen::dbmodel::DbSchema::default(),
                (false, Some(p)) => lower(&read_valid(&p)?.0),
                (false, None) => bail!("migrate diff needs --from-empty or --from-schema PATH"),
            };
            if from_empty {
                // As Prisma prints it: the script then equals Prisma's, byte for byte (tests/tests/it/prisma.rs).
                print!("{}", trato_codegen::emit::sql::from_empty_as_prisma(&to));
            } else {
                print!("{}", render(&diff(&from, &to)));
            }
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Dev {
            name,
            allow_destructive,
            create_only,
        } => dev(ctx, &name, allow_destructive, create_only),
        MigrateCommand::Deploy => {
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            let applied = crate::tokio()?.block_on(project.migrator()?.deploy(&cfg))?;
            report("applied", &applied);
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Status => {
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            let status = crate::tokio()?.block_on(project.migrator()?.status(&cfg))?;
            println!("{} applied, {} pending", status.applied.len(), status.pending.len());
            for name in &status.pending {
                println!("  pending  {name}");
            }
            for p in &status.problems {
                println!("  problem  {p}");
            }
            Ok(crate::exit(status.problems.is_empty()))
        }
        MigrateCommand::Down { n } => {
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            let undone = crate::tokio()?.block_on(project.migrator()?.down(&cfg, n))?;
            report("rolled back", &undone);
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Reset { force } => {
            if !force {
                bail!("`migrate reset` deletes every table and row; it is for development only: add --force");
            }
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            if !is_local(&cfg) {
                bail!(
                    "refusing to reset a database that is not on this machine ({})",
                    cfg.host_port()
                );
            }
            let applied = crate::tokio()?.block_on(project.migrator()?.reset(&cfg))?;
            report("reset, then applied", &applied);
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Lint => {
            let project = ctx.project()?;
            let mut count = 0;
            for d in migration_dirs(&project.migrations) {
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

/// `yyyymmddHHMMSS` in UTC, later than every existing migration.
fn timestamp(existing: &[PathBuf]) -> String {
    let now = trato_hive_runtime::chrono::Utc::now()
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

fn dev(ctx: &Ctx, name: &str, allow_destructive: bool, create_only: bool) -> anyhow::Result<ExitCode> {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if slug.trim_matches('_').is_empty() {
        bail!("--name `{name}` has no letters or digits");
    }
    let project = ctx.project()?;
    let current = &project.parsed;
    let dir = &project.migrations;
    let existing = migration_dirs(dir);
    let previous = match existing.last() {
        Some(last) => read_valid(&last.join("schema.prisma"))?.0,
        None => trato_codegen::Schema::default(),
    };
    let steps = diff(&lower(&previous), &lower(current));
    if steps.is_empty() {
        eprintln!("migrate dev: the schema matches the last migration; nothing to write");
    } else {
        let losses: Vec<String> = steps.iter().filter_map(|s| s.data_loss()).collect();
        if !losses.is_empty() && !allow_destructive {
            for l in &losses {
                eprintln!("migrate dev: destructive: {l}");
            }
            eprintln!("migrate dev: refused; nothing was written. Re-run with --allow-destructive if the data may go.");
            return Ok(ExitCode::FAILURE);
        }
        let folder = dir.join(format!("{}_{}", timestamp(&existing), slug.trim_matches('_')));
        write_migration(&folder, &project.schema, &losses, &steps)?;
        // The generated code embeds the migrations: regenerate it, as Prisma's `migrate dev` does.
        if !crate::generate(&project, false, &ctx.options.program)?.ok() {
            bail!("the migration is written, but generating the code failed");
        }
    }
    if create_only {
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = target_db(ctx, &project.schema)
        .context("the migration is written; to apply it, set DATABASE_URL (or DIRECT_URL) to this schema's database")?;
    let applied = crate::tokio()?.block_on(project.migrator()?.deploy(&cfg))?;
    report("applied", &applied);
    Ok(ExitCode::SUCCESS)
}

fn write_migration(
    folder: &Path,
    schema: &Path,
    losses: &[String],
    steps: &[trato_codegen::diff::Step],
) -> anyhow::Result<()> {
    let mut up = String::new();
    for l in losses {
        up.push_str(&format!("-- Warning: {l}\n"));
    }
    if !losses.is_empty() {
        up.push('\n');
    }
    up.push_str(&render(steps));
    let down = render(&invert(steps));
    fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    fs::write(folder.join("migration.sql"), &up)?;
    fs::write(folder.join("down.sql"), &down)?;
    fs::copy(schema, folder.join("schema.prisma"))?;
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
    Ok(())
}
