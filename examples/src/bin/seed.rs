//! `cargo xtask db seed`: seeds the database named by `DATABASE_URL` (the application's role). Idempotent.

use trato_hive_db::runtime::{Db, DbConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    trato_example::init_logging();
    let db = Db::connect(DbConfig::from_env()?)?;
    let report = trato_example::seed::run(&db).await?;
    if report.created == 0 {
        println!("Seed: already there, nothing written");
    } else {
        println!("Seed: {} rows created", report.created);
    }
    db.close();
    Ok(())
}
