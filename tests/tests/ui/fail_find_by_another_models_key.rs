// A unique key names rows of its own model only.
use trato_hive_db::runtime::{ReadWrite, TenantScope};
use trato_hive_db::*;

async fn f(scope: &TenantScope<ReadWrite>) {
    let _ = scope.repo::<Deal>().find_by(Company::BY_NAME.eq("Acme")).await;
}

fn main() {}
