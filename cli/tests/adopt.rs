//! Adopting databases and living with history, through the CLI against real servers: `db pull` round trips
//! (re-introspection, a database Prisma made, our tenancy DDL), branch merges, `migrate diff` between any
//! two states, squashing.

use std::fs;
use std::path::Path;

mod common;
use common::*;

/// What differs between the database at `original` and one `db push` builds (beside `server`'s) from the
/// schema in `dir`: nothing when the schema describes the database.
fn rebuilt_differs(dir: &Path, server: &str, original: &str, name: &str) -> Vec<String> {
    let rebuilt = sibling(server, name);
    run_ok(dir, &rebuilt, &["db", "push"]);
    exec(&rebuilt, "DROP TABLE _trato_push_state");
    let (a, b) = (catalog(original), catalog(&rebuilt));
    a.iter()
        .filter(|l| !b.contains(l))
        .chain(b.iter().filter(|l| !a.contains(l)))
        .cloned()
        .collect()
}

/// The file `db pull` leaves, and the original, both formatted.
fn pulled_and_formatted(dir: &Path, url: &str, original: &str) -> (String, String) {
    run_ok(dir, url, &["db", "pull"]);
    let pulled = fs::read_to_string(dir.join("schema.prisma")).expect("schema");
    fs::write(dir.join("original.prisma"), original).expect("write");
    run_ok(dir, url, &["format", "original.prisma"]);
    (
        pulled,
        fs::read_to_string(dir.join("original.prisma")).expect("formatted"),
    )
}

