// An update of deals assigns deal columns only.
use trato_hive_db::*;

async fn rename(scope: runtime::TenantScope<runtime::ReadWrite>) {
    let _ = scope.repo::<Deal>().update_set("d1".to_string(), [Company::NAME.set("x".to_string())]).await;
}

fn main() {
    let _ = rename;
}
