//! `format [--check] [PATH...]`: canonical formatting of schema files. A file that does not parse is
//! reported and left untouched.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

pub fn run(paths: &[PathBuf], check: bool, program: &str) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for path in paths {
        let src = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        match trato_codegen::format::format(&src) {
            Err(diags) => {
                eprint!("{}", trato_codegen::render(&path.display().to_string(), &src, &diags));
                eprintln!("format: {} does not parse; left unchanged", path.display());
                failed = true;
            }
            Ok(formatted) if formatted == src => {}
            Ok(_) if check => {
                eprintln!(
                    "format --check: {} is not formatted; run `{program} format`",
                    path.display()
                );
                failed = true;
            }
            Ok(formatted) => {
                fs::write(path, formatted).with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("format: {} formatted", path.display());
            }
        }
    }
    Ok(crate::exit(!failed))
}
