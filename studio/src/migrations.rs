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
    /// The project's migrations, with its history table.
    fn migrator(&self) -> Result<Migrator, trato_hive_runtime::Error> {
        let migrator = Migrator::from_dir(&self.dir)?;
        Ok(match &self.history {
            Some(h) => migrator.history_table(h),
            None => migrator,
        })
    }

    pub fn of(schema_path: &Path, schema: &trato_codegen::Schema) -> Source {
        let folder = schema_path.parent().unwrap_or(Path::new("."));
        let generator = schema.generator.as_ref();
        Source {
            dir: folder.join(generator.and_then(|g| g.migrations.as_deref()).unwrap_or("migrations")),
            history: generator.and_then(|g| g.history_table.clone()),
        }
    }
}

/// What the live database has that its migrations do not make, and the reverse: a shadow database on
/// the same server gets every migration, and the two catalogs (tables, indexes, policies, RLS flags,
/// functions, grants...) are compared, as `trato db drift` does. The shadow is dropped afterwards.
pub async fn drift(source: &Source, live: &DbConfig) -> Result<Vec<String>, trato_hive_runtime::Error> {
    use trato_hive_runtime::introspect::{catalog_of, compare};
    use trato_hive_runtime::Db;
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let migrator = source.migrator()?;
    let name = format!(
        "trato_studio_shadow_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let admin = Db::connect(live.with_dbname("postgres"))?;
    admin
        .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
        .await?;
    admin.execute(&format!("CREATE DATABASE {name}"), &[]).await?;
    let shadow = live.with_dbname(&name);
    let result = async {
        migrator.deploy(&shadow).await?;
        let mut catalogs = Vec::new();
        for cfg in [&shadow, live] {
            let db = Db::connect(cfg.clone())?;
            catalogs.push(catalog_of(&db.conn().await?, migrator.history_table_name(), &[]).await?);
            db.close();
        }
        Ok::<_, trato_hive_runtime::Error>(compare(&catalogs[0], &catalogs[1]))
    }
    .await;
    let _ = admin
        .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
        .await;
    admin.close();
    result
}

/// A word for the sidebar: what the migrations say of the database, or `None` when all is applied.
pub async fn badge(source: &Source, db: &DbConfig) -> Option<String> {
    let migrator = source.migrator().ok()?;
    let status = migrator.status(db).await.ok()?;
    if !status.problems.is_empty() {
        Some(format!("{} problem(s)", status.problems.len()))
    } else if !status.pending.is_empty() {
        Some(format!("{} pending", status.pending.len()))
    } else {
        None
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

pub async fn page(source: &Source, db: &DbConfig, check_drift: bool) -> Markup {
    let drifted = if check_drift {
        Some(drift(source, db).await)
    } else {
        None
    };
    let migrator = match source.migrator() {
        Ok(m) => m,
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
        @match &drifted {
            None => p { a href="/migrations?drift=1" { "Check drift" } " (builds a shadow database from the migrations and compares the catalogs, as " code { "trato db drift" } ")" },
            Some(Ok(d)) if d.is_empty() => p.ok #drift { "No drift: the database is what its migrations make." },
            Some(Ok(d)) => div.banner.danger #drift {
                "Drift: " (d.len()) " difference(s) (- made by the migrations only, + in the database only):"
                pre.code { @for l in d { (l) "\n" } }
            },
            Some(Err(e)) => div.banner.danger #drift { "The drift check failed: " (e.to_string()) },
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
