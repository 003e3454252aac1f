//! `migrate dev`: the migration for the schema's changes since the last one, written after looking at the
//! development database's data where a change depends on it (NULLs before `SET NOT NULL`, rows before a
//! required column without a default, what a destructive step would take), then regenerated and applied.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use trato_codegen::dbmodel::{lower, shown, Column};
use trato_codegen::diff::{diff, invert, Step};
use trato_codegen::emit::sql::render;
use trato_hive_runtime::{Db, DbConfig};

use crate::db::target_db;
use crate::generate::migration_dirs;
use crate::project::read_valid;
use crate::Ctx;

/// A change the data refuses, and the backfill that would let it through (table, column, value).
struct Blocker {
    message: String,
    backfill: Option<(String, Column, String)>,
}

pub fn dev(ctx: &Ctx, name: &str, allow_destructive: bool, create_only: bool) -> anyhow::Result<ExitCode> {
    let slug = slug(name)?;
    let project = ctx.project()?;
    let dir = &project.migrations;
    let existing = migration_dirs(dir);
    let (previous, previous_src) = match existing.last() {
        Some(last) => {
            let (schema, src) = read_valid(&last.join("schema.prisma"))?;
            (schema, Some(src))
        }
        None => (trato_codegen::Schema::default(), None),
    };
    let steps = diff(&lower(&previous), &lower(&project.parsed));
    let cfg = match target_db(ctx, &project.schema) {
        Ok(cfg) => Some(cfg),
        Err(e) if create_only => {
            eprintln!("migrate dev: {e:#}: the data checks (NULLs before SET NOT NULL, rows before a required column) are skipped");
            None
        }
        Err(e) => return Err(e.context("to write and apply a migration, set DATABASE_URL (or DIRECT_URL) to this schema's database (or use --create-only)")),
    };
    let rt = crate::tokio()?;
    // The database first catches up with the migrations there are (a backfill written last time among
    // them): its data is what the checks below read.
    let cfg = match cfg {
        Some(cfg) => match rt.block_on(ctx.migrator(&project)?.deploy(&cfg)) {
            Ok(applied) => {
                for n in &applied {
                    eprintln!("migrate: applied {n}");
                }
                Some(cfg)
            }
            Err(e @ trato_hive_runtime::Error::Unreachable { .. }) if create_only => {
                eprintln!("migrate dev: {e}: the data checks are skipped");
                None
            }
            Err(e) => return Err(crate::migrate::baseline_hint(e)),
        },
        None => None,
    };
    // After a branch merge the last snapshot misses what the other branch's migrations did: the base is
    // then what the migrations produce, read back from a shadow database.
    let mut steps = steps;
    let mut merged = false;
    // Only when there is something to write (the check builds two shadow databases: ~0.7 s on a small
    // schema).
    if let (Some(cfg), Some(src), true) = (&cfg, &previous_src, existing.len() > 1 && !steps.is_empty()) {
        if let Some(base) = crate::pull::merged_base(ctx, &project, cfg, src, &previous)? {
            eprintln!("migrate dev: the migrations do more than the last one's schema.prisma says (a merge of two branches?): diffing from what they produce");
            steps = diff(&lower(&base), &lower(&project.parsed));
            merged = true;
        }
    }
    if steps.is_empty() && merged {
        // Nothing left to do in the database, but the snapshot must say what the migrations produce.
        let folder = dir.join(format!("{}_{}", timestamp(&existing), slug));
        write_migration(&folder, &project.schema, &[], &steps)?;
        if !crate::generate(&project, false, &ctx.options.program)?.ok() {
            bail!("the merge migration is written, but generating the code failed");
        }
        eprintln!("migrate dev: the branches' migrations already do everything the schema asks; the merge migration records the schema");
        return Ok(ExitCode::SUCCESS);
    }
    if steps.is_empty() {
        eprintln!("migrate dev: the schema matches the last migration; nothing to write");
        return Ok(ExitCode::SUCCESS);
    }
    let (losses, blockers) = match &cfg {
        Some(cfg) => rt.block_on(inspect(cfg, &steps))?,
        None => (steps.iter().filter_map(|s| s.data_loss()).collect(), Vec::new()),
    };
    if !blockers.is_empty() {
        for b in &blockers {
            eprintln!("migrate dev: {}", b.message);
        }
        let backfills: Vec<&(String, Column, String)> = blockers.iter().filter_map(|b| b.backfill.as_ref()).collect();
        if let (false, Some(snapshot)) = (backfills.is_empty(), &previous_src) {
            let folder = dir.join(format!("{}_backfill_{}", timestamp(&existing), slug));
            write_backfill(&folder, snapshot, &backfills)?;
            eprintln!("migrate dev: wrote {}: put the values those rows should hold in its UPDATE, then run `migrate dev --name {slug}` again (it applies the backfill first)", folder.display());
        }
        eprintln!("migrate dev: refused; the change was not written and the code was not regenerated");
        return Ok(ExitCode::FAILURE);
    }
    if !losses.is_empty() && !allow_destructive {
        for l in &losses {
            eprintln!("migrate dev: destructive: {l}");
        }
        eprintln!("migrate dev: refused; nothing was written. Re-run with --allow-destructive if the data may go.");
        return Ok(ExitCode::FAILURE);
    }
    let folder = dir.join(format!("{}_{}", timestamp(&existing), slug));
    write_migration(&folder, &project.schema, &losses, &steps)?;
    // The generated code embeds the migrations: regenerate it, as Prisma's `migrate dev` does.
    if !crate::generate(&project, false, &ctx.options.program)?.ok() {
        bail!("the migration is written, but generating the code failed");
    }
    if create_only {
        return Ok(ExitCode::SUCCESS);
    }
    let Some(cfg) = cfg else {
        unreachable!("required above unless --create-only")
    };
    let applied = rt
        .block_on(ctx.migrator(&project)?.deploy(&cfg))
        .map_err(crate::migrate::baseline_hint)?;
    for n in &applied {
        eprintln!("migrate: applied {n}");
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn slug(name: &str) -> anyhow::Result<String> {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let slug = slug.trim_matches('_').to_string();
    if slug.is_empty() {
        bail!("--name `{name}` has no letters or digits");
    }
    Ok(slug)
}

/// `"schema"."table"` (or `"table"`) of a database name.
fn qt(name: &str) -> String {
    name.split('\0')
        .map(trato_hive_runtime::migrate::quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Reads the data each step depends on: what destructive steps would take (counted), and what would
/// make the migration fail (refused, with the fix).
async fn inspect(cfg: &DbConfig, steps: &[Step]) -> anyhow::Result<(Vec<String>, Vec<Blocker>)> {
    let mut cfg = cfg.clone();
    cfg.connection_limit = 1;
    let db = Db::connect(cfg)?;
    // Counted as the migrator sees: row-level security off (a role RLS would filter gets an error, not 0).
    let conn = db.conn().await?.detach();
    conn.batch_execute("SET row_security = off").await?;
    let count = |sql: String| {
        let conn = &conn;
        async move {
            let row = conn
                .query_one(&sql, &[])
                .await
                .with_context(|| format!("reading the development database: {sql}"))?;
            Ok::<i64, anyhow::Error>(row.get(0))
        }
    };
    let exists = |table: String| {
        let conn = &conn;
        async move {
            let row = conn
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&qt(&table)])
                .await?;
            Ok::<bool, anyhow::Error>(row.get(0))
        }
    };
    let (mut losses, mut blockers) = (Vec::new(), Vec::new());
    for step in steps {
        match step {
            Step::DropTable(t) if exists(t.name.clone()).await? => {
                let rows = count(format!("SELECT count(*) FROM {}", qt(&t.name))).await?;
                losses.push(format!("drops table `{}` and its {rows} row(s)", shown(&t.name)));
            }
            Step::DropColumn { table, column } if exists(table.clone()).await? => {
                let held = count(format!(
                    "SELECT count(*) FROM {} WHERE {} IS NOT NULL",
                    qt(table),
                    qt(&column.name)
                ))
                .await?;
                losses.push(format!(
                    "drops column `{}.{}` and its values ({held} row(s) hold one)",
                    shown(table),
                    column.name
                ));
            }
            Step::AlterColumn { table, from, to } if !from.not_null && to.not_null && exists(table.clone()).await? => {
                let nulls = count(format!(
                    "SELECT count(*) FROM {} WHERE {} IS NULL",
                    qt(table),
                    qt(&from.name)
                ))
                .await?;
                if nulls > 0 && to.default.is_none() {
                    blockers.push(Blocker {
                        message: format!(
                            "`{t}.{c}` becomes required, but {nulls} row(s) of `{t}` hold NULL there: the migration would fail (and roll back). Either give the field a default in the schema (`@default(...)`): the migration then fills those rows with it before SET NOT NULL; or fill them first with the backfill migration written below.",
                            t = shown(table),
                            c = to.name
                        ),
                        backfill: Some((table.clone(), to.clone(), placeholder(&to.ty))),
                    });
                } else if nulls > 0 {
                    eprintln!(
                        "migrate dev: {nulls} row(s) of `{}` hold NULL in `{}`: the migration sets them to its default before SET NOT NULL",
                        shown(table),
                        to.name
                    );
                }
            }
            Step::AddColumn { table, column }
                if column.not_null && column.default.is_none() && exists(table.clone()).await? =>
            {
                let rows = count(format!("SELECT count(*) FROM {}", qt(table))).await?;
                if rows > 0 {
                    blockers.push(Blocker {
                        message: format!(
                            "`{t}.{c}` is a new required field without a default, but `{t}` has {rows} row(s): the migration would fail. Give it a default (`@default(...)`), or add it optional, fill it, then make it required.",
                            t = shown(table),
                            c = column.name
                        ),
                        backfill: None,
                    });
                }
            }
            other => losses.extend(other.data_loss()),
        }
    }
    drop(conn);
    db.close();
    Ok((losses, blockers))
}

/// A value of `ty` for the backfill to start from (the user puts the right one).
fn placeholder(ty: &str) -> String {
    let upper = ty.to_uppercase();
    if upper.ends_with("[]") {
        "'{}'".into()
    } else if upper.starts_with("TEXT")
        || upper.starts_with("VARCHAR")
        || upper.starts_with("CHAR")
        || upper.starts_with("CITEXT")
    {
        "''".into()
    } else if upper.starts_with("BOOLEAN") {
        "false".into()
    } else if upper.starts_with("TIMESTAMP") || upper.starts_with("DATE") {
        "CURRENT_TIMESTAMP".into()
    } else if upper.starts_with("JSON") {
        "'{}'".into()
    } else if ["INTEGER", "BIGINT", "SMALLINT", "DOUBLE", "REAL", "DECIMAL", "NUMERIC"]
        .iter()
        .any(|t| upper.starts_with(t))
    {
        "0".into()
    } else {
        format!("NULL /* a {ty} value */")
    }
}

/// A migration of data only (the schema as the previous migration left it), filling NULLs.
fn write_backfill(folder: &Path, snapshot: &str, backfills: &[&(String, Column, String)]) -> anyhow::Result<()> {
    let mut up = String::from("-- Written by `migrate dev` for a column that becomes required while rows hold NULL there.\n-- Put the value those rows should hold (here a placeholder), then run `migrate dev` again.\n");
    for (table, column, value) in backfills {
        up.push_str(&format!(
            "\n-- Backfill\nUPDATE {t} SET {c} = {value} WHERE {c} IS NULL;\n",
            t = qt(table),
            c = qt(&column.name)
        ));
    }
    fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    fs::write(folder.join("migration.sql"), up)?;
    fs::write(
        folder.join("down.sql"),
        "-- Nothing to undo: the values written stay.\n",
    )?;
    fs::write(folder.join("schema.prisma"), snapshot)?;
    Ok(())
}

/// `yyyymmddHHMMSS` in UTC, later than every existing migration.
pub(crate) fn timestamp(existing: &[PathBuf]) -> String {
    let now = trato_hive_runtime::chrono::Utc::now()
        .format("%Y%m%d%H%M%S")
        .to_string();
    let last = existing
        .last()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().chars().take(14).collect::<String>());
    match last {
        Some(l) if l.len() == 14 && l >= now => {
            let n: u64 = l.parse().unwrap_or(0);
            // Seconds roll over into minutes only in a name, never in time: any larger number sorts later.
            format!("{:014}", n + 1)
        }
        _ => now,
    }
}

fn write_migration(
    folder: &Path,
    schema: &Path,
    losses: &[String],
    steps: &[trato_codegen::diff::Step],
) -> anyhow::Result<()> {
    let mut up = String::new();
    for l in losses {
        up.push_str(&format!("-- Warning: {l}\n"));
    }
    if !losses.is_empty() {
        up.push('\n');
    }
    up.push_str(&trato_codegen::emit::render_migration(steps));
    let down = render(&invert(steps));
    fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    fs::write(folder.join("migration.sql"), &up)?;
    fs::write(folder.join("down.sql"), &down)?;
    fs::copy(schema, folder.join("schema.prisma"))?;
    eprintln!("migrate dev: wrote {}", folder.display());
    for w in trato_codegen::lint::lint(&up) {
        eprintln!(
            "{}/migration.sql:{}: warning[{}]: {}",
            folder.display(),
            w.line,
            w.code,
            w.message
        );
    }
    Ok(())
}
