//! Migrations a production team can trust, through the CLI against a real server: drift that sees what the
//! security model depends on, guard rails on destructive commands, checksums over every file, recovery.

use std::fs;

mod common;
use common::*;

/// How many Membership rows the application role sees with no tenant bound: 0 unless isolation is broken.
fn seen_without_tenant(url: &str, table: &str) -> String {
    scalar(
        url,
        &format!("BEGIN; SET LOCAL ROLE trato_app; SELECT count(*)::text FROM {table}"),
    )
}

/// The two findings that matter most (a tenant function replaced by hand; a view that reads every tenant,
/// granted to the application role), and the other objects drift used to miss: each applied to a database
/// of its own, each named by `db drift`, which exits 1.
#[test]
fn drift_sees_what_isolation_depends_on() {
    let (_server, url) = database("drift_control");
    let dir = tenancy_project("drift", &url);
    let rows = r#"INSERT INTO "User" (id, email) VALUES ('u1', 'a@x'), ('u2', 'b@x');
        INSERT INTO "Team" (id, name) VALUES ('team-a', 'A'), ('team-b', 'B');
        INSERT INTO "Membership" (id, "teamId", "userId") VALUES ('m1', 'team-a', 'u1'), ('m2', 'team-b', 'u2');"#;
    exec(&url, rows);
    let (code, said) = drift(&dir, &url);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("matches its migrations"), "{said}");
    assert_eq!(seen_without_tenant(&url, "\"Membership\""), "0");

    let cases: &[(&str, &str, &[&str])] = &[
        (
            "tenant_fn",
            "CREATE OR REPLACE FUNCTION trato_current_tenant() RETURNS TEXT LANGUAGE sql STABLE AS $$
                 SELECT COALESCE(NULLIF(current_setting('trato.tenant_id', true), ''), 'team-a') $$",
            &[
                "- function trato_current_tenant() returns text sql stable body=",
                "+ function trato_current_tenant()",
            ],
        ),
        (
            "open_view",
            "CREATE VIEW every_membership AS SELECT * FROM \"Membership\";
             GRANT SELECT ON every_membership TO trato_app",
            &[
                "+ view every_membership",
                "+ grant SELECT on view every_membership to trato_app",
            ],
        ),
        (
            "trigger",
            "CREATE FUNCTION audit_off() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER audit_off BEFORE INSERT ON \"Team\" FOR EACH ROW EXECUTE FUNCTION audit_off()",
            &[
                "+ trigger Team.audit_off enabled=O",
                "+ function audit_off() returns trigger plpgsql",
            ],
        ),
        (
            "sequence",
            "CREATE SEQUENCE invoice_no",
            &["+ sequence invoice_no bigint"],
        ),
        (
            "no_force",
            "ALTER TABLE \"Membership\" NO FORCE ROW LEVEL SECURITY",
            &[
                "- rls Membership enabled=t forced=t",
                "+ rls Membership enabled=t forced=f",
            ],
        ),
        (
            "open_policy",
            "CREATE POLICY everyone ON \"Membership\" USING (true)",
            &["+ policy Membership.everyone PERMISSIVE ALL"],
        ),
        (
            "public_grant",
            "GRANT SELECT ON \"Membership\" TO PUBLIC",
            &["+ grant SELECT on table Membership to PUBLIC"],
        ),
        (
            "definer",
            "ALTER FUNCTION trato_set_tenant(TEXT) SECURITY DEFINER",
            &["+ function trato_set_tenant(tenant text) returns void plpgsql security definer"],
        ),
        ("extension", "CREATE EXTENSION citext", &["+ extension citext"]),
        (
            "column_grant",
            "GRANT UPDATE (role) ON \"Membership\" TO PUBLIC",
            &["+ grant UPDATE on column Membership.role to PUBLIC"],
        ),
        (
            "rule",
            "CREATE RULE no_delete AS ON DELETE TO \"Team\" DO INSTEAD NOTHING",
            &["+ rule Team.no_delete"],
        ),
    ];
    for (name, tamper, expected) in cases {
        let case_url = sibling(&url, &format!("drift_{name}"));
        let deploy = trato_on(&dir, &case_url, &["migrate", "deploy"]);
        assert!(deploy.status.success(), "{name}: {}", err(&deploy));
        exec(&case_url, rows);
        exec(&case_url, tamper);
        let (code, said) = drift(&dir, &case_url);
        assert_eq!(code, Some(1), "{name}: drift must fail:\n{said}");
        assert!(
            said.contains("differs from what its migrations produce"),
            "{name}: {said}"
        );
        for line in *expected {
            assert!(said.contains(line), "{name}: `{line}` missing from:\n{said}");
        }
    }
    // Why the first two matter: with them, the application role reads rows of a tenant it never bound.
    let tampered = url.replace("/drift_control?", "/drift_tenant_fn?");
    assert_eq!(seen_without_tenant(&tampered, "\"Membership\""), "1");
    let viewed = url.replace("/drift_control?", "/drift_open_view?");
    assert_eq!(seen_without_tenant(&viewed, "every_membership"), "2");
    let _ = fs::remove_dir_all(&dir);
}

