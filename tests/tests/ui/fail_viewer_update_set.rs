// A read-only scope has no computed updates either.
use trato_hive_db::*;

async fn bump(scope: runtime::TenantScope<runtime::ReadOnly>) {
    let _ = scope.repo::<Deal>().update_set("d1".to_string(), [Deal::PROBABILITY.increment(1)]).await;
}

fn main() {
    let _ = bump;
}
