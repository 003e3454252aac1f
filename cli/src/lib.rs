//! `trato`: the command line of the Trato Hive data layer, for any application with its own schema.
//!
//! Install it with `cargo install --path cli` (the binary `trato`), or call [`run`] from an application's own
//! `cargo xtask`, as this repository's xtask does. The commands are Prisma's:
//!
//! ```text
//! trato init [--tenant-root Workspace --tenant-key workspaceId] [DIR]   a starter schema and folders
//! trato generate [--check] [--out DIR]          Rust models (and the embedded migrations) from the schema
//! trato format [--check] [PATH...]              canonical formatting
//! trato validate                                every diagnostic, nothing written
//! trato migrate diff | dev | deploy | status | down [N] | resolve | squash | reset --force | lint [--deny]
//! trato db push [--force-reset [--force]] | drift | pull [--print] [--force]
//! trato studio [--port 5555] [--read-only] [--org ID] [--open] [--force-non-dev]
//! ```
//!
//! An application's own `cargo xtask` embeds it with its defaults (here, a schema that is not in the
//! current folder):
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     let options = trato_cli::Options {
//!         program: "cargo xtask".into(),
//!         default_schema: Some("db/schema.prisma".into()),
//!         ..trato_cli::Options::default()
//!     };
//!     trato_cli::run(std::env::args_os(), &options)
//! }
//! ```
//!
//! Where things are comes from the schema file (`--schema`, else `./schema.prisma`, else
//! `./prisma/schema.prisma`) and its generator block, paths relative to the schema's folder:
//!
//! ```prisma
//! generator client {
//!   provider     = "trato-hive-codegen"
//!   output       = "src/generated"      // the Rust models (default: src/generated)
//!   migrations   = "migrations"         // the migrations folder (default: migrations)
//!   historyTable = "_app_migrations"    // the migrator's history table (default: _trato_migrations)
//! }
//! ```
//!
//! The database is `DIRECT_URL`, else `DATABASE_URL`, from the environment or the `.env` file of the current
//! folder; its `schema` parameter is the PostgreSQL schema (as in Prisma). Every command that touches a
//! database names it first (password redacted); destructive ones refuse a database that is not on this
//! machine unless given `--force`. `RUST_LOG` (as `target=level,...`) or `TRATO_LOG_QUERIES=1` print the
//! statements sent.

mod db;
mod dev;
mod format;
mod generate;
mod init;
mod migrate;
mod project;
mod pull;
#[cfg(feature = "studio")]
mod studio;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use trato_hive_runtime::DbConfig;

pub use generate::{generate, Outcome};
pub use project::Project;

/// A database for commands to use when neither `DIRECT_URL` nor `DATABASE_URL` is set, given the schema
/// file they act on (`None`: no fallback for that schema).
pub type FallbackDatabase = dyn Fn(&Path) -> anyhow::Result<Option<DbConfig>>;

/// How an application's own tool embeds the command line.
pub struct Options {
    /// How the command is spelled in help and in the commands messages suggest (`trato`, `cargo xtask`).
    pub program: String,
    /// The schema file when `--schema` is not given (instead of `./schema.prisma`).
    pub default_schema: Option<PathBuf>,
    /// Where commands connect when no URL is set: e.g. a development server the tool starts itself.
    pub fallback_database: Option<Box<FallbackDatabase>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            program: "trato".into(),
            default_schema: None,
            fallback_database: None,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("program", &self.program)
            .field("default_schema", &self.default_schema)
            .field("fallback_database", &self.fallback_database.is_some())
            .finish()
    }
}

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "trato",
    version,
    about = "Generate, format, validate and migrate a Trato Hive schema (Prisma's language plus tenancy)",
    arg_required_else_help = true,
    propagate_version = true
)]
struct Cli {
    /// The schema file [default: ./schema.prisma, else ./prisma/schema.prisma]
    #[arg(long, global = true, value_name = "PATH")]
    schema: Option<PathBuf>,
    /// The migrations folder [default: the generator block's `migrations`, else `migrations` beside the schema]
    #[arg(long, global = true, value_name = "DIR")]
    migrations: Option<PathBuf>,
    /// Fail when the schema has warnings (they are printed either way), e.g. in CI
    #[arg(long, global = true)]
    deny_warnings: bool,
    /// How long a migrating command waits for another migrator's lock before giving up
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 300)]
    lock_timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start a project: a schema with a tenant root, a membership model and this generator's block
    Init(init::InitArgs),
    /// Generate the Rust models (and the embedded migration list, and TypeScript) from the schema
    #[command(alias = "codegen")]
    Generate {
        /// Write nothing; fail when a generated file is stale or no migration captures the schema
        #[arg(long)]
        check: bool,
        /// The output folder [default: the generator block's `output`, else src/generated beside the schema]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Format schema files canonically (the project's schema by default)
    #[command(alias = "fmt")]
    Format {
        /// Write nothing; fail when a file is not formatted
        #[arg(long)]
        check: bool,
        /// The files to format
        paths: Vec<PathBuf>,
    },
    /// Check the schema and print every diagnostic; writes nothing
    Validate,
    /// Write, apply, inspect and roll back migrations
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    /// The live database: bring it to the schema without a migration, or compare it with its migrations
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Browse the database in a browser: 127.0.0.1 only, a one-time link, tenant-aware
    #[cfg(feature = "studio")]
    Studio(studio::StudioArgs),
}

