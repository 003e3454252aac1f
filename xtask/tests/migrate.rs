//! End-to-end tests of `cargo xtask migrate ...` and `db drift`: the real binary, a real server (one
//! throwaway cluster for this test binary), schema files and migration folders in temporary directories.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use trato_hive_runtime::introspect::{catalog, compare};
use trato_hive_runtime::{Db, DbConfig};

fn cluster() -> &'static trato_pg::Cluster {
    static C: OnceLock<trato_pg::Cluster> = OnceLock::new();
    C.get_or_init(|| {
        let bin = trato_pg::ensure(None).expect("PostgreSQL binaries");
        trato_pg::ephemeral(&bin).expect("cluster")
    })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A fresh database on the test cluster; returns its URL.
fn database(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let db = format!("{name}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
    let admin = cluster().url("postgres");
    rt().block_on(async {
        let pool = Db::connect(DbConfig::from_url(&format!("{admin}?sslmode=disable")).expect("url")).expect("pool");
        pool.execute(&format!("CREATE DATABASE {db}"), &[])
            .await
            .expect("create database");
        pool.close();
    });
    cluster().url(&db)
}

fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "xtask-mig-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

struct Project {
    dir: PathBuf,
    url: String,
}

impl Project {
    fn new(name: &str) -> Project {
        Project {
            dir: temp_dir(name),
            url: database(name),
        }
    }

    fn schema(&self) -> PathBuf {
        self.dir.join("schema.prisma")
    }

    fn migrations(&self) -> PathBuf {
        self.dir.join("migrations")
    }

    fn xtask(&self, args: &[&str]) -> Output {
        let schema = self.schema();
        let migrations = self.migrations();
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--schema",
            schema.to_str().expect("utf-8"),
            "--migrations",
            migrations.to_str().expect("utf-8"),
        ]);
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(&all)
            .env("DATABASE_URL", format!("{}?sslmode=disable", self.url))
            .env_remove("DIRECT_URL")
            .output()
            .expect("run xtask")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.xtask(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "xtask {args:?} failed:\n{err}");
        err
    }

    fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let url = format!("{}?sslmode=disable", self.url);
        rt().block_on(async {
            let db = Db::connect(DbConfig::from_url(&url).expect("url")).expect("pool");
            let rows = db.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            db.close();
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<_, Option<String>>(i).unwrap_or_else(|| "NULL".into()))
                        .collect()
                })
                .collect()
        })
    }

    fn batch(&self, sql: &str) {
        let url = format!("{}?sslmode=disable", self.url);
        rt().block_on(async {
            let db = Db::connect(DbConfig::from_url(&url).expect("url")).expect("pool");
            db.conn()
                .await
                .expect("conn")
                .detach()
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            db.close();
        });
    }

    fn catalog(&self) -> Vec<String> {
        let url = format!("{}?sslmode=disable", self.url);
        rt().block_on(async {
            let db = Db::connect(DbConfig::from_url(&url).expect("url")).expect("pool");
            let c = catalog(&db.conn().await.expect("conn")).await.expect("catalog");
            db.close();
            c
        })
    }

    fn folders(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(self.migrations())
            .map(|e| e.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}

const HEAD: &str = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n\nmodel Org {\n  id    String @id\n  deals Deal[]\n  COMPANIES\n  @@tenantRoot\n}\n\n";

/// The schema at each step of the scripted series: `deal` is the body of model Deal, `extra` more blocks.
fn schema(stage: &str, deal: &str, extra: &str, companies: bool) -> String {
    let head = HEAD.replace("COMPANIES", if companies { "companies Company[]\n" } else { "" });
    format!("{head}enum Stage {{\n{stage}\n}}\n\nmodel Deal {{\n  id    String @id\n  orgId String @map(\"org_id\")\n  org   Org    @relation(fields: [orgId], references: [id])\n  stage Stage  @default(A)\n{deal}\n  @@tenant(orgId)\n}}\n{extra}")
}

fn values(p: &Project, sql: &str) -> Vec<String> {
    p.query(sql).into_iter().map(|r| r.join("|")).collect()
}

/// Generates, applies, rolls back and re-applies one step; returns the migration's SQL.
fn step(p: &Project, name: &str, extra: &[&str], check: impl Fn(&Project)) -> String {
    let mut args = vec!["migrate", "dev", "--name", name];
    args.extend(extra);
    p.ok(&args);
    check(p);
    let applied = p.catalog();
    p.ok(&["migrate", "down", "1", "--force"]);
    p.ok(&["migrate", "deploy"]);
    check(p);
    assert_eq!(
        compare(&applied, &p.catalog()),
        Vec::<String>::new(),
        "{name}: down then deploy changed the catalog"
    );
    let last = p.folders().last().cloned().expect("a migration folder");
    assert!(
        last.file_name().is_some_and(|n| n.to_string_lossy().ends_with(name)),
        "{last:?}"
    );
    fs::read_to_string(last.join("migration.sql")).expect("migration.sql")
}

#[test]
fn a_scripted_series_of_schema_edits_keeps_the_data_it_promises() {
    let p = Project::new("series");
    fs::write(p.schema(), schema("  A\n  B", "  name  String", "", false)).expect("write");
    p.ok(&["migrate", "dev", "--name", "init"]);
    p.batch("INSERT INTO \"Org\" (id) VALUES ('o1'), ('o2')");
    p.batch(
        "INSERT INTO \"Deal\" (id, org_id, name, stage) VALUES ('d1', 'o1', 'first', 'B'), ('d2', 'o2', 'second', 'A')",
    );

    // 1. Add a column: rows stay, the new column is NULL.
    fs::write(
        p.schema(),
        schema("  A\n  B", "  name  String\n  notes String?\n  score Int?", "", false),
    )
    .expect("write");
    let sql = step(&p, "add_notes", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, name, coalesce(notes, 'NULL') FROM \"Deal\" ORDER BY id"),
            ["d1|first|NULL", "d2|second|NULL"]
        );
    });
    assert!(sql.contains("ADD COLUMN \"notes\" TEXT"), "{sql}");
    p.batch("UPDATE \"Deal\" SET notes = 'n-' || id, score = 7");

    // 2. Rename a column through the hint: no drop, no data lost.
    fs::write(
        p.schema(),
        schema(
            "  A\n  B",
            "  title String @renamedFrom(\"name\")\n  notes String?\n  score Int?",
            "",
            false,
        ),
    )
    .expect("write");
    let sql = step(&p, "rename_name", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, title FROM \"Deal\" ORDER BY id"),
            ["d1|first", "d2|second"]
        );
    });
    assert!(
        sql.contains("RENAME COLUMN \"name\" TO \"title\"") && !sql.contains("DROP"),
        "{sql}"
    );

    // 3. Change a type (widening): values kept.
    fs::write(
        p.schema(),
        schema(
            "  A\n  B",
            "  title String\n  notes String?\n  score BigInt?",
            "",
            false,
        ),
    )
    .expect("write");
    let sql = step(&p, "widen_score", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, score::text FROM \"Deal\" ORDER BY id"),
            ["d1|7", "d2|7"]
        );
    });
    assert!(sql.contains("SET DATA TYPE BIGINT"), "{sql}");

    // 4. Add an enum value: in place.
    fs::write(
        p.schema(),
        schema(
            "  A\n  B\n  C",
            "  title String\n  notes String?\n  score BigInt?",
            "",
            false,
        ),
    )
    .expect("write");
    let sql = step(&p, "add_stage_c", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, stage::text FROM \"Deal\" ORDER BY id"),
            ["d1|B", "d2|A"]
        );
    });
    assert!(sql.contains("ALTER TYPE \"Stage\" ADD VALUE 'C' AFTER 'B'"), "{sql}");

    // 5. Add an index.
    fs::write(
        p.schema(),
        schema(
            "  A\n  B\n  C",
            "  title String\n  notes String?\n  score BigInt?\n  @@index([orgId, title])",
            "",
            false,
        ),
    )
    .expect("write");
    let sql = step(&p, "index_title", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, title FROM \"Deal\" ORDER BY id"),
            ["d1|first", "d2|second"]
        );
    });
    // On an existing table: built CONCURRENTLY, outside a transaction (writes go on).
    assert!(
        sql.starts_with("-- trato:part no-transaction\n")
            && sql.contains("CREATE INDEX CONCURRENTLY \"Deal_org_id_title_idx\""),
        "{sql}"
    );

    // 6. Add a relation to a new tenant-owned model: a composite foreign key.
    let company = "\nmodel Company {\n  id    String @id\n  orgId String @map(\"org_id\")\n  org   Org    @relation(fields: [orgId], references: [id])\n  deals Deal[]\n  @@tenant(orgId)\n}\n";
    let with_company = "  title     String\n  notes     String?\n  score     BigInt?\n  companyId String? @map(\"company_id\")\n  company   Company? @relation(fields: [companyId], references: [id], onDelete: SetNull)\n  @@index([orgId, title])";
    fs::write(p.schema(), schema("  A\n  B\n  C", with_company, company, true)).expect("write");
    let sql = step(&p, "add_company", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, title FROM \"Deal\" ORDER BY id"),
            ["d1|first", "d2|second"]
        );
    });
    assert!(sql.contains("FOREIGN KEY (\"org_id\", \"company_id\") REFERENCES \"Company\"(\"org_id\", \"id\") ON DELETE SET NULL (\"company_id\") NOT VALID"), "{sql}");
    // Validated in a transaction of its own, after the one that added it.
    let (added, validated) = sql.split_once("-- trato:part\n").expect("a second part");
    assert!(added.contains("NOT VALID") && !added.contains("VALIDATE"), "{sql}");
    assert!(validated.contains("VALIDATE CONSTRAINT"), "{sql}");

    // 7. Add a required column with a default: existing rows get it.
    let with_priority = format!("{with_company}\n  priority Int @default(3)");
    fs::write(p.schema(), schema("  A\n  B\n  C", &with_priority, company, true)).expect("write");
    step(&p, "add_priority", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, priority::text FROM \"Deal\" ORDER BY id"),
            ["d1|3", "d2|3"]
        );
    });

    // 8. Rename the table (model) through the hint: rows follow.
    let renamed = schema("  A\n  B\n  C", &with_priority, company, true).replace(
        "@@tenant(orgId)\n}\n\nmodel Company",
        "@@tenant(orgId)\n  @@map(\"deals\")\n  @@renamedFrom(\"Deal\")\n}\n\nmodel Company",
    );
    fs::write(p.schema(), &renamed).expect("write");
    let sql = step(&p, "rename_deals", &[], |p| {
        assert_eq!(
            values(p, "SELECT id, title FROM deals ORDER BY id"),
            ["d1|first", "d2|second"]
        );
    });
    assert!(
        sql.contains("ALTER TABLE \"Deal\" RENAME TO \"deals\"") && !sql.contains("DROP TABLE"),
        "{sql}"
    );

    // 9. Drop a column: refused without the flag (nothing written), done with it.
    let before = p.folders().len();
    let dropped = renamed.replace("  notes     String?\n", "");
    fs::write(p.schema(), &dropped).expect("write");
    let refused = p.xtask(&["migrate", "dev", "--name", "drop_notes"]);
    assert_eq!(refused.status.code(), Some(1));
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(
        msg.contains("drops column `deals.notes`") && msg.contains("--allow-destructive"),
        "{msg}"
    );
    assert_eq!(p.folders().len(), before, "a refused migration writes nothing");
    let sql = step(&p, "drop_notes", &["--allow-destructive"], |p| {
        assert_eq!(
            values(p, "SELECT id, title FROM deals ORDER BY id"),
            ["d1|first", "d2|second"]
        );
    });
    assert!(sql.starts_with("-- Warning: drops column `deals.notes`"), "{sql}");

    // 10. Remove an enum value no row uses: the type is recreated, the rows converted.
    let no_c = dropped.replace("  A\n  B\n  C", "  A\n  B");
    fs::write(p.schema(), &no_c).expect("write");
    let sql = step(&p, "remove_stage_c", &["--allow-destructive"], |p| {
        assert_eq!(
            values(p, "SELECT id, stage::text FROM deals ORDER BY id"),
            ["d1|B", "d2|A"]
        );
    });
    assert!(sql.contains("ALTER TYPE \"Stage\" RENAME TO \"Stage_old\""), "{sql}");

    // 11. Drop a model (and the relation to it).
    let no_company = no_c
        .replace(company, "")
        .replace("companies Company[]\n", "")
        .replace("  companyId String? @map(\"company_id\")\n  company   Company? @relation(fields: [companyId], references: [id], onDelete: SetNull)\n", "");
    fs::write(p.schema(), &no_company).expect("write");
    step(&p, "drop_company", &["--allow-destructive"], |p| {
        assert_eq!(
            values(p, "SELECT id, title, priority::text FROM deals ORDER BY id"),
            ["d1|first|3", "d2|second|3"]
        );
    });

    // The whole history replayed equals the from-empty DDL of the final schema.
    let fresh = Project {
        dir: p.dir.clone(),
        url: database("fresh"),
    };
    let ddl = trato_codegen::ddl(&no_company).expect("valid");
    fresh.batch(&ddl);
    assert_eq!(compare(&p.catalog(), &fresh.catalog()), Vec::<String>::new());

    // Running `migrate dev` with nothing changed writes nothing.
    let before = p.folders().len();
    let same = p.ok(&["migrate", "dev", "--name", "nothing"]);
    assert!(same.contains("nothing to write"), "{same}");
    assert_eq!(p.folders().len(), before);
    let _ = fs::remove_dir_all(&p.dir);
}

