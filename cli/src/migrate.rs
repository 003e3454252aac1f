//! `migrate ...`: migrations from schema diffs (no database needed to write one), and the migrator against
//! the project's database.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use trato_codegen::dbmodel::lower;
use trato_codegen::diff::diff;
use trato_codegen::emit::sql::render;

use crate::db::{is_local, target_db};
use crate::generate::migration_dirs;
use crate::project::read_valid;
use crate::Ctx;

#[derive(Subcommand, Debug)]
pub enum MigrateCommand {
    /// Print the SQL from one state to another: schema files, migration folders, live databases
    #[command(group = clap::ArgGroup::new("from").required(true))]
    Diff {
        /// Start from an empty database
        #[arg(long, group = "from")]
        from_empty: bool,
        /// Start from this schema file
        #[arg(long, value_name = "PATH", group = "from")]
        from_schema: Option<PathBuf>,
        /// Start from what this migrations folder produces (its last migration's schema)
        #[arg(long, value_name = "DIR", group = "from")]
        from_migrations: Option<PathBuf>,
        /// Start from this live database (read by introspection)
        #[arg(long, value_name = "URL", group = "from")]
        from_url: Option<String>,
        /// End at this schema file [default: the project's schema]
        #[arg(long, value_name = "PATH", conflicts_with_all = ["to_migrations", "to_url"])]
        to_schema: Option<PathBuf>,
        /// End at what this migrations folder produces
        #[arg(long, value_name = "DIR", conflicts_with = "to_url")]
        to_migrations: Option<PathBuf>,
        /// End at this live database (read by introspection)
        #[arg(long, value_name = "URL")]
        to_url: Option<String>,
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
        /// Required when a down.sql drops tables, columns or rows, or the database is not on this machine
        #[arg(long)]
        force: bool,
    },
    /// Replace every migration by one that creates the same schema from nothing (databases that applied
    /// them all record it in their place on their next deploy)
    Squash {
        /// The new migration's name after its timestamp, e.g. baseline
        #[arg(long)]
        name: String,
    },
    /// Mark a migration applied without running it (baselining), or a partly applied one rolled back
    #[command(group = clap::ArgGroup::new("mark").required(true))]
    Resolve {
        /// Record this migration as applied: the database already has what it creates
        #[arg(long, value_name = "MIGRATION", group = "mark")]
        applied: Option<String>,
        /// Forget this partly applied migration (after undoing its applied part by hand): deploy runs it again
        #[arg(long, value_name = "MIGRATION", group = "mark")]
        rolled_back: Option<String>,
    },
    /// Drop every table of the database's schema and apply every migration (development only)
    Reset {
        /// Required: this deletes every row
        #[arg(long)]
        force: bool,
    },
    /// Warn about migration statements that lock or rewrite big tables
    Lint {
        /// Exit 1 when there is any warning (for CI)
        #[arg(long)]
        deny: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: MigrateCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MigrateCommand::Diff {
            from_empty,
            from_schema,
            from_migrations,
            from_url,
            to_schema,
            to_migrations,
            to_url,
        } => {
            let to = match (to_schema, to_migrations, to_url) {
                (Some(p), _, _) => lower(&read_valid(&p)?.0),
                (_, Some(dir), _) => lower(&migrations_schema(&dir)?),
                (_, _, Some(url)) => lower(&crate::pull::schema_of_url(&url)?),
                _ => lower(&read_valid(&ctx.schema_path()?)?.0),
            };
            let from = match (from_schema, from_migrations, from_url) {
                (Some(p), _, _) => lower(&read_valid(&p)?.0),
                (_, Some(dir), _) => lower(&migrations_schema(&dir)?),
                (_, _, Some(url)) => lower(&crate::pull::schema_of_url(&url)?),
                _ => trato_codegen::dbmodel::DbSchema::default(),
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
        } => crate::dev::dev(ctx, &name, allow_destructive, create_only),
        MigrateCommand::Deploy => {
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            let applied = crate::tokio()?
                .block_on(ctx.migrator(&project)?.deploy(&cfg))
                .map_err(baseline_hint)?;
            report("applied", &applied);
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Status => {
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            let status = crate::tokio()?.block_on(ctx.migrator(&project)?.status(&cfg))?;
            println!("{} applied, {} pending", status.applied.len(), status.pending.len());
            for (name, squashed) in &status.squashed {
                println!(
                    "  squash   {name}: replaces {} applied migration(s); `migrate deploy` records it in their place",
                    squashed.len()
                );
            }
            for (name, done, total) in &status.partial {
                println!("  partial  {name}: {done} of {total} parts applied; `migrate deploy` finishes it");
            }
            for name in &status.pending {
                println!("  pending  {name}");
            }
            for p in &status.problems {
                println!("  problem  {p}");
            }
            Ok(crate::exit(status.problems.is_empty()))
        }
        MigrateCommand::Down { n, force } => down(ctx, n, force),
        MigrateCommand::Squash { name } => squash(ctx, &name),
        MigrateCommand::Resolve { applied, rolled_back } => {
            let project = ctx.project()?;
            let cfg = target_db(ctx, &project.schema)?;
            let migrator = ctx.migrator(&project)?;
            let rt = crate::tokio()?;
            if let Some(name) = applied {
                rt.block_on(migrator.resolve_applied(&cfg, &name))?;
                eprintln!("migrate resolve: `{name}` is recorded as applied (it was not run)");
            } else if let Some(name) = rolled_back {
                rt.block_on(migrator.resolve_rolled_back(&cfg, &name))?;
                eprintln!("migrate resolve: `{name}` is no longer recorded; `migrate deploy` runs it from the start");
            }
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
            let applied = crate::tokio()?.block_on(ctx.migrator(&project)?.reset(&cfg))?;
            report("reset, then applied", &applied);
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Lint { deny } => {
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
            Ok(crate::exit(!deny || count == 0))
        }
    }
}

/// A migration that fails because what it creates exists already: the database was made some other way
/// (`db push`, by hand, another tool), and the way out is baselining.
/// `migrate squash`: one migration from nothing to the last migration's schema, naming the ones it
/// replaces (`-- trato:squashes ...`), which are removed (version control keeps them).
fn squash(ctx: &Ctx, name: &str) -> anyhow::Result<ExitCode> {
    let project = ctx.project()?;
    let existing = migration_dirs(&project.migrations);
    if existing.len() < 2 {
        bail!(
            "migrate squash: {} migration(s) here, nothing to squash",
            existing.len()
        );
    }
    let last = existing.last().expect("two or more");
    let snapshot = fs::read_to_string(last.join("schema.prisma"))
        .with_context(|| format!("{} has no schema.prisma", last.display()))?;
    let schema = read_valid(&last.join("schema.prisma"))?.0;
    let steps = diff(&trato_codegen::dbmodel::DbSchema::default(), &lower(&schema));
    let names: Vec<String> = existing
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let folder = project.migrations.join(format!(
        "{}_{}",
        crate::dev::timestamp(&existing),
        crate::dev::slug(name)?
    ));
    let up = format!(
        "{} {}\n-- Replaces {} migrations: a database that applied them all records this one in their place on its next deploy.\n\n{}",
        trato_hive_runtime::migrate::script::SQUASHES_MARKER,
        names.join(" "),
        names.len(),
        render(&steps)
    );
    fs::create_dir_all(&folder)?;
    fs::write(folder.join("migration.sql"), up)?;
    fs::write(folder.join("down.sql"), render(&trato_codegen::diff::invert(&steps)))?;
    fs::write(folder.join("schema.prisma"), snapshot)?;
    for old in &existing {
        fs::remove_dir_all(old).with_context(|| format!("cannot remove {}", old.display()))?;
    }
    eprintln!("migrate squash: {} migrations -> {}", names.len(), folder.display());
    if !crate::generate(&project, false, &ctx.options.program)?.ok() {
        bail!("the squash is written, but generating the code failed");
    }
    Ok(ExitCode::SUCCESS)
}

/// The schema a migrations folder produces: its last migration's snapshot (empty without migrations).
fn migrations_schema(dir: &std::path::Path) -> anyhow::Result<trato_codegen::Schema> {
    match migration_dirs(dir).last() {
        Some(last) => Ok(read_valid(&last.join("schema.prisma"))?.0),
        None if dir.is_dir() => Ok(trato_codegen::Schema::default()),
        None => bail!("{} is not a migrations folder", dir.display()),
    }
}

pub(crate) fn baseline_hint(e: trato_hive_runtime::Error) -> anyhow::Error {
    let exists = matches!(&e, trato_hive_runtime::Error::MigrationFailed { source, .. }
        if matches!(source.code(), Some("42P07" | "42710" | "42723" | "42P06" | "42701")));
    match &e {
        trato_hive_runtime::Error::MigrationFailed { name, .. } if exists => {
            let hint = format!("if this database was made without these migrations (`db push`, by hand, another tool) and already has what `{name}` creates, record it as applied: `migrate resolve --applied {name}` (see README, \"Adopting an existing database\")");
            anyhow::anyhow!("{:#}\nhint: {hint}", anyhow::Error::new(e))
        }
        _ => e.into(),
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

/// `migrate down N`: says what it will run first, and refuses without `--force` when a down file loses
/// data or the database is not on this machine.
fn down(ctx: &Ctx, n: usize, force: bool) -> anyhow::Result<ExitCode> {
    let project = ctx.project()?;
    let cfg = target_db(ctx, &project.schema)?;
    if !is_local(&cfg) && !force {
        bail!(
            "migrate down runs down.sql files against `{}`, which is not on this machine: add --force if you mean it",
            cfg.host_port()
        );
    }
    let migrator = ctx.migrator(&project)?;
    let rt = crate::tokio()?;
    let status = rt.block_on(migrator.status(&cfg))?;
    if n > status.applied.len() {
        bail!(
            "{n} migration(s) to roll back, but {} applied{}; nothing was rolled back",
            status.applied.len(),
            match status.applied.len() {
                0 => String::new(),
                k => format!(": `migrate down {k}` rolls back all of them"),
            }
        );
    }
    let mut losses = Vec::new();
    for name in status.applied.iter().rev().take(n) {
        let file = project.migrations.join(name).join("down.sql");
        let sql = fs::read_to_string(&file).unwrap_or_default();
        let drops = trato_codegen::lint::destructive(&sql);
        eprintln!(
            "migrate down: rolls back {name}{}",
            if drops.is_empty() {
                String::new()
            } else {
                format!(" ({} statement(s) that lose data)", drops.len())
            }
        );
        for (line, what) in drops {
            losses.push(format!("{}:{line}: {what}", file.display()));
        }
    }
    if !force && !losses.is_empty() {
        for l in &losses {
            eprintln!("migrate down: loses data: {l}");
        }
        bail!("migrate down: refused, nothing was rolled back; add --force if the data may go");
    }
    let undone = rt.block_on(migrator.down(&cfg, n))?;
    report("rolled back", &undone);
    Ok(ExitCode::SUCCESS)
}