/// The `trato` binary: the process's arguments, plain options.
pub fn main() -> ExitCode {
    run(std::env::args_os(), &Options::default())
}

/// Runs one command line (`args[0]` is the program name, as in `std::env::args_os`). Usage errors exit
/// with 2 and say what to type instead, `--help` and `--version` with 0, a failed command with 1.
pub fn run<I, T>(args: I, options: &Options) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let command = Cli::command()
        .name(options.program.clone())
        .bin_name(options.program.clone());
    let cli = match command
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    init_logging();
    match dispatch(cli, options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli, options: &Options) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        options,
        schema: cli.schema,
        migrations: cli.migrations,
        lock_timeout: cli.lock_timeout,
    };
    // Warnings fail the run only when asked; they are printed by whichever command reads the schema.
    if cli.deny_warnings && matches!(cli.command, Command::Generate { .. } | Command::Validate) {
        let path = ctx.schema_path()?;
        let src = std::fs::read_to_string(&path)?;
        let diags = trato_codegen::check(&src).1;
        let warnings = diags.iter().filter(|d| !d.is_error()).count();
        if warnings > 0 {
            eprint!("{}", trato_codegen::render(&path.display().to_string(), &src, &diags));
            anyhow::bail!(
                "{warnings} warning(s) in {} and --deny-warnings: nothing was written",
                path.display()
            );
        }
    }
    match cli.command {
        Command::Init(args) => init::run(&ctx, &args),
        Command::Generate { check, out } => {
            let project = ctx.project()?;
            let project = match out {
                Some(out) => Project { output: out, ..project },
                None => project,
            };
            Ok(exit(generate(&project, check, &options.program)?.ok()))
        }
        Command::Format { check, paths } => {
            let paths = if paths.is_empty() {
                vec![ctx.schema_path()?]
            } else {
                paths
            };
            format::run(&paths, check, &options.program)
        }
        Command::Validate => {
            let path = ctx.schema_path()?;
            let (schema, _) = project::read_valid(&path)?;
            eprintln!(
                "validate: {} is valid ({} models, {} enums)",
                path.display(),
                schema.models.len(),
                schema.enums.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(cmd) => migrate::run(&ctx, cmd),
        Command::Db(cmd) => db::run(&ctx, cmd),
        #[cfg(feature = "studio")]
        Command::Studio(args) => studio::run(&ctx, &args),
    }
}

/// What every command shares: the options of the embedding tool and the global flags.
struct Ctx<'a> {
    options: &'a Options,
    schema: Option<PathBuf>,
    migrations: Option<PathBuf>,
    lock_timeout: u64,
}

impl Ctx<'_> {
    fn schema_path(&self) -> anyhow::Result<PathBuf> {
        project::locate(self.schema.as_deref().or(self.options.default_schema.as_deref()))
    }

    /// The project of the schema file, its generator block read (the schema must be valid).
    fn project(&self) -> anyhow::Result<Project> {
        let mut project = Project::load(&self.schema_path()?)?;
        if let Some(m) = &self.migrations {
            project.migrations = m.clone();
        }
        Ok(project)
    }

    /// The project's migrator, waiting `--lock-timeout` for the lock and saying so on stderr.
    fn migrator(&self, project: &Project) -> anyhow::Result<trato_hive_runtime::Migrator> {
        Ok(project
            .migrator()?
            .lock_timeout(std::time::Duration::from_secs(self.lock_timeout))
            .on_notice(|m| eprintln!("migrate: {m}")))
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Statements on stderr when asked: `RUST_LOG` (`target=level,...`), else `TRATO_LOG_QUERIES=1`.
fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let Some(filter) = trato_hive_runtime::log_directives().and_then(|w| w.parse::<Targets>().ok()) else {
        return;
    };
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
}

/// The runtime commands' database work runs on (one thread: a command does one thing at a time).
fn tokio() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
