//! `db pull`: the schema file from the database (introspection), as Prisma's `db pull` does it: the
//! datasource and generator blocks stay; models and enums come from the database. Re-introspection keeps
//! what the database cannot say: for every model whose table the schema file already describes exactly
//! (compared on a shadow database built from the file's own DDL, with the drift check's catalog), the
//! file's text stays as written (names, `///` docs, `cuid()`/`@updatedAt`, tenancy and audit markers);
//! tables that changed are written again from the database under the file's names, new ones are added,
//! gone ones removed, and missing back-relations are completed by the formatter.

use std::collections::BTreeSet;
use std::fs;
use std::process::ExitCode;

use anyhow::Context;
use trato_codegen::dbmodel::lower;
use trato_codegen::emit::sql::from_empty;
use trato_codegen::pull::{
    render_enum, render_model, Catalog, Names, PulledColumn, PulledEnum, PulledForeignKey, PulledIndex, PulledTable,
};
use trato_hive_runtime::{Db, DbConfig};

use crate::db::{shadow_and_live, target_db, Shadow, ShadowDb};
use crate::project::Project;
use crate::Ctx;

pub fn pull(ctx: &Ctx, project: &Project, print: bool, force: bool) -> anyhow::Result<ExitCode> {
    let cfg = target_db(ctx, &project.schema)?;
    let catalog = crate::tokio()?.block_on(read_catalog(&cfg, &project.history_table))?;
    let existing = &project.parsed;
    let src = &project.source;
    let has_models = !existing.models.is_empty() || !existing.enums.is_empty();
    let text = if has_models && !force {
        let (expected, actual) = shadow_and_live(&cfg, project, Shadow::Script(from_empty(&lower(existing))))?;
        let changed = changed_objects(&expected, &actual);
        reintrospect(src, existing, &catalog, &changed)
    } else {
        let mut out = header(src);
        out.push_str(&trato_codegen::pull::render(&catalog, &Names::default()));
        out
    };
    let formatted = match trato_codegen::format::format(&text) {
        Ok(f) => f,
        Err(_) => text.clone(),
    };
    let (_, diags) = trato_codegen::check(&formatted);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if print {
        print!("{formatted}");
    } else {
        fs::write(&project.schema, &formatted).with_context(|| format!("cannot write {}", project.schema.display()))?;
        eprintln!(
            "db pull: {} ({} models, {} enums from the database) -> {}",
            cfg.redacted_url(),
            catalog.tables.len(),
            catalog.enums.len(),
            project.schema.display()
        );
    }
    if errors > 0 {
        eprint!(
            "{}",
            trato_codegen::render(&project.schema.display().to_string(), &formatted, &diags)
        );
        eprintln!("db pull: the schema written has {errors} error(s) to fix by hand (see above)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The schema of a live database (introspection alone, no names kept): `migrate diff --from-url/--to-url`.
pub(crate) fn schema_of_url(url: &str) -> anyhow::Result<trato_codegen::Schema> {
    let cfg = DbConfig::from_url(url)?;
    eprintln!("database: {}", cfg.redacted_url());
    let catalog = crate::tokio()?.block_on(read_catalog(&cfg, trato_hive_runtime::migrate::HISTORY_TABLE))?;
    let text = format!(
        "datasource db {{\n  provider = \"postgresql\"\n}}\n\n{}",
        trato_codegen::pull::render(&catalog, &Names::default())
    );
    let text = trato_codegen::format::format(&text).unwrap_or(text);
    match trato_codegen::check(&text) {
        (Some(schema), _) => Ok(schema),
        (None, diags) => anyhow::bail!(
            "{} could not be read as a schema:\n{}",
            cfg.redacted_url(),
            trato_codegen::render("introspected", &text, &diags)
        ),
    }
}

/// The schema the migrations produce, when the last migration's snapshot does not describe it (two
/// branches each added a migration from the same parent, and both are here after a merge): the migrations
/// replayed on a shadow database, compared with the snapshot's own DDL on another, and the snapshot
/// re-introspected from the first. `None` when the snapshot describes the migrations (the usual case).
pub(crate) fn merged_base(
    ctx: &Ctx,
    project: &Project,
    cfg: &DbConfig,
    snapshot_src: &str,
    snapshot: &trato_codegen::Schema,
) -> anyhow::Result<Option<trato_codegen::Schema>> {
    let migrator = ctx.migrator(project)?;
    let replayed = ShadowDb::create(cfg, "m", Shadow::Migrations(&migrator))?;
    let (expected, actual) = shadow_and_live(&replayed.cfg, project, Shadow::Script(from_empty(&lower(snapshot))))?;
    let changed = changed_objects(&expected, &actual);
    if changed.is_empty() {
        return Ok(None);
    }
    let catalog = crate::tokio()?.block_on(read_catalog(&replayed.cfg, &project.history_table))?;
    let text = reintrospect(snapshot_src, snapshot, &catalog, &changed);
    let text = trato_codegen::format::format(&text).unwrap_or(text);
    match trato_codegen::check(&text) {
        (Some(base), _) => Ok(Some(base)),
        (None, diags) => anyhow::bail!(
            "the migrations produce a database the last migration's schema.prisma does not describe ({}), and reading it back failed:\n{}",
            changed.iter().cloned().collect::<Vec<_>>().join(", "),
            trato_codegen::render("replayed migrations", &text, &diags)
        ),
    }
}

/// The source up to its first model, view or enum: the datasource and generator blocks and comments.
fn header(src: &str) -> String {
    let mut out = String::new();
    for line in src.lines() {
        let t = line.trim_start();
        if t.starts_with("model ") || t.starts_with("enum ") || t.starts_with("view ") || t.starts_with("///") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    out
}

/// The tables and enums the catalog listings disagree on (by the name each line is about).
fn changed_objects(expected: &[String], actual: &[String]) -> BTreeSet<String> {
    trato_hive_runtime::introspect::compare(expected, actual)
        .iter()
        .filter_map(|line| object_of(&line[2..]))
        .collect()
}

/// The table or enum a catalog line is about.
fn object_of(line: &str) -> Option<String> {
    let (kind, rest) = line.split_once(' ')?;
    let name = |s: &str| s.split(['.', ' ']).next().map(str::to_string);
    match kind {
        "column" | "constraint" | "rls" | "policy" | "trigger" | "rule" => name(rest),
        "enum" => name(rest),
        "index" => {
            let on = rest.find(" ON ")? + 4;
            let table = rest[on..].split_whitespace().next()?;
            let table = table.rsplit('.').next()?;
            Some(table.trim_matches('"').to_string())
        }
        "grant" => rest.split(" on table ").nth(1).and_then(name),
        _ => None,
    }
}

/// The block of `span`, with the `///` lines above it.
fn block_text(src: &str, span: trato_codegen::diagnostics::Span) -> (usize, usize) {
    let mut start = src[..span.start].rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let prev = src[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if src[prev..start].trim_start().starts_with("///") {
            start = prev;
        } else {
            break;
        }
    }
    let end = src[span.end..].find('\n').map_or(src.len(), |i| span.end + i + 1);
    (start, end)
}

fn reintrospect(src: &str, existing: &trato_codegen::Schema, catalog: &Catalog, changed: &BTreeSet<String>) -> String {
    let mut names = Names::default();
    for m in &existing.models {
        names.models.insert(m.db_name.clone(), m.name.clone());
        for f in &m.fields {
            if f.ty.relation().is_none() {
                names
                    .fields
                    .insert((m.db_name.clone(), f.db_name.clone()), f.name.clone());
            }
        }
    }
    for e in &existing.enums {
        names.enums.insert(e.db_name.clone(), e.name.clone());
    }
    // Replacements of existing blocks: (start, end, new text), applied back to front.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for m in existing.models.iter().filter(|m| !m.view) {
        let (start, end) = block_text(src, m.span);
        match catalog.tables.iter().find(|t| t.name == m.db_name) {
            None => edits.push((start, end, String::new())),
            Some(t) if changed.contains(&t.name) => edits.push((start, end, render_model(catalog, t, &names))),
            Some(_) => {}
        }
    }
    for e in &existing.enums {
        let (start, end) = block_text(src, e.span);
        match catalog.enums.iter().find(|x| x.name == e.db_name) {
            None => edits.push((start, end, String::new())),
            Some(x) if changed.contains(&x.name) => edits.push((start, end, render_enum(x, &names))),
            Some(_) => {}
        }
    }
    edits.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
    let mut out = src.to_string();
    for (start, end, text) in edits {
        out.replace_range(start..end, &text);
    }
    let known: BTreeSet<&str> = existing.models.iter().map(|m| m.db_name.as_str()).collect();
    let new_tables = catalog
        .tables
        .iter()
        .filter(|t| !known.contains(t.name.as_str()) && !trato_codegen::pull::is_join_table(catalog, t));
    for t in new_tables {
        out.push('\n');
        out.push_str(&render_model(catalog, t, &names));
    }
    let known_enums: BTreeSet<&str> = existing.enums.iter().map(|e| e.db_name.as_str()).collect();
    for e in catalog.enums.iter().filter(|e| !known_enums.contains(e.name.as_str())) {
        out.push('\n');
        out.push_str(&render_enum(e, &names));
    }
    out
}

/// Reads the connection's schema into a [`Catalog`] (the history table and `db push`'s state left out).
async fn read_catalog(cfg: &DbConfig, history: &str) -> anyhow::Result<Catalog> {
    let db = Db::connect(cfg.clone())?;
    let conn = db.conn().await?.detach();
    let skip = [history.to_string(), "_trato_push_state".to_string()];
    let rel = "c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relname = ANY($1)";
    let mut catalog = Catalog::default();
    for row in conn
        .query(
            &format!("SELECT c.relname::text FROM pg_class c WHERE {rel} ORDER BY 1"),
            &[&skip.as_slice()],
        )
        .await?
    {
        catalog.tables.push(PulledTable {
            name: row.get(0),
            ..PulledTable::default()
        });
    }
    let table = |catalog: &mut Catalog, name: &str| catalog.tables.iter().position(|t| t.name == name);
    let columns = format!(
        "SELECT c.relname::text, a.attname::text,
                format_type(CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE a.atttypid END, a.atttypmod),
                CASE WHEN et.typtype = 'e' THEN et.typname::text END, t.typcategory = 'A', a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid)
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
           JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE a.atttypid END
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE {rel} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
    );
    for row in conn.query(&columns, &[&skip.as_slice()]).await? {
        let Some(i) = table(&mut catalog, row.get::<_, &str>(0)) else {
            continue;
        };
        catalog.tables[i].columns.push(PulledColumn {
            name: row.get(1),
            ty: row.get(2),
            enum_name: row.get(3),
            array: row.get(4),
            not_null: row.get(5),
            default: row.get(6),
        });
    }
    let indexes = format!(
        "SELECT c.relname::text, i.relname::text, ix.indisprimary, ix.indisunique, am.amname::text,
                array(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, o)
                        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n ORDER BY k.o),
                array(SELECT (o.v & 1) = 1 FROM unnest(ix.indoption::int2[]) WITH ORDINALITY o(v, p) ORDER BY o.p)
           FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
           JOIN pg_am am ON am.oid = i.relam
          WHERE {rel} AND ix.indexprs IS NULL AND ix.indpred IS NULL ORDER BY c.relname, i.relname"
    );
    for row in conn.query(&indexes, &[&skip.as_slice()]).await? {
        let Some(i) = table(&mut catalog, row.get::<_, &str>(0)) else {
            continue;
        };
        let cols: Vec<String> = row.get(5);
        let desc: Vec<bool> = row.get(6);
        if row.get::<_, bool>(2) {
            catalog.tables[i].primary_key = Some((row.get(1), cols));
            continue;
        }
        catalog.tables[i].indexes.push(PulledIndex {
            name: row.get(1),
            columns: cols
                .into_iter()
                .zip(desc.into_iter().chain(std::iter::repeat(false)))
                .collect(),
            unique: row.get(3),
            method: row.get(4),
        });
    }
    let fks = format!(
        "SELECT c.relname::text, k.conname::text,
                array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o),
                r.relname::text,
                array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                        JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o),
                k.confdeltype::text, k.confupdtype::text
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
          WHERE {rel} AND k.contype = 'f' ORDER BY c.relname, k.conname"
    );
    for row in conn.query(&fks, &[&skip.as_slice()]).await? {
        let Some(i) = table(&mut catalog, row.get::<_, &str>(0)) else {
            continue;
        };
        let action = |s: String| s.chars().next().unwrap_or('a');
        catalog.tables[i].foreign_keys.push(PulledForeignKey {
            name: row.get(1),
            columns: row.get(2),
            ref_table: row.get(3),
            ref_columns: row.get(4),
            on_delete: action(row.get(5)),
            on_update: action(row.get(6)),
        });
    }
    for row in conn
        .query(
            "SELECT tablename::text, policyname::text, COALESCE(qual, '') || ' WITH CHECK ' || COALESCE(with_check, '')
               FROM pg_policies WHERE schemaname = current_schema() ORDER BY 1, 2",
            &[],
        )
        .await?
    {
        let Some(i) = table(&mut catalog, row.get::<_, &str>(0)) else {
            continue;
        };
        catalog.tables[i].policies.push((row.get(1), row.get(2)));
    }
    for row in conn
        .query(
            "SELECT t.typname::text, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
               FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
              WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname ORDER BY 1",
            &[],
        )
        .await?
    {
        catalog.enums.push(PulledEnum {
            name: row.get(0),
            values: row.get(1),
        });
    }
    catalog.tenancy = conn
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'trato_current_tenant' AND pronamespace = current_schema()::regnamespace)",
            &[],
        )
        .await?
        .get(0);
    drop(conn);
    db.close();
    Ok(catalog)
}
