//! `cargo xtask format [--check] [PATH...]`: canonical formatting of schema files. A file that does not parse
//! is reported and left untouched.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::{project_root, Args, TARGETS};

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = Args::parse(args, &["--check"], &[])?;
    let check = args.flag("--check");
    let paths: Vec<PathBuf> = if args.positional.is_empty() {
        let root = project_root();
        TARGETS.iter().map(|t| root.join(t.schema)).collect()
    } else {
        args.positional.iter().map(PathBuf::from).collect()
    };
    let mut failed = false;
    for path in paths {
        let src = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        match trato_codegen::format::format(&src) {
            Err(diags) => {
                eprint!("{}", trato_codegen::render(&path.display().to_string(), &src, &diags));
                eprintln!("format: {} does not parse; left unchanged", path.display());
                failed = true;
            }
            Ok(formatted) if formatted == src => {}
            Ok(_) if check => {
                eprintln!(
                    "format --check: {} is not formatted; run `cargo xtask format`",
                    path.display()
                );
                failed = true;
            }
            Ok(formatted) => {
                fs::write(&path, formatted).with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("format: {} formatted", path.display());
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
