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
