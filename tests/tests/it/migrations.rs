//! The migrator and the generated migrations against a real server.

use std::fs;
use std::path::{Path, PathBuf};

use trato_hive_runtime::introspect::{catalog, compare};
use trato_hive_runtime::{Error, MigrationProblem, Migrator};
use trato_tests::TestDb;

fn temp_dir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "trato-mig-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write_migration(dir: &Path, name: &str, up: &str) {
    fs::create_dir_all(dir.join(name)).expect("dir");
    fs::write(dir.join(name).join("migration.sql"), up).expect("write");
}

async fn tables(t: &TestDb) -> Vec<String> {
    let rows = t
        .pool("")
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .await
        .expect("tables");
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_migrations_give_the_catalog_of_the_from_empty_ddl() {
    let migrated = TestDb::empty().await;
    Migrator::new(trato_hive_db::MIGRATIONS)
        .deploy(&migrated.config())
        .await
        .expect("deploy");
    let direct = TestDb::empty().await;
    let src =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.prisma")).expect("schema");
    let ddl = trato_codegen::ddl(&src).expect("valid schema");
    direct
        .pool("")
        .conn()
        .await
        .expect("conn")
        .detach()
        .batch_execute(&ddl)
        .await
        .expect("from-empty DDL applies");
    let a = catalog(&migrated.pool("").conn().await.expect("conn"))
        .await
        .expect("catalog");
    let b = catalog(&direct.pool("").conn().await.expect("conn"))
        .await
        .expect("catalog");
    assert!(a.len() > 150, "the catalog listing looks too small: {}", a.len());
    assert!(
        a.iter().any(|l| l.starts_with("policy deals.tenant_isolation")),
        "{a:#?}"
    );
    assert_eq!(compare(&a, &b), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_migrators_at_once_apply_each_migration_exactly_once() {
    let t = TestDb::empty().await;
    let cfg = t.config();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let cfg = cfg.clone();
        handles.push(tokio::spawn(async move {
            Migrator::new(trato_hive_db::MIGRATIONS).deploy(&cfg).await
        }));
    }
    let mut applied = Vec::new();
    for h in handles {
        applied.extend(h.await.expect("join").expect("no migrator fails"));
    }
    applied.sort();
    let mut expected: Vec<String> = trato_hive_db::MIGRATIONS.iter().map(|m| m.name.to_string()).collect();
    expected.sort();
    assert_eq!(applied, expected, "each migration applied by exactly one migrator");
    let rows = t
        .pool("")
        .query("SELECT name, count(*) FROM _trato_migrations GROUP BY name", &[])
        .await
        .expect("history");
    assert_eq!(rows.len(), expected.len());
    assert!(rows.iter().all(|r| r.get::<_, i64>(1) == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_leaves_no_trace_and_applies_cleanly_once_fixed() {
    let t = TestDb::empty().await;
    let dir = temp_dir("fail");
    write_migration(&dir, "20260101000000_one", "CREATE TABLE one (id int);");
    write_migration(
        &dir,
        "20260102000000_two",
        "CREATE TABLE two (id int);\nINSERT INTO two VALUES (1 / 0);\nCREATE TABLE three (id int);",
    );
    let err = Migrator::from_dir(&dir)
        .expect("read")
        .deploy(&t.config())
        .await
        .expect_err("division by zero");
    match &err {
        Error::MigrationFailed {
            name,
            file,
            line,
            statement,
            state,
            source,
        } => {
            assert_eq!(name, "20260102000000_two");
            assert_eq!((file.as_str(), *line), ("migration.sql", 2));
            assert_eq!(statement, "INSERT INTO two VALUES (1 / 0)");
            assert_eq!(state, "rolled back");
            assert_eq!(source.code(), Some("22012"), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        tables(&t).await,
        ["_trato_migrations", "one"],
        "the failed migration left nothing behind"
    );
    let status = Migrator::from_dir(&dir)
        .expect("read")
        .status(&t.config())
        .await
        .expect("status");
    assert_eq!((status.applied.len(), status.pending.len()), (1, 1));
    // Fixed before it was ever applied, so editing it is fine.
    write_migration(
        &dir,
        "20260102000000_two",
        "CREATE TABLE two (id int);\nINSERT INTO two VALUES (1);\nCREATE TABLE three (id int);",
    );
    let applied = Migrator::from_dir(&dir)
        .expect("read")
        .deploy(&t.config())
        .await
        .expect("applies now");
    assert_eq!(applied, ["20260102000000_two"]);
    assert_eq!(tables(&t).await, ["_trato_migrations", "one", "three", "two"]);
    let _ = fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_missing_and_out_of_order_migrations_block_deploy() {
    let t = TestDb::empty().await;
    let dir = temp_dir("inconsistent");
    write_migration(&dir, "20260101000000_a", "CREATE TABLE a (id int);");
    write_migration(&dir, "20260103000000_c", "CREATE TABLE c (id int);");
    Migrator::from_dir(&dir)
        .expect("read")
        .deploy(&t.config())
        .await
        .expect("first deploy");

    // Edited after it was applied.
    write_migration(&dir, "20260101000000_a", "CREATE TABLE a (id bigint);");
    // Added with an older timestamp than an applied one.
    write_migration(&dir, "20260102000000_b", "CREATE TABLE b (id int);");
    // Applied, then deleted.
    fs::remove_dir_all(dir.join("20260103000000_c")).expect("remove");
    // And a legitimately new one, which must not be applied either.
    write_migration(&dir, "20260104000000_d", "CREATE TABLE d (id int);");

    let err = Migrator::from_dir(&dir)
        .expect("read")
        .deploy(&t.config())
        .await
        .expect_err("inconsistent");
    let Error::MigrationsInconsistent(problems) = &err else {
        panic!("{err:?}")
    };
    assert!(
        problems.contains(&MigrationProblem::Edited {
            name: "20260101000000_a".into()
        }),
        "{problems:?}"
    );
    assert!(
        problems.contains(&MigrationProblem::Missing {
            name: "20260103000000_c".into()
        }),
        "{problems:?}"
    );
    assert!(
        problems.contains(&MigrationProblem::OutOfOrder {
            name: "20260102000000_b".into(),
            after: "20260103000000_c".into()
        }),
        "{problems:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("nothing was applied")
            && text.contains("edited")
            && text.contains("missing")
            && text.contains("older than"),
        "{text}"
    );
    assert_eq!(tables(&t).await, ["_trato_migrations", "a", "c"], "nothing was applied");
    let status = Migrator::from_dir(&dir)
        .expect("read")
        .status(&t.config())
        .await
        .expect("status");
    assert_eq!(status.problems.len(), 3);
    let _ = fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_rolls_back_and_deploy_reapplies() {
    let t = TestDb::empty().await;
    let m = Migrator::new(trato_hive_db::MIGRATIONS);
    m.deploy(&t.config()).await.expect("deploy");
    let before = catalog(&t.pool("").conn().await.expect("conn")).await.expect("catalog");
    let all = trato_hive_db::MIGRATIONS.len();
    let undone = m.down(&t.config(), all).await.expect("down");
    assert_eq!(undone.len(), all);
    assert_eq!(
        tables(&t).await,
        ["_trato_migrations"],
        "the down.sql files remove everything the migrations made"
    );
    m.deploy(&t.config()).await.expect("deploy again");
    let after = catalog(&t.pool("").conn().await.expect("conn")).await.expect("catalog");
    assert_eq!(compare(&before, &after), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_initial_migration_is_committed_and_lint_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/migrations");
    let names: Vec<String> = Migrator::from_dir(&dir).expect("read").names();
    assert!(names.first().is_some_and(|n| n.ends_with("_init")), "{names:?}");
    let embedded: Vec<&str> = trato_hive_db::MIGRATIONS.iter().map(|m| m.name).collect();
    assert_eq!(names, embedded, "the embedded list matches the folder");
    for m in trato_hive_db::MIGRATIONS {
        assert!(m.down.is_some(), "{} has a down.sql", m.name);
    }
    let init = fs::read_to_string(dir.join(&names[0]).join("migration.sql")).expect("read");
    assert_eq!(
        trato_codegen::lint::lint(&init),
        Vec::new(),
        "creating tables is lint-clean"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_from_empty_ddl_of_every_valid_schema_applies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut schemas = vec![root.join("tests/schemas/all_types.prisma")];
    for entry in fs::read_dir(root.join("codegen/test_data/valid"))
        .expect("valid cases")
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|x| x == "prisma") {
            schemas.push(entry.path());
        }
    }
    assert!(schemas.len() >= 4);
    for path in schemas {
        let src = fs::read_to_string(&path).expect("read");
        let ddl = trato_codegen::ddl(&src).expect("valid");
        let t = TestDb::empty().await;
        let conn = t.pool("").conn().await.expect("conn").detach();
        conn.batch_execute(&ddl)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
