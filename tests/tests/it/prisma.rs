//! Differential tests against Prisma itself: Prisma 7.10's schema engine (its Wasm build, pinned in
//! `tests/prisma-oracle/package-lock.json`, installed from the npm registry into the target folder on first
//! use) gives the SQL `prisma migrate diff --from-empty` would print. For every schema of the corpus, its SQL
//! and ours are each applied to a fresh database, and the two catalogs (tables, columns with types,
//! nullability and defaults, primary, unique and foreign keys with their actions, indexes with methods
//! and operator classes, enums) must be identical, and so must the scripts' text. On the invalid corpus,
//! both must refuse, at the same line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use trato_codegen::dbmodel::lower;
use trato_codegen::emit::sql::from_empty_as_prisma;
use trato_hive_runtime::introspect::{catalog_of, compare};
use trato_hive_runtime::migrate::HISTORY_TABLE;
use trato_tests::harness::TestDb;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The oracle's folder under the target folder, with its pinned packages installed (`npm ci`, once per
/// lock file). Tests run in parallel: the first to ask installs, the others wait for it (two `npm ci` in
/// one folder break each other).
fn oracle() -> PathBuf {
    static INSTALLED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(install_oracle).clone()
}

fn install_oracle() -> PathBuf {
    let source = root().join("tests/prisma-oracle");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prisma-oracle");
    std::fs::create_dir_all(&dir).expect("oracle folder");
    for file in ["package.json", "package-lock.json", "oracle.mjs"] {
        std::fs::copy(source.join(file), dir.join(file)).expect("copy the oracle");
    }
    let lock = std::fs::read(dir.join("package-lock.json")).expect("lock");
    let installed = std::fs::read(dir.join("node_modules/.installed-lock")).ok();
    if installed.as_deref() != Some(lock.as_slice()) {
        let npm = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("npm (the oracle needs Node.js and npm, as the PostgreSQL install does)");
        assert!(
            npm.status.success(),
            "npm ci failed:\n{}",
            String::from_utf8_lossy(&npm.stderr)
        );
        std::fs::write(dir.join("node_modules/.installed-lock"), &lock).expect("marker");
    }
    dir
}

/// What Prisma says of each file: `Ok(sql)` or `Err(message)`.
fn prisma(url: &str, files: &[PathBuf]) -> BTreeMap<PathBuf, Result<String, String>> {
    let out = Command::new("node")
        .arg("oracle.mjs")
        .args(files)
        .current_dir(oracle())
        .env("DATABASE_URL", url)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "the oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let file = PathBuf::from(v["file"].as_str().expect("file"));
            let answer = if v["ok"] == true {
                Ok(v["sql"].as_str().unwrap_or_default().to_string())
            } else {
                Err(v["error"].as_str().unwrap_or_default().to_string())
            };
            (file, answer)
        })
        .collect()
}

fn corpus(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "prisma"))
        .collect();
    files.sort();
    files
}

/// `sql` applied to a fresh database; the catalog of its schema and of `schemas` (multi-schema).
async fn built(sql: &str, schemas: &[String]) -> Vec<String> {
    let db = TestDb::empty().await;
    let pool = db.pool("");
    // Prisma's DDL and ours are the owner's statements, not application SQL: a detached connection.
    let conn = pool.conn().await.expect("conn").detach();
    conn.batch_execute(sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    drop(conn);
    catalog_of(&pool.conn().await.expect("conn"), HISTORY_TABLE, schemas)
        .await
        .expect("catalog")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_ddl_builds_the_database_prisma_builds() {
    let mut files = corpus(&root().join("tests/prisma-corpus/valid"));
    files.push(root().join("tests/schemas/all_types.prisma"));
    for name in ["blog", "nextauth", "prisma_ddl", "prisma_datasource"] {
        files.push(root().join(format!("codegen/test_data/valid/{name}.prisma")));
    }
    let oracle_db = TestDb::empty().await;
    let answers = prisma(&format!("{}?sslmode=disable", oracle_db.url), &files);
    let (mut items, mut differences, mut texts) = (0, Vec::new(), Vec::new());
    for file in &files {
        let src = std::fs::read_to_string(file).expect("schema");
        let theirs = match &answers[file] {
            Ok(sql) => sql.clone(),
            Err(e) => panic!("Prisma refuses {}: {e}", file.display()),
        };
        let (schema, diags) = trato_codegen::check(&src);
        let schema = schema.unwrap_or_else(|| panic!("we refuse {}: {diags:?}", file.display()));
        // The text too: what `trato migrate diff --from-empty` prints.
        let ours = from_empty_as_prisma(&lower(&schema));
        if theirs != ours {
            texts.push(file.display().to_string());
        }
        let schemas = schema
            .datasource
            .as_ref()
            .map(|d| d.schemas.clone())
            .unwrap_or_default();
        let (expected, actual) = (built(&theirs, &schemas).await, built(&ours, &schemas).await);
        items += expected.len();
        for d in compare(&expected, &actual) {
            differences.push(format!("{}: {d}", file.display()));
        }
    }
    eprintln!(
        "prisma differential: {} schemas, {items} catalog items compared, {} differences, {} scripts not byte-identical",
        files.len(),
        differences.len(),
        texts.len()
    );
    assert!(
        texts.is_empty(),
        "our script differs from Prisma's in text for: {texts:?}"
    );
    assert!(
        differences.is_empty(),
        "our DDL differs from Prisma's (- Prisma only, + ours only):\n{}",
        differences.join("\n")
    );
}

/// The line of Prisma's first error (`-->  schema.prisma:LINE`).
fn prisma_line(message: &str) -> Option<usize> {
    let at = message.find("schema.prisma:")? + "schema.prisma:".len();
    message[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn we_refuse_what_prisma_refuses_at_the_same_line() {
    let files = corpus(&root().join("tests/prisma-corpus/invalid"));
    let oracle_db = TestDb::empty().await;
    let answers = prisma(&format!("{}?sslmode=disable", oracle_db.url), &files);
    let (mut disagreements, mut declared) = (Vec::new(), 0);
    for file in &files {
        let src = std::fs::read_to_string(file).expect("schema");
        let (schema, diags) = trato_codegen::check(&src);
        let ours = diags
            .iter()
            .find(|d| d.is_error())
            .map(|d| src[..d.span.start.min(src.len())].matches('\n').count() + 1);
        match (&answers[file], schema.is_some()) {
            (Ok(_), _) => disagreements.push(format!("{}: Prisma accepts it", file.display())),
            (Err(_), true) => disagreements.push(format!("{}: we accept it", file.display())),
            // A schema may say why our first error is on another line (`// differs: ...`): e.g. we point at
            // the second `@id`, Prisma at the model.
            (Err(_), false) if src.contains("// differs: ") => declared += 1,
            (Err(e), false) if prisma_line(e) != ours => disagreements.push(format!(
                "{}: first error at line {:?} for Prisma, {ours:?} for us ({})",
                file.display(),
                prisma_line(e),
                e.lines().next().unwrap_or_default()
            )),
            _ => {}
        }
    }
    eprintln!(
        "prisma differential: {} invalid schemas compared, {declared} with a declared difference of line",
        files.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
