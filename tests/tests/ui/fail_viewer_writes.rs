// A VIEWER's scope is read-only: it has no write methods at all.
use trato_hive_db::*;

async fn write(scope: runtime::TenantScope<runtime::ReadOnly>) {
    let _ = scope.repo::<Deal>().create(DealCreate::new("x".into())).await;
}

fn main() {}
