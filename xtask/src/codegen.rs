//! `cargo xtask codegen`: compile schema files into Rust. One function ([`ensure_files`]) writes every
//! generated file, and only when its contents changed; with `--check` it writes nothing, prints a unified
//! diff and the command to run, and fails.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::{project_root, Args, TARGETS};

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = Args::parse(args, &["--check"], &["--schema", "--out"])?;
    let check = args.flag("--check");
    let targets: Vec<(PathBuf, PathBuf)> = match (args.option("--schema"), args.option("--out")) {
        (Some(s), Some(o)) => vec![(PathBuf::from(s), PathBuf::from(o))],
        (None, None) => {
            let root = project_root();
            TARGETS.iter().map(|(s, o)| (root.join(s), root.join(o))).collect()
        }
        _ => anyhow::bail!("--schema and --out go together"),
    };
    let mut failed = false;
    for (schema, out) in &targets {
        match generate_one(schema, out, check)? {
            Outcome::Fresh => {}
            Outcome::Written(n) => eprintln!(
                "codegen: {} -> {} ({n} file(s) written)",
                schema.display(),
                out.display()
            ),
            Outcome::Invalid | Outcome::Stale => failed = true,
        }
    }
    if failed {
        return Ok(ExitCode::FAILURE);
    }
    if check {
        eprintln!("codegen --check: generated code is up to date");
    }
    Ok(ExitCode::SUCCESS)
}

enum Outcome {
    Fresh,
    Written(usize),
    Invalid,
    Stale,
}

fn generate_one(schema: &Path, out: &Path, check: bool) -> anyhow::Result<Outcome> {
    let src = fs::read_to_string(schema).with_context(|| format!("cannot read schema {}", schema.display()))?;
    let name = display_name(schema);
    match trato_codegen::generate(&name, &src) {
        Err(diags) => {
            eprint!("{}", trato_codegen::render(&schema.display().to_string(), &src, &diags));
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "codegen: {errors} error(s) in {}; nothing was written",
                schema.display()
            );
            Ok(Outcome::Invalid)
        }
        Ok(output) => {
            if !output.warnings.is_empty() {
                eprint!(
                    "{}",
                    trato_codegen::render(&schema.display().to_string(), &src, &output.warnings)
                );
            }
            ensure_files(out, &output.rust, check)
        }
    }
}

/// The schema's name as written into generated docs: its path relative to the project root when inside it.
fn display_name(schema: &Path) -> String {
    let root = project_root();
    let abs = fs::canonicalize(schema).unwrap_or_else(|_| schema.to_path_buf());
    let rel = fs::canonicalize(&root)
        .ok()
        .and_then(|r| abs.strip_prefix(r).ok().map(Path::to_path_buf));
    rel.unwrap_or_else(|| schema.file_name().map(PathBuf::from).unwrap_or_default())
        .display()
        .to_string()
}

/// Makes `dir` hold exactly `files` among generated files: writes changed ones, removes generated files no
/// longer produced. Files without the generated header are never touched. With `check`, writes nothing.
fn ensure_files(dir: &Path, files: &BTreeMap<String, String>, check: bool) -> anyhow::Result<Outcome> {
    let header = trato_codegen::emit::rust::HEADER;
    let mut changes: Vec<(PathBuf, String, String)> = Vec::new();
    for (rel, want) in files {
        let path = dir.join(rel);
        let have = fs::read_to_string(&path).unwrap_or_default();
        if &have != want {
            changes.push((path, have, want.clone()));
        }
    }
    if let Ok(entries) = fs::read_dir(dir) {
        let mut stale: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .filter(|p| {
                !files.contains_key(
                    &p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                )
            })
            .filter(|p| fs::read_to_string(p).is_ok_and(|t| t.starts_with(header)))
            .collect();
        stale.sort();
        for p in stale {
            let have = fs::read_to_string(&p).unwrap_or_default();
            changes.push((p, have, String::new()));
        }
    }
    if changes.is_empty() {
        return Ok(Outcome::Fresh);
    }
    if check {
        for (path, have, want) in &changes {
            let shown = path.display().to_string();
            let diff = similar::TextDiff::from_lines(have.as_str(), want.as_str());
            eprint!("{}", diff.unified_diff().context_radius(3).header(&shown, &shown));
        }
        eprintln!(
            "codegen --check: {} generated file(s) under {} are stale; run `cargo xtask codegen` and commit the result",
            changes.len(),
            dir.display()
        );
        return Ok(Outcome::Stale);
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (path, _, want) in &changes {
        if want.is_empty() {
            fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
        } else {
            fs::write(path, want).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(Outcome::Written(changes.len()))
}