#[test]
fn migration_output_is_byte_identical_for_the_same_input() {
    let a = Project::new("same_a");
    let b = Project::new("same_b");
    let src = schema("  A\n  B", "  name String\n  @@index([orgId, name])", "", false);
    for p in [&a, &b] {
        fs::write(p.schema(), &src).expect("write");
        p.ok(&["migrate", "dev", "--name", "init", "--create-only"]);
    }
    let read = |p: &Project, f: &str| fs::read(p.folders()[0].join(f)).expect("read");
    for f in ["migration.sql", "down.sql", "schema.prisma"] {
        assert_eq!(read(&a, f), read(&b, f), "{f}");
    }
}

#[test]
fn diff_from_empty_prints_prisma_ddl_and_errors_go_to_stderr() {
    let dir = temp_dir("diff");
    let schema = dir.join("s.prisma");
    fs::write(&schema, "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n\nmodel User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n}\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["migrate", "diff", "--from-empty", "--to-schema"])
        .arg(&schema)
        .output()
        .expect("run");
    assert!(out.status.success());
    let sql = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        sql,
        "-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS \"public\";\n\n-- CreateTable\nCREATE TABLE \"User\" (\n    \"id\" SERIAL NOT NULL,\n    \"email\" TEXT NOT NULL,\n\n    CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\n);\n\n-- CreateIndex\nCREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");\n"
    );
    fs::write(&schema, "model User {\n  id Strin @id\n}\n").expect("write");
    let bad = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["migrate", "diff", "--from-empty", "--to-schema"])
        .arg(&schema)
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error[S0103]"));
}