/// `migrate down` says what it will run, refuses more than is applied, and asks `--force` before a
/// down.sql that drops data; an applied migration's down.sql is checksummed like its migration.sql.
#[test]
fn down_is_guarded_and_down_files_are_checksummed() {
    let (_server, url) = database("down_guard");
    let dir = tenancy_project("down", &url);
    let notes = add_note_model(&dir, &url);
    run_ok(&dir, &url, &["migrate", "deploy"]);
    exec(&url, "INSERT INTO \"Note\" VALUES ('n1', 'keep me')");

    let said = run_fails(&dir, &url, &["migrate", "down", "99"]);
    assert!(
        said.contains("99 migration(s) to roll back, but 2 applied: `migrate down 2` rolls back all of them"),
        "{said}"
    );
    let said = run_fails(&dir, &url, &["migrate", "down"]);
    assert!(
        said.contains("loses data: ")
            && said.contains("down.sql:")
            && said.contains("drops a table and its rows: DROP TABLE \"Note\""),
        "{said}"
    );
    assert!(said.contains("refused, nothing was rolled back"), "{said}");
    assert_eq!(scalar(&url, "SELECT count(*)::text FROM \"Note\""), "1", "nothing ran");

    // An applied down.sql edited behind the history's back is refused like an edited migration.sql.
    let down = notes.join("down.sql");
    let original = fs::read_to_string(&down).expect("down.sql");
    fs::write(&down, format!("{original}DROP TABLE \"User\" CASCADE;\n")).expect("edit");
    let said = run_fails(&dir, &url, &["migrate", "status"]);
    assert!(
        said.contains("the down.sql of migration") && said.contains("_notes` changed after the migration was applied"),
        "{said}"
    );
    let said = run_fails(&dir, &url, &["migrate", "down", "--force"]);
    assert!(said.contains("inconsistent"), "{said}");
    assert_eq!(scalar(&url, "SELECT count(*)::text FROM \"User\""), "0");
    assert_eq!(scalar(&url, "SELECT to_regclass('\"User\"') IS NOT NULL"), "t");
    fs::write(&down, &original).expect("restore");

    // A history table from before down files were checksummed reads, and the next deploy brings it up
    // to date: the columns added, the down files' checksums recorded.
    exec(
        &url,
        "ALTER TABLE _trato_migrations DROP COLUMN down_checksum, DROP COLUMN progress",
    );
    assert!(run_ok(&dir, &url, &["migrate", "status"]).starts_with("2 applied, 0 pending"));
    run_ok(&dir, &url, &["migrate", "deploy"]);
    assert_eq!(
        scalar(
            &url,
            "SELECT count(*)::text FROM _trato_migrations WHERE down_checksum IS NOT NULL"
        ),
        "2"
    );

    let said = run_ok(&dir, &url, &["migrate", "down", "--force"]);
    assert!(said.contains("rolls back ") && said.contains("rolled back "), "{said}");
    assert_eq!(scalar(&url, "SELECT to_regclass('\"Note\"') IS NULL"), "t");
    let _ = fs::remove_dir_all(&dir);
}

