// Upsert's conflict target is a generated unique key: a column without a unique constraint has none.
use trato_hive_db::runtime::{ReadWrite, TenantScope};
use trato_hive_db::*;

async fn f(scope: &TenantScope<ReadWrite>) {
    let _ = scope
        .repo::<Company>()
        .upsert(Company::BY_INDUSTRY, CompanyCreate::new("Acme".into()), CompanyUpdate::default())
        .await;
}

fn main() {}
