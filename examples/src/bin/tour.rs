//! The tour `cargo xtask dev` prints: what the data layer holds, through the generated API, on the database
//! named by `DATABASE_URL`.

use trato_hive_db::runtime::{Db, DbConfig, ModelMeta, TenancyMeta, TxOptions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tour(DbConfig::from_env()?).await
}

async fn tour(cfg: DbConfig) -> anyhow::Result<()> {
    let redacted = cfg.redacted_url();
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
