//! `cargo xtask bench locks [--rows N]`: which lock each lock-sensitive migration step holds on a big table,
//! and how long a concurrent writer waits, for the SQL `migrate dev` writes (parts) against the same steps in
//! one transaction (what it wrote before), on a server of its own. Both scripts come from the code
//! generator (`render` and `render_migration` of one diff). A benchmark: it prints figures, asserts none.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use trato_codegen::dbmodel::lower;
use trato_codegen::diff::diff;
use trato_codegen::emit::render_migration;
use trato_codegen::emit::sql::{from_empty, render};
use trato_hive_runtime::{DbConfig, Migrator};

use crate::Args;

const BEFORE: &str = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n\nmodel Parent {\n  id Int @id\n}\n\nmodel Child {\n  id       BigInt  @id\n  parentId Int\n  note     String?\n}\n";

/// The changes measured: a name, and the edits to the schema (replace, by).
const CHANGES: &[(&str, &[(&str, &str)])] = &[
    (
        "foreign key",
        &[
            (
                "  parentId Int\n",
                "  parentId Int\n  parent   Parent @relation(fields: [parentId], references: [id])\n",
            ),
            ("  id Int @id\n}", "  id       Int     @id\n  children Child[]\n}"),
        ],
    ),
    ("required column", &[("  note     String?\n", "  note     String\n")]),
    (
        "index",
        &[("  note     String?\n", "  note     String?\n\n  @@index([note])\n")],
    ),
];

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = Args::parse(args, &[], &["--rows"])?;
    let rows: i64 = args
        .option("--rows")
        .unwrap_or("1000000")
        .parse()
        .map_err(|_| anyhow::anyhow!("--rows takes a number"))?;
    let bin = trato_pg::ensure(None)?;
    let cluster = trato_pg::ephemeral(&bin)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!(
        "Locks on a table of {rows} rows while a writer inserts a row at a time (PostgreSQL {}):\n",
        bin.version
    );
    println!("| change | migration | took | locks the migrator held on the table | writer's longest wait | rows written meanwhile |");
    println!("|--------|-----------|-----:|---------------------------------------|----------------------:|-----------------------:|");
    let mut n = 0;
    for (change, edits) in CHANGES {
        let edited = edits
            .iter()
            .fold(BEFORE.to_string(), |s, (from, to)| s.replace(from, to));
        let (before, after) = (schema(BEFORE), schema(&edited));
        let steps = diff(&lower(&before), &lower(&after));
        for (variant, sql) in [
            ("one transaction", render(&steps)),
            ("parts (migrate dev)", render_migration(&steps)),
        ] {
            n += 1;
            let name = format!("locks_{n}");
            let admin = format!("{}?sslmode=disable", cluster.url("postgres"));
            let url = format!("{}?sslmode=disable", cluster.url(&name));
            let m = rt.block_on(measure(&admin, &url, &name, &from_empty(&lower(&before)), &sql, rows))?;
            println!(
                "| {change} | {variant} | {} ms | {} | {} ms | {} |",
                m.took.as_millis(),
                m.locks.into_iter().collect::<Vec<_>>().join(", "),
                m.longest_wait.as_millis(),
                m.written
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn schema(src: &str) -> trato_codegen::Schema {
    trato_codegen::check(src).0.expect("the benchmark's schemas are valid")
}

struct Measured {
    took: Duration,
    locks: BTreeSet<String>,
    longest_wait: Duration,
    written: u64,
}

async fn client(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

async fn measure(
    admin: &str,
    url: &str,
    name: &str,
    ddl: &str,
    migration: &str,
    rows: i64,
) -> anyhow::Result<Measured> {
    client(admin)
        .await?
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let setup = client(url).await?;
    setup.batch_execute(ddl).await?;
    setup
        .execute(
            "INSERT INTO \"Parent\" (id) SELECT g FROM generate_series(1, 1000) g",
            &[],
        )
        .await?;
    setup
        .execute(
            "INSERT INTO \"Child\" (id, \"parentId\", note) SELECT g, 1 + g % 1000, 'note ' || g FROM generate_series(1, $1::bigint) g",
            &[&rows],
        )
        .await?;
    setup.batch_execute("VACUUM ANALYZE \"Child\"").await?;
    let dir = std::env::temp_dir().join(format!("trato-bench-locks-{}-{name}", std::process::id()));
    let folder = dir.join("20990101000000_change");
    std::fs::create_dir_all(&folder)?;
    std::fs::write(folder.join("migration.sql"), migration)?;
    let migrator = Migrator::from_dir(&dir)?;
    let cfg = DbConfig::from_url(url)?;
    let done = Arc::new(AtomicBool::new(false));
    // The writer: one row at a time, each timed.
    let writer = {
        let done = done.clone();
        let client = client(url).await?;
        tokio::spawn(async move {
            let (mut longest, mut written, mut id) = (Duration::ZERO, 0u64, rows + 1);
            while !done.load(Ordering::SeqCst) {
                let t = Instant::now();
                client
                    .execute(
                        "INSERT INTO \"Child\" (id, \"parentId\", note) VALUES ($1, 1, 'w')",
                        &[&id],
                    )
                    .await?;
                longest = longest.max(t.elapsed());
                written += 1;
                id += 1;
            }
            Ok::<_, anyhow::Error>((longest, written))
        })
    };
    // The sampler: the modes the migrator's session holds on the table.
    let sampler = {
        let done = done.clone();
        let client = client(url).await?;
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            while !done.load(Ordering::SeqCst) {
                for row in client
                    .query(
                        "SELECT l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                          WHERE l.granted AND l.relation = '\"Child\"'::regclass AND a.application_name LIKE '%(migrator)'",
                        &[],
                    )
                    .await?
                {
                    seen.insert(row.get::<_, String>(0));
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Ok::<_, anyhow::Error>(seen)
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let result = migrator.deploy(&cfg).await;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(50)).await;
    done.store(true, Ordering::SeqCst);
    let (longest_wait, written) = writer.await??;
    let locks = sampler.await??;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    Ok(Measured {
        took,
        locks,
        longest_wait,
        written,
    })
}