/// `migrate status` creates nothing, so it works on a read-only database, with or without history.
#[test]
fn status_reads_a_read_only_database() {
    let (_server, url) = database("status_ro");
    let dir = tenancy_project("status-ro", &url);
    let empty = sibling(&url, "status_ro_empty");
    for (db, name) in [(&url, "status_ro"), (&empty, "status_ro_empty")] {
        exec(
            db,
            &format!("ALTER DATABASE {name} SET default_transaction_read_only = on"),
        );
    }
    let said = run_ok(&dir, &url, &["migrate", "status"]);
    assert!(said.starts_with("1 applied, 0 pending"), "{said}");
    let said = run_ok(&dir, &empty, &["migrate", "status"]);
    assert!(said.starts_with("0 applied, 1 pending"), "{said}");
    assert_eq!(
        scalar(
            &empty,
            "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public'"
        ),
        "0"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// A migrator waiting for another's lock says who holds it, and gives up after `--lock-timeout`.
#[test]
fn a_lock_wait_names_the_holder_and_times_out() {
    let (_server, url) = database("lock_wait");
    let dir = tenancy_project("lock", &url);
    add_note_model(&dir, &url);
    let runtime = rt();
    let holder = runtime.block_on(async {
        let (client, conn) =
            tokio_postgres::connect(&format!("{url}&application_name=release-42"), tokio_postgres::NoTls)
                .await
                .expect("connect");
        tokio::spawn(conn);
        client
            .batch_execute("SELECT pg_advisory_lock(8390876208457280871)")
            .await
            .expect("lock");
        client
    });
    let started = std::time::Instant::now();
    let said = run_fails(&dir, &url, &["--lock-timeout", "2", "migrate", "deploy"]);
    let waited = started.elapsed();
    assert!(
        said.contains("waiting for the migration lock, held by process "),
        "{said}"
    );
    assert!(
        said.contains("application `release-42`") && said.contains("gave up after 2 s"),
        "{said}"
    );
    assert!(waited < std::time::Duration::from_secs(30), "{waited:?}");
    assert_eq!(
        scalar(&url, "SELECT to_regclass('\"Note\"') IS NULL"),
        "t",
        "nothing applied"
    );
    drop(holder);
    drop(runtime);
    run_ok(&dir, &url, &["migrate", "deploy"]);
    let _ = fs::remove_dir_all(&dir);
}

/// Baselining: a database made without the migrator (here by `db push`) cannot take the first
/// migration; `migrate resolve --applied` records it, and the rest applies. Errors name the migration,
/// file, line and statement, once.
#[test]
fn an_existing_database_is_baselined_with_resolve() {
    let (_server, url) = database("baseline");
    let dir = temp_dir("baseline");
    assert!(
        trato(&dir, &["init", "--tenant-root", "Team", "--tenant-key", "teamId"])
            .status
            .success()
    );
    run_ok(&dir, &url, &["db", "push"]);
    exec(&url, "DROP TABLE _trato_push_state");
    let dev = trato_on(&dir, &url, &["migrate", "dev", "--name", "init", "--create-only"]);
    assert!(dev.status.success(), "{}", err(&dev));
    let first = migrations(&dir)[0].file_name().unwrap().to_string_lossy().into_owned();
    let said = run_fails(&dir, &url, &["migrate", "deploy"]);
    assert!(
        said.contains(&format!("error: migration `{first}` failed at migration.sql:")),
        "{said}"
    );
    assert!(said.contains("already exists"), "{said}");
    assert_eq!(said.matches("already exists").count(), 1, "said once: {said}");
    assert!(said.contains(&format!("hint: if this database was made without these migrations (`db push`, by hand, another tool) and already has what `{first}` creates, record it as applied: `migrate resolve --applied {first}`")), "{said}");

    let said = run_fails(&dir, &url, &["migrate", "resolve", "--applied", "20990101000000_nope"]);
    assert!(
        said.contains("there is no migration `20990101000000_nope` here"),
        "{said}"
    );
    run_ok(&dir, &url, &["migrate", "resolve", "--applied", &first]);
    let said = run_fails(&dir, &url, &["migrate", "resolve", "--applied", &first]);
    assert!(said.contains("already recorded as applied"), "{said}");
    let said = run_fails(&dir, &url, &["migrate", "resolve", "--rolled-back", &first]);
    assert!(said.contains("only a partly applied migration"), "{said}");

    add_note_model(&dir, &url);
    let said = run_ok(&dir, &url, &["migrate", "deploy"]);
    assert!(said.contains("_notes"), "{said}");
    assert!(run_ok(&dir, &url, &["migrate", "status"]).starts_with("2 applied, 0 pending"));
    let (code, said) = drift(&dir, &url);
    assert_eq!(code, Some(0), "a baselined database matches its migrations: {said}");
    let _ = fs::remove_dir_all(&dir);
}

/// Parts: several concurrent index builds in one file each run on their own (no 25001); a failing one
/// leaves no INVALID index, what ran before it stays recorded, `status` shows the migration partial,
/// and `deploy` resumes at the failed statement once the data is fixed.
#[test]
fn no_transaction_parts_resume_where_they_stopped() {
    let (_server, url) = database("parts");
    let dir = tenancy_project("parts", &url);
    add_note_model(&dir, &url);
    run_ok(&dir, &url, &["migrate", "deploy"]);
    exec(&url, "INSERT INTO \"Note\" VALUES ('n1', 'same'), ('n2', 'same')");
    let folder = dir.join("migrations/29990101000000_indexes");
    fs::create_dir_all(&folder).expect("folder");
    fs::write(
        folder.join("migration.sql"),
        "-- trato:no-transaction\nCREATE INDEX CONCURRENTLY \"Note_id_body\" ON \"Note\" (id, body);\n\nCREATE UNIQUE INDEX CONCURRENTLY \"Note_body_key\" ON \"Note\" (body);\n-- trato:part\nCOMMENT ON TABLE \"Note\" IS 'indexed';\n",
    )
    .expect("write");
    fs::write(
        folder.join("down.sql"),
        "DROP INDEX \"Note_body_key\";\nDROP INDEX \"Note_id_body\";\n",
    )
    .expect("write");
    let said = run_fails(&dir, &url, &["migrate", "deploy"]);
    assert!(
        said.contains(
            "failed at migration.sql:4 (`CREATE UNIQUE INDEX CONCURRENTLY \"Note_body_key\" ON \"Note\" (body)`)"
        ),
        "{said}"
    );
    assert!(
        said.contains("the 1 unit(s) before this statement stay applied")
            && said.contains("the invalid index `Note_body_key` the failed build left was dropped"),
        "{said}"
    );
    assert_eq!(
        scalar(&url, "SELECT count(*)::text FROM pg_index WHERE NOT indisvalid"),
        "0"
    );
    assert_eq!(scalar(&url, "SELECT to_regclass('\"Note_id_body\"') IS NOT NULL"), "t");
    let status = run_ok(&dir, &url, &["migrate", "status"]);
    assert!(
        status.contains("partial  29990101000000_indexes: 1 of 3 parts applied"),
        "{status}"
    );

    exec(&url, "UPDATE \"Note\" SET body = 'other' WHERE id = 'n2'");
    let said = run_ok(&dir, &url, &["migrate", "deploy"]);
    assert!(said.contains("applied 29990101000000_indexes"), "{said}");
    assert_eq!(scalar(&url, "SELECT obj_description('\"Note\"'::regclass)"), "indexed");
    assert!(run_ok(&dir, &url, &["migrate", "status"]).starts_with("3 applied, 0 pending"));
    let _ = fs::remove_dir_all(&dir);
}

/// `migrate dev` looks at the data: a field made required over NULLs is refused with the count and a
/// backfill migration written for the user (nothing else written or regenerated); with a default, the
/// migration fills the NULLs itself; a new required field without a default on a table with rows is
/// refused; and the `SET NOT NULL` it writes runs through a validated CHECK, in parts.
#[test]
fn dev_looks_at_the_data_before_it_writes() {
    let (_server, url) = database("dev_data");
    let dir = tenancy_project("dev-data", &url);
    add_note_model(&dir, &url);
    edit_schema(
        &dir,
        "  body String\n",
        "  body String\n  description String?\n  summary String?\n",
    );
    run_ok(&dir, &url, &["migrate", "dev", "--name", "optional_fields"]);
    exec(&url, "INSERT INTO \"Note\" (id, body) SELECT 'n' || i, 'b' FROM generate_series(1, 9) i; INSERT INTO \"Note\" VALUES ('x', 'b', 'set', 'set')");
    let generated = fs::read_to_string(dir.join("src/generated/note.rs")).expect("generated model");
    let before = migrations(&dir).len();

    edit_schema(&dir, "  description String?\n", "  description String\n");
    let said = run_fails(&dir, &url, &["migrate", "dev", "--name", "required_description"]);
    assert!(
        said.contains("`Note.description` becomes required, but 9 row(s) of `Note` hold NULL there"),
        "{said}"
    );
    assert!(
        said.contains("_backfill_required_description: put the values those rows should hold"),
        "{said}"
    );
    assert!(
        said.contains("the change was not written and the code was not regenerated"),
        "{said}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("src/generated/note.rs")).expect("model"),
        generated,
        "not regenerated"
    );
    let all = migrations(&dir);
    assert_eq!(all.len(), before + 1, "only the backfill was written");
    let backfill = all.last().expect("backfill").join("migration.sql");
    let sql = fs::read_to_string(&backfill).expect("backfill");
    assert!(
        sql.contains("UPDATE \"Note\" SET \"description\" = '' WHERE \"description\" IS NULL;"),
        "{sql}"
    );
    fs::write(&backfill, sql.replace("= ''", "= '(none)'")).expect("edit the value");

    let said = run_ok(&dir, &url, &["migrate", "dev", "--name", "required_description"]);
    assert!(
        said.contains("_backfill_required_description") && said.contains("_required_description"),
        "{said}"
    );
    assert_eq!(
        scalar(&url, "SELECT count(*)::text FROM \"Note\" WHERE description = '(none)'"),
        "9"
    );
    assert_eq!(scalar(&url, "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'Note' AND column_name = 'description'"), "NO");
    let written = fs::read_to_string(migrations(&dir).last().expect("migration").join("migration.sql")).expect("sql");
    assert!(
        written.contains("CHECK (\"description\" IS NOT NULL) NOT VALID;\n\n-- trato:part\n-- ValidateNotNull"),
        "{written}"
    );
    assert!(
        written
            .contains("-- trato:part\n-- AlterTable\nALTER TABLE \"Note\" ALTER COLUMN \"description\" SET NOT NULL;"),
        "{written}"
    );
    assert_eq!(
        scalar(
            &url,
            "SELECT count(*)::text FROM pg_constraint WHERE conname = 'Note_description_not_null' AND contype = 'c'"
        ),
        "0",
        "the temporary CHECK is gone"
    );
    let lint = trato_on(&dir, &url, &["migrate", "lint", "--deny"]);
    assert!(
        !out(&lint).contains("L003") && !out(&lint).contains("L006"),
        "{}",
        out(&lint)
    );

    // With a default, the NULLs get it in the migration itself.
    edit_schema(&dir, "  summary String?\n", "  summary String @default(\"n/a\")\n");
    run_ok(&dir, &url, &["migrate", "dev", "--name", "required_summary"]);
    let written = fs::read_to_string(migrations(&dir).last().expect("migration").join("migration.sql")).expect("sql");
    assert!(
        written.contains("UPDATE \"Note\" SET \"summary\" = 'n/a' WHERE \"summary\" IS NULL;"),
        "{written}"
    );
    assert_eq!(
        scalar(&url, "SELECT count(*)::text FROM \"Note\" WHERE summary = 'n/a'"),
        "9"
    );

    // A new required field without a default, on a table with rows: refused, nothing written.
    let before = migrations(&dir).len();
    edit_schema(&dir, "  body String\n", "  body String\n  title String\n");
    let said = run_fails(&dir, &url, &["migrate", "dev", "--name", "title"]);
    assert!(
        said.contains("`Note.title` is a new required field without a default, but `Note` has 10 row(s)"),
        "{said}"
    );
    assert_eq!(migrations(&dir).len(), before);
    edit_schema(&dir, "  title String\n", "");

    // Dropping a required column counts what goes; its down.sql re-adds it nullable and says so, and
    // rolls back on a table with rows.
    edit_schema(&dir, "  body String\n", "");
    let said = run_fails(&dir, &url, &["migrate", "dev", "--name", "drop_body"]);
    assert!(
        said.contains("drops column `Note.body` and its values (10 row(s) hold one)"),
        "{said}"
    );
    run_ok(
        &dir,
        &url,
        &["migrate", "dev", "--name", "drop_body", "--allow-destructive"],
    );
    let down = fs::read_to_string(migrations(&dir).last().expect("migration").join("down.sql")).expect("down");
    assert!(down.contains("-- Note.body comes back empty: its values were dropped. It was NOT NULL without a default, so it is re-added nullable"), "{down}");
    assert!(
        down.contains("ALTER TABLE \"Note\" ADD COLUMN \"body\" TEXT;"),
        "{down}"
    );
    run_ok(&dir, &url, &["migrate", "down", "--force"]);
    assert_eq!(
        scalar(&url, "SELECT count(*)::text FROM \"Note\" WHERE body IS NULL"),
        "10"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// An enum value added and used in the same change (55P04 in one transaction): the value gets a part of
/// its own, committed before the steps that use it.
#[test]
fn an_enum_value_and_its_use_apply_in_one_migration() {
    let (_server, url) = database("enum_use");
    let dir = tenancy_project("enum-use", &url);
    edit_schema(&dir, "  VIEWER\n}", "  VIEWER\n  GUEST\n}");
    edit_schema(&dir, "role   Role   @default(MEMBER)", "role   Role   @default(GUEST)");
    let said = run_ok(&dir, &url, &["migrate", "dev", "--name", "guests"]);
    assert!(said.contains("applied ") && said.contains("_guests"), "{said}");
    let sql = fs::read_to_string(migrations(&dir).last().expect("migration").join("migration.sql")).expect("sql");
    let (first, rest) = sql.split_once("-- trato:part\n").expect("two parts");
    assert!(
        first.contains("ADD VALUE 'GUEST'") && rest.contains("SET DEFAULT 'GUEST'"),
        "{sql}"
    );
    assert_eq!(
        scalar(&url, "SELECT column_default FROM information_schema.columns WHERE table_name = 'Membership' AND column_name = 'role'"),
        "'GUEST'::\"Role\""
    );
    // And back: the role policies of other tables keep their functions through both.
    run_ok(&dir, &url, &["migrate", "down"]);
    assert_eq!(
        scalar(
            &url,
            "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum"
        ),
        "OWNER,MEMBER,VIEWER"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// `migrate lint --deny` fails CI on a hand-written migration that locks a big table, and passes the
/// parts `migrate dev` writes for the same change.
#[test]
fn lint_deny_fails_on_what_locks_and_passes_what_dev_writes() {
    let dir = temp_dir("lint-deny");
    assert!(
        trato(&dir, &["init", "--tenant-root", "Team", "--tenant-key", "teamId"])
            .status
            .success()
    );
    // No server there: --create-only writes without the data checks.
    let nowhere = "postgresql://u@127.0.0.1:1/none?sslmode=disable&connect_timeout=2";
    let dev = trato_on(&dir, nowhere, &["migrate", "dev", "--name", "init", "--create-only"]);
    assert!(dev.status.success(), "{}", err(&dev));
    edit_schema(
        &dir,
        "  name        String\n",
        "  name        String\n  code        String?\n\n  @@index([code])\n",
    );
    let dev = trato_on(&dir, nowhere, &["migrate", "dev", "--name", "code", "--create-only"]);
    assert!(dev.status.success(), "{}", err(&dev));
    let lint = trato(&dir, &["migrate", "lint", "--deny"]);
    assert!(
        lint.status.success(),
        "what dev writes passes: {}{}",
        out(&lint),
        err(&lint)
    );
    let folder = dir.join("migrations/29990101000000_by_hand");
    fs::create_dir_all(&folder).expect("folder");
    fs::write(
        folder.join("migration.sql"),
        "ALTER TABLE \"Team\" ALTER COLUMN \"code\" SET NOT NULL;\nCREATE INDEX \"x\" ON \"Team\" (\"name\");\n",
    )
    .expect("write");
    let lint = trato(&dir, &["migrate", "lint"]);
    assert!(lint.status.success(), "without --deny, warnings only");
    let lint = trato(&dir, &["migrate", "lint", "--deny"]);
    assert_eq!(lint.status.code(), Some(1));
    assert!(
        out(&lint).contains("warning[L003]") && out(&lint).contains("warning[L001]"),
        "{}",
        out(&lint)
    );
    let _ = fs::remove_dir_all(&dir);
}
