//! End-to-end tests of the `trato` binary, run as a user runs it: from a project folder, on a real
//! PostgreSQL started by the test, with exit codes, output and effects on disk and in the database checked.

use std::fs;

mod common;
use common::*;

#[test]
fn help_version_and_usage_errors_at_every_level() {
    let here = temp_dir("usage");
    for args in [
        &["--help"][..],
        &["generate", "--help"],
        &["migrate", "--help"],
        &["migrate", "dev", "--help"],
        &["migrate", "reset", "--help"],
        &["db", "--help"],
        &["db", "push", "--help"],
        &["db", "seed", "--help"],
        &["init", "--help"],
        &["format", "--help"],
        &["validate", "--help"],
        &["help", "migrate"],
    ] {
        let run = trato(&here, args);
        assert_eq!(run.status.code(), Some(0), "{args:?}: {}", err(&run));
        assert!(out(&run).contains("Usage: trato"), "{args:?}: {}", out(&run));
    }
    let top = out(&trato(&here, &["--help"]));
    for command in ["init", "generate", "format", "validate", "migrate", "db"] {
        assert!(top.contains(command), "{command} missing from the help:\n{top}");
    }
    let version = trato(&here, &["--version"]);
    assert_eq!(out(&version).trim(), format!("trato {}", env!("CARGO_PKG_VERSION")));
    for (args, says) in [
        (&["generat"][..], "'generate'"),
        (&["generate", "--chek"], "tip: a similar argument exists: '--check'"),
        (
            &["migrate", "deploy", "--force-reset"],
            "unexpected argument '--force-reset'",
        ),
        (&["migrate", "dev"], "--name <NAME>"),
        (&["migrate", "down", "two"], "invalid value 'two'"),
        (&["db", "push", "--force"], "--force-reset"),
        (&[], "Usage: trato"),
    ] {
        let run = trato(&here, args);
        assert_eq!(run.status.code(), Some(2), "{args:?} exits 2: {}", err(&run));
        assert!(err(&run).contains(says), "{args:?}: {}", err(&run));
    }
    // No schema: a command says where it looked and what to do.
    let run = trato(&here, &["generate"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        err(&run).contains("neither ./schema.prisma nor ./prisma/schema.prisma"),
        "{}",
        err(&run)
    );
    let _ = fs::remove_dir_all(&here);
}

/// `init` writes a valid starter (with the tenant root and key asked for), `generate` writes the models
/// where the generator block says, `migrate dev` writes a migration, regenerates and applies it to the
/// `.env` database, naming it (password redacted); the history table is the block's.
#[test]
fn init_generate_migrate_on_a_new_project() {
    let dir = temp_dir("init");
    let (_server, url) = database("fresh_project");
    let init = trato(
        &dir,
        &["init", "--tenant-root", "Team", "--tenant-key", "teamId", "--url", &url],
    );
    assert!(init.status.success(), "{}", err(&init));
    let schema = fs::read_to_string(dir.join("schema.prisma")).expect("schema written");
    assert!(
        schema.contains("model Team {") && schema.contains("@@tenant(teamId)"),
        "{schema}"
    );
    assert!(fs::read_to_string(dir.join(".env")).expect(".env").contains(&url));
    let again = trato(&dir, &["init"]);
    assert_eq!(again.status.code(), Some(1), "init never overwrites");
    // A bad tenant key is refused before anything is written.
    let bad = temp_dir("init-bad");
    let run = trato(&bad, &["init", "--tenant-key", "team id"]);
    assert_eq!(run.status.code(), Some(1), "{}", err(&run));
    assert!(!bad.join("schema.prisma").exists());

    // The generator block decides the paths and the history table.
    let schema = schema.replace(
        "output   = \"src/generated\"",
        "output       = \"gen\"\n  historyTable = \"_team_migrations\"",
    );
    fs::write(dir.join("schema.prisma"), schema).expect("edit");
    let validate = trato(&dir, &["validate"]);
    assert!(validate.status.success(), "{}", err(&validate));
    assert!(
        err(&validate).contains("is valid (3 models, 1 enums)"),
        "{}",
        err(&validate)
    );
    let generate = trato(&dir, &["generate"]);
    assert!(generate.status.success(), "{}", err(&generate));
    assert!(dir.join("gen/team.rs").exists() && dir.join("gen/mod.rs").exists());
    // No migration captures the schema yet: the drift gate says so.
    let check = trato(&dir, &["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(err(&check).contains("no migration captures"), "{}", err(&check));

    let dev = trato(&dir, &["migrate", "dev", "--name", "init"]);
    assert!(dev.status.success(), "{}", err(&dev));
    let e = err(&dev);
    assert!(e.contains("database: postgresql://postgres:***@127.0.0.1:"), "{e}");
    assert!(e.contains("migrate: applied ") && e.contains("_init"), "{e}");
    let migrations = fs::read_to_string(dir.join("gen/migrations.rs")).expect("embedded");
    assert!(migrations.contains("_init/migration.sql"), "{migrations}");
    assert!(
        migrations.contains(".history_table(\"_team_migrations\")"),
        "{migrations}"
    );
    let check = trato(&dir, &["generate", "--check"]);
    assert!(check.status.success(), "{}", err(&check));
    let status = trato(&dir, &["migrate", "status"]);
    assert_eq!(
        out(&status).lines().next(),
        Some("1 applied, 0 pending"),
        "{}",
        err(&status)
    );
    // TRATO_LOG_QUERIES=1: the command installs a subscriber, and the statements it sends are logged.
    let logged = clean(env!("CARGO_BIN_EXE_trato"))
        .args(["db", "drift"])
        .current_dir(&dir)
        .env("TRATO_LOG_QUERIES", "1")
        .output()
        .expect("trato");
    let log = err(&logged);
    assert!(log.contains("matches its migrations"), "{log}");
    assert!(
        log.contains("trato_hive::query") && log.contains("statement{sql="),
        "{log}"
    );
    let drift = trato(&dir, &["db", "drift"]);
    assert!(drift.status.success(), "{}{}", out(&drift), err(&drift));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tables: Vec<String> = rt.block_on(async {
        let db =
            trato_hive_runtime::Db::connect(trato_hive_runtime::DbConfig::from_url(&url).expect("url")).expect("pool");
        let conn = db.conn().await.expect("conn");
        let rows = conn
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                &[],
            )
            .await
            .expect("tables");
        rows.iter().map(|r| r.get(0)).collect()
    });
    assert_eq!(tables, ["Membership", "Team", "User", "_team_migrations"]);

    // A schema error: every diagnostic, nothing written, exit 1; an unknown generator key is named.
    let edited = fs::read_to_string(dir.join("schema.prisma"))
        .expect("schema")
        .replace("historyTable", "histroyTable");
    fs::write(dir.join("schema.prisma"), edited).expect("edit");
    let run = trato(&dir, &["generate"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        err(&run).contains("unknown key `histroyTable`") && err(&run).contains("did you mean `historyTable`?"),
        "{}",
        err(&run)
    );
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&bad);
}

/// Destructive commands refuse a database that is not on this machine before connecting to it.
#[test]
fn destructive_commands_refuse_a_remote_database() {
    let dir = temp_dir("remote");
    fs::write(dir.join("schema.prisma"), "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n\nmodel Note {\n  id String @id\n}\n").expect("schema");
    fs::write(
        dir.join(".env"),
        "DATABASE_URL=postgresql://me:hunter2@db.example.com:5432/prod\n",
    )
    .expect(".env");
    for args in [
        &["migrate", "reset", "--force"][..],
        &["db", "push", "--force-reset"],
        &["migrate", "down"],
        &["migrate", "down", "3"],
    ] {
        let run = trato(&dir, args);
        assert_eq!(run.status.code(), Some(1), "{args:?}");
        let e = err(&run);
        assert!(
            e.contains("database: postgresql://me:***@db.example.com:5432/prod"),
            "{e}"
        );
        assert!(e.contains("not on this machine"), "{args:?}: {e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
    let _ = fs::remove_dir_all(&dir);
}

/// README's "Start a new project", run as written from this repository's root, on `samples/projects` (its
/// own schema: tenant `Workspace` keyed `workspaceKey`, roles OWNER/EDITOR/GUEST, its own history table;
/// a crate outside this workspace, built in its own target folder): generate, migrate, seed, then the
/// application: two tenants that do not see each other, a scoped transaction in `tokio::spawn` on a
/// multi-thread runtime, an axum handler.
#[test]
fn a_sample_application_runs_with_the_commands_readme_shows() {
    let root = root();
    let readme = fs::read_to_string(root.join("README.md")).expect("README");
    let section = readme
        .split("\n## Start a new project\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a \"Start a new project\" section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .expect("with a sh block");
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split(" #").next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        commands,
        [
            "cargo install --path cli",
            "cd samples/projects",
            "trato generate",
            "trato migrate dev --name init --create-only",
            "trato migrate deploy",
            "trato db seed",
            "cargo run",
        ],
        "README's commands are the ones this test runs"
    );
    let (_server, owner_url) = database("projects_sample");
    let target = root.join("target/sample-projects");
    let mut cwd = root.clone();
    let mut transcript = String::new();
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        let mut cmd = match words[..] {
            // The binary this package builds is what `cargo install --path cli` installs.
            ["cargo", "install", ..] => continue,
            ["cd", dir] => {
                cwd = root.join(dir);
                continue;
            }
            ["trato", ..] => clean(env!("CARGO_BIN_EXE_trato")),
            ["cargo", ..] => clean(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())),
            _ => panic!("a command this test does not know: {command}"),
        };
        let run = cmd
            .args(&words[1..])
            .current_dir(&cwd)
            .env("DIRECT_URL", &owner_url)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect(command);
        transcript.push_str(&format!("$ {command}\n{}{}", out(&run), err(&run)));
        assert!(run.status.success(), "`{command}` failed:\n{transcript}");
    }
    for line in [
        "migrate dev: the schema matches the last migration; nothing to write",
        "migrate: applied 20261202110356_init",
        "migrate: applied 20261202153345_audit_log",
        "seed: 2 accounts, 2 workspaces, 1 project, 1 task, 1 label written",
        "db seed: done",
        "migrations applied at start-up: 0",
        "acme tasks: 2",
        "acme events: TASK_CREATED by alice, TASK_CREATED by alice",
        "labelled: Write the README [docs]",
        "globex tasks: 0",
        "globex events: 0",
        "globex sees acme's task: false",
        "bob in acme: GUEST",
        "bob may write in acme: false",
        "bob's workspaces: Acme as GUEST, Globex as OWNER",
        "handler, bob in acme: 2 tasks",
    ] {
        assert!(
            transcript.lines().any(|l| l == line),
            "missing `{line}` in:\n{transcript}"
        );
    }
    assert!(
        transcript.contains("database: postgresql://postgres:***@127.0.0.1:"),
        "{transcript}"
    );
}

/// The URL's `schema` parameter is the PostgreSQL schema (as in Prisma): the migrator creates it and keeps
/// its history there, drift compares that schema, and `reset` recreates that schema only.
#[test]
fn the_urls_schema_parameter_is_where_everything_goes() {
    let dir = temp_dir("pgschema");
    let (_server, url) = database("schema_param");
    let init = trato(&dir, &["init", "--url", &format!("{url}&schema=crm")]);
    assert!(init.status.success(), "{}", err(&init));
    let dev = trato(&dir, &["migrate", "dev", "--name", "init"]);
    assert!(dev.status.success(), "{}", err(&dev));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tables = |rt: &tokio::runtime::Runtime| -> Vec<String> {
        rt.block_on(async {
            let db = trato_hive_runtime::Db::connect(trato_hive_runtime::DbConfig::from_url(&url).expect("url"))
                .expect("pool");
            let conn = db.conn().await.expect("conn");
            let rows = conn
                .query(
                    "SELECT schemaname || '.' || tablename FROM pg_tables \
                     WHERE schemaname IN ('public', 'crm') ORDER BY 1",
                    &[],
                )
                .await
                .expect("tables");
            rows.iter().map(|r| r.get(0)).collect()
        })
    };
    assert_eq!(
        tables(&rt),
        ["crm.Membership", "crm.User", "crm.Workspace", "crm._trato_migrations"]
    );
    let drift = trato(&dir, &["db", "drift"]);
    assert!(drift.status.success(), "{}{}", out(&drift), err(&drift));
    rt.block_on(async {
        let db =
            trato_hive_runtime::Db::connect(trato_hive_runtime::DbConfig::from_url(&url).expect("url")).expect("pool");
        db.conn()
            .await
            .expect("conn")
            .detach()
            .batch_execute("CREATE TABLE public.keep_me (id int)")
            .await
            .expect("a table outside the project's schema");
    });
    let reset = trato(&dir, &["migrate", "reset", "--force"]);
    assert!(reset.status.success(), "{}", err(&reset));
    let after = tables(&rt);
    assert!(
        after.contains(&"public.keep_me".to_string()),
        "reset touched public: {after:?}"
    );
    assert!(after.contains(&"crm._trato_migrations".to_string()), "{after:?}");
    let _ = fs::remove_dir_all(&dir);
}

/// Warnings are printed and do not fail a run, unless `--deny-warnings` (for CI) is given.
#[test]
fn warnings_fail_only_with_deny_warnings() {
    let dir = temp_dir("warnings");
    fs::copy(
        root().join("codegen/test_data/invalid/39_warning_set_null_on_required.prisma"),
        dir.join("schema.prisma"),
    )
    .expect("schema");
    let plain = trato(&dir, &["validate"]);
    assert!(plain.status.success(), "{}", err(&plain));
    assert!(err(&plain).contains("warning[W0004]"), "{}", err(&plain));
    for args in [&["validate", "--deny-warnings"][..], &["generate", "--deny-warnings"]] {
        let denied = trato(&dir, args);
        assert_eq!(denied.status.code(), Some(1), "{args:?}");
        assert!(err(&denied).contains("1 warning(s)"), "{}", err(&denied));
    }
    assert!(!dir.join("src/generated").exists(), "nothing generated");
    let _ = fs::remove_dir_all(&dir);
}