#[test]
fn status_reset_lint_and_drift_work_end_to_end() {
    let p = Project::new("ops");
    fs::write(p.schema(), schema("  A\n  B", "  name String", "", false)).expect("write");
    p.ok(&["migrate", "dev", "--name", "init", "--create-only"]);
    let status = p.xtask(&["migrate", "status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("0 applied, 1 pending"),
        "{status:?}"
    );
    p.ok(&["migrate", "deploy"]);
    let status = p.xtask(&["migrate", "status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("1 applied, 0 pending"));

    // A hand-written migration that locks a big table is flagged by lint.
    let folder = p.migrations().join("29990101000000_handwritten");
    fs::create_dir_all(&folder).expect("dir");
    fs::write(
        folder.join("migration.sql"),
        "CREATE INDEX deal_name ON \"Deal\"(name);\n",
    )
    .expect("write");
    let lint = p.xtask(&["migrate", "lint"]);
    assert!(
        String::from_utf8_lossy(&lint.stdout).contains("warning[L001]"),
        "{lint:?}"
    );
    fs::remove_dir_all(&folder).expect("remove");

    // Drift: the live database changed behind the migrations' back.
    let drift = p.xtask(&["db", "drift"]);
    assert!(drift.status.success(), "{}", String::from_utf8_lossy(&drift.stderr));
    p.batch("ALTER TABLE \"Deal\" ADD COLUMN sneaky int");
    let drift = p.xtask(&["db", "drift"]);
    assert_eq!(drift.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&drift.stdout).contains("+ column Deal.sneaky integer"),
        "{}",
        String::from_utf8_lossy(&drift.stdout)
    );

    // Reset (development only) recreates everything from the migrations.
    p.batch("INSERT INTO \"Org\" (id) VALUES ('o1')");
    p.ok(&["migrate", "reset", "--force"]);
    assert!(p.query("SELECT id FROM \"Org\"").is_empty());
    assert!(p.xtask(&["db", "drift"]).status.success(), "reset removed the drift");
    assert_eq!(
        p.xtask(&["migrate", "reset"]).status.code(),
        Some(1),
        "reset needs --force"
    );
}

#[test]
fn codegen_check_fails_when_no_migration_captures_the_schema() {
    let dir = temp_dir("drift");
    let schema_path = dir.join("schema.prisma");
    let out = dir.join("generated");
    let migrations = dir.join("migrations");
    fs::write(&schema_path, schema("  A\n  B", "  name String", "", false)).expect("write");
    let p = Project {
        dir: dir.clone(),
        url: database("codegen_drift"),
    };
    p.ok(&["migrate", "dev", "--name", "init", "--create-only"]);
    let args = |check: bool| {
        let mut a = vec!["codegen".to_string()];
        if check {
            a.push("--check".into());
        }
        for (k, v) in [
            ("--schema", &schema_path),
            ("--out", &out),
            ("--migrations", &migrations),
        ] {
            a.push(k.into());
            a.push(v.display().to_string());
        }
        a
    };
    let run = |check: bool| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args(check))
            .output()
            .expect("run")
    };
    assert!(run(false).status.success());
    assert!(fs::read_to_string(out.join("migrations.rs"))
        .expect("embedded list")
        .contains("_init/migration.sql"));
    assert!(run(true).status.success());
    fs::write(
        &schema_path,
        schema("  A\n  B", "  name String\n  extra Int?", "", false),
    )
    .expect("write");
    assert!(run(false).status.success(), "regenerating is fine; only --check fails");
    let check = run(true);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&check.stderr).contains("no migration captures"),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _ = fs::remove_dir_all(Path::new(&dir));
}

