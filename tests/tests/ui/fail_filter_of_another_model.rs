// A filter belongs to its model.
use trato_hive_db::*;

async fn find(scope: runtime::TenantScope) {
    let _ = scope.repo::<Deal>().find_many(Company::NAME.eq("Acme")).await;
}

fn main() {}
