//! `cargo xtask codegen`: compile schema files into Rust. One function ([`ensure_files`]) writes every
//! generated file, and only when its contents changed; with `--check` it writes nothing, prints a unified
//! diff and the command to run, and fails. For a schema with migrations it also embeds them and checks that
//! the last migration captures the schema (drift).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use trato_codegen::emit::rust::EmbeddedMigrations;

use crate::{project_root, Args, TARGETS};

/// One schema to generate for: output folder, migrations folder, TypeScript module.
struct Job {
    schema: PathBuf,
    out: PathBuf,
    migrations: Option<PathBuf>,
    typescript: Option<PathBuf>,
}

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = Args::parse(
        args,
        &["--check"],
        &["--schema", "--out", "--migrations", "--typescript"],
    )?;
    let check = args.flag("--check");
    let jobs: Vec<Job> = match (args.option("--schema"), args.option("--out")) {
        (Some(s), Some(o)) => vec![Job {
            schema: PathBuf::from(s),
            out: PathBuf::from(o),
            migrations: args.option("--migrations").map(PathBuf::from),
            typescript: args.option("--typescript").map(PathBuf::from),
        }],
        (None, None) => {
            let root = project_root();
            TARGETS
                .iter()
                .map(|t| Job {
                    schema: root.join(t.schema),
                    out: root.join(t.out),
                    migrations: t.migrations.map(|m| root.join(m)),
                    typescript: t.typescript.map(|m| root.join(m)),
                })
                .collect()
        }
        _ => anyhow::bail!("--schema and --out go together"),
    };
    let mut failed = false;
    for job in &jobs {
        match generate_one(&job.schema, &job.out, job.migrations.as_deref(), check)? {
            Outcome::Fresh => {}
            Outcome::Written(n) => eprintln!(
                "codegen: {} -> {} ({n} file(s) written)",
                job.schema.display(),
                job.out.display()
            ),
            Outcome::Invalid | Outcome::Stale => failed = true,
        }
        if let Some(ts) = &job.typescript {
            match typescript(&job.schema, ts, check)? {
                Outcome::Stale => failed = true,
                Outcome::Written(_) => eprintln!("codegen: {} -> {}", job.schema.display(), ts.display()),
                _ => {}
            }
        }
        if let Some(dir) = &job.migrations {
            if let Some(msg) = migration_drift(&job.schema, dir)? {
                eprintln!("codegen: {msg}");
                failed |= check;
            }
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

/// Migration folders under `dir`, oldest first.
pub fn migration_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .map(|e| {
            e.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("migration.sql").exists())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The migrations to embed, with paths relative to the output folder.
fn embedded(out: &Path, dir: &Path) -> EmbeddedMigrations {
    let migrations = migration_dirs(dir)
        .iter()
        .map(|p| {
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                p.join("down.sql").exists(),
            )
        })
        .collect();
    EmbeddedMigrations {
        rel_dir: relative(out, dir),
        migrations,
    }
}

/// `to` relative to `from` (both under one root), e.g. `schema/src/generated` -> `schema/migrations` = `../../migrations`.
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(p));
    let (from, to) = (abs(from), abs(to));
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from.components().count() - common;
    let mut parts: Vec<String> = vec!["..".to_string(); ups];
    parts.extend(
        to.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `Some(message)` when the schema differs from the schema state recorded with the last migration.
pub fn migration_drift(schema: &Path, dir: &Path) -> anyhow::Result<Option<String>> {
    let src = fs::read_to_string(schema)?;
    let Some(current) = trato_codegen::check(&src).0 else {
        return Ok(None);
    };
    let last = match migration_dirs(dir).last() {
        Some(last) => {
            let snapshot = last.join("schema.prisma");
            let old_src = fs::read_to_string(&snapshot)
                .with_context(|| format!("{} has no schema.prisma (the schema state it leads to)", last.display()))?;
            trato_codegen::check(&old_src)
                .0
                .with_context(|| format!("{} is not a valid schema", snapshot.display()))?
        }
        None => trato_codegen::Schema::default(),
    };
    let steps = trato_codegen::diff::diff(
        &trato_codegen::dbmodel::lower(&last),
        &trato_codegen::dbmodel::lower(&current),
    );
    Ok((!steps.is_empty()).then(|| {
        format!(
            "{} has {} change(s) that no migration captures; run `cargo xtask migrate dev --name <what_changed>`",
            schema.display(),
            steps.len()
        )
    }))
}

fn generate_one(schema: &Path, out: &Path, migrations: Option<&Path>, check: bool) -> anyhow::Result<Outcome> {
    let src = fs::read_to_string(schema).with_context(|| format!("cannot read schema {}", schema.display()))?;
    let name = display_name(schema);
    let (parsed, diags) = trato_codegen::check(&src);
    let Some(parsed) = parsed else {
        eprint!("{}", trato_codegen::render(&schema.display().to_string(), &src, &diags));
        let errors = diags.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "codegen: {errors} error(s) in {}; nothing was written",
            schema.display()
        );
        return Ok(Outcome::Invalid);
    };
    if !diags.is_empty() {
        eprint!("{}", trato_codegen::render(&schema.display().to_string(), &src, &diags));
    }
    let embedded = migrations.map(|dir| embedded(out, dir));
    let files = trato_codegen::emit::rust::emit_with(&parsed, &name, embedded.as_ref());
    ensure_files(out, &files, check)
}

/// The TypeScript module of a schema (enums and model types), written or checked like the Rust files.
fn typescript(schema: &Path, target: &Path, check: bool) -> anyhow::Result<Outcome> {
    let src = fs::read_to_string(schema)?;
    let Some(parsed) = trato_codegen::check(&src).0 else {
        return Ok(Outcome::Invalid);
    };
    let want = trato_codegen::emit::typescript::emit(&parsed, &display_name(schema));
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        anyhow::bail!("{} is not a file path", target.display());
    };
    let files = BTreeMap::from([(name.to_string_lossy().into_owned(), want)]);
    ensure_files(dir, &files, check)
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

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/r/schema/src/generated"), Path::new("/r/schema/migrations")),
            "../../migrations"
        );
    }
}