/// Introspection round trips: schema -> migrate -> `db pull` -> the same schema (up to formatting), for
/// the all-types test schema and for this repository's own schema (re-introspection keeps what the
/// database cannot say); and a changed table is written again from the database.
#[test]
fn db_pull_gives_the_schema_back() {
    let (_server, url) = database("pull_roundtrip");
    for (name, source) in [
        ("all_types", root().join("tests/schemas/all_types.prisma")),
        ("ours", root().join("schema/schema.prisma")),
    ] {
        let db = sibling(&url, &format!("pull_{name}"));
        let dir = temp_dir(&format!("pull-{name}"));
        let original = fs::read_to_string(&source).expect("schema");
        fs::write(dir.join("schema.prisma"), &original).expect("write");
        run_ok(&dir, &db, &["migrate", "dev", "--name", "init"]);
        let (pulled, expected) = pulled_and_formatted(&dir, &db, &original);
        assert_eq!(pulled, expected, "{name}: db pull changed the schema");
        if name == "all_types" {
            // Changed behind the schema's back: the changed and new tables come from the database, the
            // rest stays as written.
            exec(&db, "ALTER TABLE \"Tag\" ADD COLUMN color VARCHAR(7); CREATE TABLE \"Extra\" (id SERIAL PRIMARY KEY, label TEXT NOT NULL DEFAULT 'x', \"authorId\" TEXT NOT NULL REFERENCES \"Author\"(id) ON DELETE CASCADE ON UPDATE CASCADE)");
            run_ok(&dir, &db, &["db", "pull"]);
            let pulled = fs::read_to_string(dir.join("schema.prisma")).expect("schema");
            assert!(pulled.contains("  color String? @db.VarChar(7)"), "{pulled}");
            assert!(pulled.contains("model Extra {\n  id       Int    @id @default(autoincrement())\n  label    String @default(\"x\")\n  authorId String\n  Author   Author @relation(fields: [authorId], references: [id], onDelete: Cascade)\n}"), "{pulled}");
            assert!(
                pulled.contains("model Everything {") && pulled.contains("@default(cuid())"),
                "the unchanged models stay as written: {pulled}"
            );
            // What it wrote builds the database it read.
            let differences = rebuilt_differs(&dir, &url, &db, "pull_rebuilt");
            assert!(differences.is_empty(), "{differences:#?}");
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

/// `db pull` with no models yet, on a database made by Prisma's own DDL (`migrate diff --from-empty` prints
/// Prisma's script byte for byte: the differential test proves it) for a plain schema written in Prisma's
/// introspection conventions: that schema comes back.
#[test]
fn db_pull_reads_a_database_prisma_made() {
    let (_server, url) = database("pull_prisma");
    let dir = temp_dir("pull-prisma");
    let header = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n";
    let schema = format!(
        "{header}\nmodel Author {{\n  id        Int      @id @default(autoincrement())\n  email     String   @unique @db.VarChar(255)\n  name      String?\n  role      Role     @default(WRITER)\n  createdAt DateTime @default(now()) @db.Timestamptz(6)\n  Post      Post[]\n}}\n\nmodel Post {{\n  id       BigInt   @id @default(autoincrement())\n  title    String\n  tags     String[]\n  score    Decimal  @default(0) @db.Decimal(10, 2)\n  authorId Int\n  Author   Author   @relation(fields: [authorId], references: [id], onDelete: Cascade)\n\n  @@index([authorId, title(sort: Desc)])\n}}\n\nenum Role {{\n  WRITER\n  EDITOR\n}}\n"
    );
    fs::write(dir.join("wanted.prisma"), &schema).expect("write");
    let ddl = trato(
        &dir,
        &["migrate", "diff", "--from-empty", "--to-schema", "wanted.prisma"],
    );
    assert!(ddl.status.success(), "{}", err(&ddl));
    exec(&url, &out(&ddl));
    fs::write(dir.join("schema.prisma"), header).expect("write");
    let (pulled, expected) = pulled_and_formatted(&dir, &url, &schema);
    assert_eq!(pulled, expected);
    let _ = fs::remove_dir_all(&dir);
}

/// `db pull` on a database our tenancy DDL made, with no models yet: the tenancy markers come back
/// (`@@tenantRoot`, `@@tenant`, `@@global`, `@@membership`, `@@writableBy`), the tenant key is taken out
/// of keys and relations again, and the schema it writes builds the same database.
#[test]
fn db_pull_writes_the_tenancy_markers_back() {
    let (_server, url) = database("pull_tenancy");
    let dir = tenancy_project("pull-tenancy", &url);
    let fresh = temp_dir("pull-tenancy-fresh");
    fs::write(
        fresh.join("schema.prisma"),
        "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n",
    )
    .expect("write");
    run_ok(&fresh, &url, &["db", "pull"]);
    let pulled = fs::read_to_string(fresh.join("schema.prisma")).expect("schema");
    for marker in [
        "@@tenantRoot",
        "@@tenant(teamId)",
        "@@global",
        "@@membership(user: userId, role: role)",
        "@@writableBy([OWNER])",
        "@@unique([teamId, userId])",
    ] {
        assert!(pulled.contains(marker), "{marker} missing:\n{pulled}");
    }
    let differences = rebuilt_differs(&fresh, &url, &url, "pull_tenancy_rebuilt");
    assert!(differences.is_empty(), "{pulled}\n{differences:#?}");
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&fresh);
}

/// Two branches each add a migration from the same parent; after the merge, `generate --check` says the
/// schema is not captured, and `migrate dev` diffs from what the migrations produce (not from the last
/// snapshot, which misses the other branch): no duplicate ADD COLUMN, a merge migration that records the
/// schema, then the check and drift pass.
#[test]
fn a_branch_merge_is_resolved_by_migrate_dev() {
    let (_server, url) = database("merge_base");
    let base = tenancy_project("merge-base", &url);
    let (a_dir, b_dir) = (temp_dir("merge-a"), temp_dir("merge-b"));
    copy_dir(&base, &a_dir);
    copy_dir(&base, &b_dir);
    let (a_db, b_db) = (sibling(&url, "merge_a"), sibling(&url, "merge_b"));
    edit_schema(
        &a_dir,
        "  name        String\n",
        "  name        String\n  color       String?\n",
    );
    run_ok(&a_dir, &a_db, &["migrate", "dev", "--name", "color"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    edit_schema(
        &b_dir,
        "  name        String\n",
        "  name        String\n  motto       String?\n",
    );
    run_ok(&b_dir, &b_db, &["migrate", "dev", "--name", "motto"]);

    // The merge: B's checkout with A's migration and both fields, plus a change of its own.
    let merged = temp_dir("merge-m");
    copy_dir(&b_dir, &merged);
    let color = migrations(&a_dir).pop().expect("A's migration");
    copy_dir(
        &color,
        &merged.join("migrations").join(color.file_name().expect("name")),
    );
    edit_schema(
        &merged,
        "  motto       String?\n",
        "  motto       String?\n  color       String?\n",
    );
    let check = trato(&merged, &["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", err(&check));

    // B's own database applied B before A existed: A is out of order there (reset it in development).
    let said = run_fails(&merged, &b_db, &["migrate", "deploy"]);
    assert!(
        said.contains("_color` is not applied but is older than the applied"),
        "{said}"
    );

    let m_db = sibling(&url, "merge_m");
    let said = run_ok(&merged, &m_db, &["migrate", "dev", "--name", "merge"]);
    assert!(said.contains("a merge of two branches?"), "{said}");
    let written = fs::read_to_string(migrations(&merged).last().expect("merge").join("migration.sql")).expect("sql");
    assert!(!written.contains("ADD COLUMN"), "no duplicate ADD COLUMN: {written}");
    assert!(trato_on(&merged, &m_db, &["generate", "--check"]).status.success());
    assert_eq!(drift(&merged, &m_db).0, Some(0));

    // A change made after the merge is diffed from the merged state: only it is written.
    edit_schema(
        &merged,
        "  color       String?\n",
        "  color       String?\n  slogan      String?\n",
    );
    run_ok(&merged, &m_db, &["migrate", "dev", "--name", "slogan"]);
    let written = fs::read_to_string(migrations(&merged).last().expect("slogan").join("migration.sql")).expect("sql");
    assert_eq!(written.matches("ADD COLUMN").count(), 1, "{written}");
    assert!(written.contains("\"slogan\""), "{written}");
    for d in [&base, &a_dir, &b_dir, &merged] {
        let _ = fs::remove_dir_all(d);
    }
}

/// `migrate diff` between any two of: nothing, a schema file, a migrations folder, a live database.
#[test]
fn migrate_diff_between_files_folders_and_databases() {
    let (_server, url) = database("diff_sources");
    let dir = tenancy_project("diff-sources", &url);
    add_note_model(&dir, &url);
    run_ok(&dir, &url, &["migrate", "deploy"]);
    let diff = |args: &[&str]| {
        let run = trato_on(&dir, &url, &[&["migrate", "diff"][..], args].concat());
        assert!(run.status.success(), "{args:?}: {}", err(&run));
        out(&run)
    };
    assert_eq!(
        diff(&["--from-migrations", "migrations", "--to-schema", "schema.prisma"]),
        ""
    );
    assert_eq!(
        diff(&["--from-url", &url, "--to-schema", "schema.prisma"]),
        "",
        "the database is what the schema says"
    );
    assert_eq!(diff(&["--from-url", &url, "--to-migrations", "migrations"]), "");
    exec(&url, "ALTER TABLE \"Note\" ADD COLUMN sneaky INTEGER");
    let back = diff(&["--from-url", &url, "--to-schema", "schema.prisma"]);
    assert!(back.contains("ALTER TABLE \"Note\" DROP COLUMN \"sneaky\";"), "{back}");
    let forth = diff(&["--from-schema", "schema.prisma", "--to-url", &url]);
    assert!(
        forth.contains("ALTER TABLE \"Note\" ADD COLUMN \"sneaky\" INTEGER;"),
        "{forth}"
    );
    let all = diff(&["--from-empty", "--to-url", &url]);
    assert!(
        all.contains("CREATE TABLE \"Note\"") && all.contains("\"sneaky\" INTEGER"),
        "{all}"
    );
    let none = trato_on(&dir, &url, &["migrate", "diff", "--to-schema", "schema.prisma"]);
    assert_eq!(
        none.status.code(),
        Some(2),
        "a starting point is required: {}",
        err(&none)
    );
    let _ = fs::remove_dir_all(&dir);
}

/// `migrate squash` replaces the migrations by one from nothing; a database that applied them all records
/// it in their place, a new one runs it, one that applied only some is told what to do first.
#[test]
fn squashed_migrations_are_recorded_in_their_place() {
    let (_server, url) = database("squash_old");
    let dir = tenancy_project("squash", &url);
    let partly = sibling(&url, "squash_partly");
    let first_only = temp_dir("squash-first");
    copy_dir(&dir, &first_only);
    run_ok(&first_only, &partly, &["migrate", "deploy"]);
    add_note_model(&dir, &url);
    run_ok(&dir, &url, &["migrate", "deploy"]);
    let before: Vec<String> = migrations(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();

    run_ok(&dir, &url, &["migrate", "squash", "--name", "baseline"]);
    let now = migrations(&dir);
    assert_eq!(now.len(), 1, "{now:?}");
    let sql = fs::read_to_string(now[0].join("migration.sql")).expect("sql");
    assert!(
        sql.starts_with(&format!("-- trato:squashes {}\n", before.join(" "))),
        "{sql}"
    );
    assert!(trato_on(&dir, &url, &["generate", "--check"]).status.success());

    let status = run_ok(&dir, &url, &["migrate", "status"]);
    assert!(
        status.contains("_baseline: replaces 2 applied migration(s)"),
        "{status}"
    );
    run_ok(&dir, &url, &["migrate", "deploy"]);
    assert_eq!(
        scalar(&url, "SELECT string_agg(name, ',') FROM _trato_migrations"),
        now[0].file_name().unwrap().to_string_lossy()
    );
    assert!(run_ok(&dir, &url, &["migrate", "status"]).starts_with("1 applied, 0 pending"));
    assert_eq!(drift(&dir, &url).0, Some(0));

    let fresh = sibling(&url, "squash_fresh");
    run_ok(&dir, &fresh, &["migrate", "deploy"]);
    assert_eq!(catalog(&fresh), catalog(&url));

    let said = run_fails(&dir, &partly, &["migrate", "status"]);
    assert!(
        said.contains("squashes migrations this database applied only in part") && said.contains("_notes not applied"),
        "{said}"
    );
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&first_only);
}
