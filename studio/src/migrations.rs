//! The migrations page: the project's migration folders against the database's history — applied,
//! pending, partly applied, edited after they were applied, applied but missing here, out of order —
//! with each one's `down.sql` and lint warnings. Read only: the migrator's `status` creates and locks
//! nothing, and there is no button that applies anything.

use std::path::{Path, PathBuf};

use maud::{html, Markup};
use trato_hive_runtime::{DbConfig, MigrationProblem, Migrator};

/// Where the migrations are and which history table records them, from the schema's generator block.
#[derive(Debug, Clone)]
pub struct Source {
    pub dir: PathBuf,
    pub history: Option<String>,
}

impl Source {
    pub fn of(schema_path: &Path, schema: &trato_codegen::Schema) -> Source {
        let folder = schema_path.parent().unwrap_or(Path::new("."));
        let generator = schema.generator.as_ref();
        Source {
            dir: folder.join(generator.and_then(|g| g.migrations.as_deref()).unwrap_or("migrations")),
            history: generator.and_then(|g| g.history_table.clone()),
        }
    }
}

/// One row of the page.
struct Row {
    name: String,
    state: String,
    ok: bool,
    down: bool,
    lint: Vec<String>,
}

pub async fn page(source: &Source, db: &DbConfig) -> Markup {
    let migrator = match Migrator::from_dir(&source.dir) {
        Ok(m) => match &source.history {
            Some(h) => m.history_table(h),
            None => m,
        },
        Err(e) => return html! { h1 { "Migrations" } div.banner.danger { (e.to_string()) } },
    };
    let status = match migrator.status(db).await {
        Ok(s) => s,
        Err(e) => return html! { h1 { "Migrations" } div.banner.danger { (e.to_string()) } },
    };
    let problem = |name: &str| {
        status.problems.iter().find(|p| match p {
            MigrationProblem::Edited { name: n }
            | MigrationProblem::DownEdited { name: n }
            | MigrationProblem::Missing { name: n }
            | MigrationProblem::SquashedPartly { name: n, .. }
            | MigrationProblem::OutOfOrder { name: n, .. } => n == name,
        })
    };
    let mut names = migrator.names();
    for p in &status.problems {
        if let MigrationProblem::Missing { name } = p {
            names.push(name.clone());
        }
    }
    names.sort();
    let rows: Vec<Row> = names
        .iter()
        .map(|name| {
            let folder = source.dir.join(name);
            let sql = std::fs::read_to_string(folder.join("migration.sql")).unwrap_or_default();
            let lint = trato_codegen::lint::lint(&sql)
                .into_iter()
                .map(|w| format!("{} line {}: {}", w.code, w.line, w.message))
                .collect();
            let (state, ok) = match problem(name) {
                Some(MigrationProblem::Edited { .. }) => ("edited after it was applied".to_string(), false),
                Some(MigrationProblem::DownEdited { .. }) => {
                    ("down.sql edited after it was applied".to_string(), false)
                }
                Some(MigrationProblem::Missing { .. }) => ("applied, missing here".to_string(), false),
                Some(MigrationProblem::OutOfOrder { after, .. }) => {
                    (format!("pending, older than the applied {after}"), false)
                }
                Some(MigrationProblem::SquashedPartly { .. }) => ("a squash applied in part".to_string(), false),
                None if status.partial.iter().any(|(n, _, _)| n == name) => ("partly applied".to_string(), false),
                None if status.applied.contains(name) => ("applied".to_string(), true),
                None => ("pending".to_string(), true),
            };
            Row {
                name: name.clone(),
                state,
                ok,
                down: folder.join("down.sql").exists(),
                lint,
            }
        })
        .collect();
    html! {
        h1 { "Migrations" }
        p { code { (source.dir.display().to_string()) } " against the history table " code { (migrator.history_table_name()) } ". Read only: nothing here applies anything (" code { "trato migrate deploy" } " does)." }
        @if status.problems.is_empty() {
            p.ok { (status.applied.len()) " applied, " (status.pending.len()) " pending." }
        } @else {
            div.banner.danger { @for p in &status.problems { (p.to_string()) br; } }
        }
        table.grid.wrap {
            thead { tr { th { "migration" } th { "state" } th { "down.sql" } th { "lint" } } }
            tbody {
                @for r in &rows {
                    tr id=(format!("migration-{}", r.name)) {
                        td { (r.name) }
                        td { @if r.ok { (r.state) } @else { span.fail { (r.state) } } }
                        td { @if r.down { "yes" } @else { "none" } }
                        td { @for w in &r.lint { (w) br; } }
                    }
                }
            }
        }
    }
}
