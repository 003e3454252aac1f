//! What the CLI's end-to-end tests share: running the binary as a user would, temporary project folders,
//! and fresh databases on servers of their own.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A command without the variables cargo set for this test binary (registry, network and home settings
/// stay): inherited, they would reach nested builds and make them rebuild.
pub fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars() {
        let set_for_us = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_EXE_")
            || matches!(
                key.as_str(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
            );
        if set_for_us {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("DATABASE_URL")
        .env_remove("DIRECT_URL")
        .env_remove("RUST_LOG");
    cmd
}

pub fn trato(dir: &Path, args: &[&str]) -> Output {
    clean(env!("CARGO_BIN_EXE_trato"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run trato")
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "trato-cli-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh database on a server of its own; returns the server (kept alive) and the owner's URL.
pub fn database(name: &str) -> (trato_pg::Cluster, String) {
    let bin = trato_pg::ensure(None).expect("PostgreSQL binaries");
    let cluster = trato_pg::ephemeral(&bin).expect("server");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let admin = trato_hive_runtime::Db::connect(
            trato_hive_runtime::DbConfig::from_url(&format!("{}?sslmode=disable", cluster.url("postgres")))
                .expect("url"),
        )
        .expect("pool");
        admin
            .execute(&format!("CREATE DATABASE {name}"), &[])
            .await
            .expect("database");
        admin.close();
    });
    let url = format!("{}?sslmode=disable", cluster.url(name));
    (cluster, url)
}

/// `trato args` in `dir` against the database `url` (as `DATABASE_URL`).
pub fn trato_on(dir: &Path, url: &str, args: &[&str]) -> Output {
    clean(env!("CARGO_BIN_EXE_trato"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .output()
        .expect("run trato")
}

/// A current-thread runtime for a test's own database work.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `sql` (several statements allowed) on `url` as the connecting role.
pub fn exec(url: &str, sql: &str) {
    rt().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(conn);
        client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    });
}

/// The first column of the first row of `sql` on `url`, as text.
pub fn scalar(url: &str, sql: &str) -> String {
    rt().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(conn);
        let rows = client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        rows.iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("NULL").to_string()),
                _ => None,
            })
            .expect("a row")
    })
}

/// Another database on the server of `url`: its URL, after creating it.
pub fn sibling(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (server, _) = base.rsplit_once('/').expect("url with a database");
    exec(url, &format!("CREATE DATABASE {name}"));
    if query.is_empty() {
        format!("{server}/{name}")
    } else {
        format!("{server}/{name}?{query}")
    }
}

/// The drift check's catalog listing of the database at `url`.
pub fn catalog(url: &str) -> Vec<String> {
    rt().block_on(async {
        let db =
            trato_hive_runtime::Db::connect(trato_hive_runtime::DbConfig::from_url(url).expect("url")).expect("pool");
        let lines = trato_hive_runtime::introspect::catalog(&db.conn().await.expect("conn"))
            .await
            .expect("catalog");
        db.close();
        lines
    })
}

/// A tenancy project (`trato init`) with its first migration applied to `url`.
pub fn tenancy_project(name: &str, url: &str) -> PathBuf {
    let dir = temp_dir(name);
    let init = trato(&dir, &["init", "--tenant-root", "Team", "--tenant-key", "teamId"]);
    assert!(init.status.success(), "{}", err(&init));
    let dev = trato_on(&dir, url, &["migrate", "dev", "--name", "init"]);
    assert!(dev.status.success(), "{}", err(&dev));
    dir
}

pub fn drift(dir: &Path, url: &str) -> (Option<i32>, String) {
    let run = trato_on(dir, url, &["db", "drift"]);
    (run.status.code(), format!("{}{}", out(&run), err(&run)))
}

/// The migration folders, oldest first.
pub fn migrations(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = fs::read_dir(dir.join("migrations"))
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    all.sort();
    all
}

/// Adds `model Note` to the schema and writes (without applying) its migration.
pub fn add_note_model(dir: &Path, url: &str) -> PathBuf {
    let schema = fs::read_to_string(dir.join("schema.prisma")).expect("schema");
    fs::write(
        dir.join("schema.prisma"),
        format!("{schema}\nmodel Note {{\n  id   String @id\n  body String\n\n  @@global\n}}\n"),
    )
    .expect("schema");
    let dev = trato_on(dir, url, &["migrate", "dev", "--name", "notes", "--create-only"]);
    assert!(dev.status.success(), "{}", err(&dev));
    migrations(dir).pop().expect("the new migration")
}

pub fn run_ok(dir: &Path, url: &str, args: &[&str]) -> String {
    let run = trato_on(dir, url, args);
    assert!(run.status.success(), "{args:?}: {}{}", out(&run), err(&run));
    format!("{}{}", out(&run), err(&run))
}

pub fn run_fails(dir: &Path, url: &str, args: &[&str]) -> String {
    let run = trato_on(dir, url, args);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{args:?} must fail: {}{}",
        out(&run),
        err(&run)
    );
    format!("{}{}", out(&run), err(&run))
}

/// Replaces `from` by `to` in the schema.
pub fn edit_schema(dir: &Path, from: &str, to: &str) {
    let schema = fs::read_to_string(dir.join("schema.prisma")).expect("schema");
    assert!(schema.contains(from), "`{from}` not in the schema");
    fs::write(dir.join("schema.prisma"), schema.replacen(from, to, 1)).expect("schema");
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("dir");
    for entry in fs::read_dir(from).expect("read").filter_map(Result::ok) {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
