//! `cargo xtask dev`, README's main job: a development PostgreSQL when `DATABASE_URL` is unset (started by
//! the project itself), pending migrations applied, a connection through the runtime's pool, a short tour
//! of what the data layer knows, and the `DATABASE_URL` to connect with. Safe to run again and again.
//!
//! The seed joins this command when it lands (see the open issues).

use std::process::ExitCode;

use trato_hive_db::runtime::{Db, DbConfig, Migrator, ModelMeta, TenancyMeta, TxOptions};

use crate::db;

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    if let Some(a) = args.first() {
        anyhow::bail!("`cargo xtask dev` takes no arguments (got `{a}`)");
    }
    let url = match std::env::var("DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => db::up()?.url(db::DEV_DATABASE),
    };
    let cfg = DbConfig::from_url(&url)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(tour(cfg))?;
    println!("\nDATABASE_URL={url}");
    Ok(ExitCode::SUCCESS)
}

async fn tour(cfg: DbConfig) -> anyhow::Result<()> {
    let redacted = cfg.redacted_url();
    let direct = match std::env::var("DIRECT_URL") {
        Ok(u) if !u.is_empty() => DbConfig::from_url(&u)?,
        _ => cfg.clone(),
    };
    let applied = Migrator::new(trato_hive_db::MIGRATIONS).deploy(&direct).await?;
    println!(
        "Migrations: {} embedded, {} applied now ({})",
        trato_hive_db::MIGRATIONS.len(),
        applied.len(),
        if applied.is_empty() {
            "the database was up to date".to_string()
        } else {
            applied.join(", ")
        }
    );
    let db = Db::connect(cfg)?;
    let row = db
        .conn()
        .await?
        .query_one("SELECT version(), current_user, current_database()", &[])
        .await?;
    let version: String = row.get(0);
    let user: String = row.get(1);
    let database: String = row.get(2);
    println!("Connected to {redacted}");
    println!("  server:   {}", version.split(" on ").next().unwrap_or(&version));
    println!("  as:       {user} on database {database}");
    let status = db.status();
    println!(
        "  pool:     {} connection(s) open of at most {}",
        status.size, status.max_size
    );

    // A transaction with a savepoint that fails on purpose: its work is undone, the outer one commits.
    let inner_failed = db
        .transaction(TxOptions::default(), async |tx| {
            tx.execute("CREATE TEMP TABLE tour (n int) ON COMMIT DROP", &[]).await?;
            tx.execute("INSERT INTO tour VALUES (1)", &[]).await?;
            let nested = tx
                .savepoint(async |sp| {
                    sp.execute("INSERT INTO tour VALUES (2)", &[]).await?;
                    sp.execute("INSERT INTO tour VALUES ('not a number')", &[]).await
                })
                .await;
            let row = tx.query_one("SELECT count(*) FROM tour", &[]).await?;
            Ok((nested.is_err(), row.get::<_, i64>(0)))
        })
        .await?;
    println!(
        "  tx:       savepoint failed = {}, rows kept = {} (the savepoint's insert was rolled back)",
        inner_failed.0, inner_failed.1
    );

    println!("\nThe Trato Hive schema (schema/schema.prisma), as the generated code records it:");
    let models: [ModelMeta; 12] = {
        use trato_hive_db::*;
        [
            Organization::META,
            OrganizationMember::META,
            Company::META,
            Deal::META,
            Document::META,
            DocumentChunk::META,
            Fact::META,
            Activity::META,
            User::META,
            Account::META,
            Session::META,
            VerificationToken::META,
        ]
    };
    let conn = db.conn().await?;
    for m in models {
        let rows: i64 = conn
            .query_one(&format!("SELECT count(*) FROM \"{}\"", m.table), &[])
            .await?
            .get(0);
        let tenancy = match m.tenancy {
            TenancyMeta::Root => "tenant root".to_string(),
            TenancyMeta::Owned { key } => format!("tenant-owned by {key}"),
            TenancyMeta::Global => "global".to_string(),
            TenancyMeta::Unmarked => "unmarked".to_string(),
        };
        println!(
            "  {:<20} table {:<22} {:>2} columns, {:>2} relations, {rows:>4} rows, {tenancy}",
            m.name,
            m.table,
            m.columns.len(),
            m.relations.len()
        );
    }
    drop(conn);
    db.close();
    Ok(())
}