#[test]
fn db_push_brings_a_database_to_the_schema_without_a_migration() {
    let p = Project::new("push");
    fs::write(p.schema(), schema("  A\n  B", "  name String", "", false)).expect("write");
    p.ok(&["db", "push"]);
    assert!(p.folders().is_empty(), "push writes no migration");
    p.batch(
        "INSERT INTO \"Org\" (id) VALUES ('o1'); INSERT INTO \"Deal\" (id, org_id, name) VALUES ('d1', 'o1', 'kept')",
    );
    // An additive change is pushed in place; the row stays.
    fs::write(
        p.schema(),
        schema("  A\n  B\n  C", "  name String\n  notes String?", "", false),
    )
    .expect("write");
    p.ok(&["db", "push"]);
    assert_eq!(
        values(&p, "SELECT id, name, coalesce(notes, '-') FROM \"Deal\""),
        ["d1|kept|-"]
    );
    assert!(p.ok(&["db", "push"]).contains("already matches"));
    // A destructive change is refused without --force-reset, and nothing changes.
    fs::write(p.schema(), schema("  A\n  B\n  C", "  notes String?", "", false)).expect("write");
    let refused = p.xtask(&["db", "push"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force-reset"));
    assert_eq!(values(&p, "SELECT name FROM \"Deal\""), ["kept"]);
    // With it, the database is recreated from the schema (empty).
    p.ok(&["db", "push", "--force-reset"]);
    assert!(p.query("SELECT id FROM \"Deal\"").is_empty());
    let fresh = Project {
        dir: p.dir.clone(),
        url: database("push_fresh"),
    };
    fresh.batch(&trato_codegen::ddl(&fs::read_to_string(p.schema()).expect("read")).expect("valid"));
    let pushed: Vec<String> = p
        .catalog()
        .into_iter()
        .filter(|l| !l.contains("_trato_push_state"))
        .collect();
    assert_eq!(compare(&pushed, &fresh.catalog()), Vec::<String>::new());
}
