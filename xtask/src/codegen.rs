//! `cargo xtask codegen` and `cargo xtask format` without arguments: `trato generate` and `trato format` for
//! every schema of this checkout ([`TARGETS`]); the drift gate (`codegen --check`) in CI.

use std::process::ExitCode;

use crate::{project_root, TARGETS};

/// Every target generated, or with `check` checked (stale files, schema edits no migration captures).
pub fn run(check: bool) -> anyhow::Result<ExitCode> {
    let root = project_root();
    let mut ok = true;
    for t in TARGETS {
        let mut project = trato_cli::Project::load(&root.join(t.schema))?;
        if let Some(out) = t.out {
            project.output = root.join(out);
        }
        ok &= trato_cli::generate(&project, check, "cargo xtask")?.ok();
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Every target's schema formatted, or with `check` checked.
pub fn format_all(check: bool) -> anyhow::Result<ExitCode> {
    let root = project_root();
    let mut args = vec!["cargo xtask".to_string(), "format".to_string()];
    if check {
        args.push("--check".into());
    }
    args.extend(TARGETS.iter().map(|t| root.join(t.schema).display().to_string()));
    Ok(trato_cli::run(
        args,
        &trato_cli::Options {
            program: "cargo xtask".into(),
            ..trato_cli::Options::default()
        },
    ))
}
