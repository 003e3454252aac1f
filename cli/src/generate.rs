//! `generate`: compile a schema file into Rust. One function ([`ensure_files`]) writes every generated file,
//! and only when its contents changed; with `--check` it writes nothing, prints a unified diff and the
//! command to run, and fails. When the migrations folder exists, the generated code embeds its migrations,
//! and the schema is checked against the last one (drift: a schema edit no migration captures).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use trato_codegen::emit::rust::EmbeddedMigrations;

use crate::project::Project;

/// What [`generate`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// Files written (or, with `check`, that would be).
    pub changed: usize,
    /// With `check`: generated files are stale.
    pub stale: bool,
    /// The schema differs from the schema its last migration leads to (the message says how).
    pub drift: Option<String>,
}

impl Outcome {
    /// Whether the command succeeds: with `check`, nothing stale and no drift.
    pub fn ok(&self) -> bool {
        !self.stale
    }
}

/// Generates (or with `check`, checks) the Rust models of `project` (whose schema [`Project::load`]
/// validated), its TypeScript module when it has one, and reports drift against its migrations. `program`
/// spells the command in messages.
pub fn generate(project: &Project, check: bool, program: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let parsed = &project.parsed;
    let name = display_name(&project.schema);
    let migrations = project.migrations.is_dir().then_some(project.migrations.as_path());
    let embedded = migrations.map(|dir| embedded(&project.output, dir));
    let files = trato_codegen::emit::rust::emit_with(parsed, &name, embedded.as_ref());
    let rust = ensure_files(&project.output, &files, check, program)?;
    report(&project.schema, &project.output, rust, check, &mut outcome);
    if let Some(ts) = &project.typescript {
        let module = trato_codegen::emit::typescript::emit(parsed, &name);
        let (Some(dir), Some(file)) = (ts.parent(), ts.file_name()) else {
            anyhow::bail!("{} is not a file path", ts.display());
        };
        let files = BTreeMap::from([(file.to_string_lossy().into_owned(), module)]);
        let changed = ensure_files(dir, &files, check, program)?;
        report(&project.schema, ts, changed, check, &mut outcome);
    }
    if let Some(dir) = migrations {
        outcome.drift = migration_drift(parsed, dir, program)?.map(|m| format!("{}: {m}", project.schema.display()));
        if let Some(msg) = &outcome.drift {
            eprintln!("generate: {msg}");
            outcome.stale |= check;
        }
    }
    if check && outcome.ok() {
        eprintln!("generate --check: {} is up to date", project.output.display());
    }
    Ok(outcome)
}

fn report(schema: &Path, target: &Path, changed: usize, check: bool, outcome: &mut Outcome) {
    outcome.changed += changed;
    if changed == 0 {
        return;
    }
    if check {
        outcome.stale = true;
    } else {
        eprintln!(
            "generate: {} -> {} ({changed} file(s) written)",
            schema.display(),
            target.display()
        );
    }
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

/// `to` relative to `from`, e.g. `schema/src/generated` -> `schema/migrations` = `../../migrations`.
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

/// `Some(message)` when `current` differs from the schema state recorded with the last migration in `dir`.
pub fn migration_drift(current: &trato_codegen::Schema, dir: &Path, program: &str) -> anyhow::Result<Option<String>> {
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
        &trato_codegen::dbmodel::lower(current),
    );
    Ok((!steps.is_empty()).then(|| {
        format!(
            "{} change(s) that no migration captures; run `{program} migrate dev --name <what_changed>`",
            steps.len()
        )
    }))
}

/// The schema's name as written into generated docs: its file name, the same from whichever folder the
/// command runs (the generated files must not depend on it).
fn display_name(schema: &Path) -> String {
    schema
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Makes `dir` hold exactly `files` among generated files: writes changed ones, removes generated files no
/// longer produced. Files without the generated header are never touched. With `check`, writes nothing
/// and prints the diff. Returns how many files changed (or would).
fn ensure_files(dir: &Path, files: &BTreeMap<String, String>, check: bool, program: &str) -> anyhow::Result<usize> {
    let mut changes: Vec<(PathBuf, String, String)> = Vec::new();
    for (rel, want) in files {
        let path = dir.join(rel);
        let have = fs::read_to_string(&path).unwrap_or_default();
        if &have != want {
            changes.push((path, have, want.clone()));
        }
    }
    if let Ok(entries) = fs::read_dir(dir) {
        let generated =
            |p: &Path| fs::read_to_string(p).is_ok_and(|t| t.starts_with(trato_codegen::emit::rust::HEADER_PREFIX));
        let mut stale: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                !files.contains_key(&name.unwrap_or_default())
            })
            .filter(|p| generated(p))
            .collect();
        stale.sort();
        for p in stale {
            let have = fs::read_to_string(&p).unwrap_or_default();
            changes.push((p, have, String::new()));
        }
    }
    if changes.is_empty() {
        return Ok(0);
    }
    if check {
        for (path, have, want) in &changes {
            let shown = path.display().to_string();
            let diff = similar::TextDiff::from_lines(have.as_str(), want.as_str());
            eprint!("{}", diff.unified_diff().context_radius(3).header(&shown, &shown));
        }
        eprintln!(
            "generate --check: {} generated file(s) under {} are stale; run `{program} generate` and commit the result",
            changes.len(),
            dir.display()
        );
        return Ok(changes.len());
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (path, _, want) in &changes {
        if want.is_empty() {
            fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
        } else {
            fs::write(path, want).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(changes.len())
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
