// A partial model reads the model it names, not another one.
use trato_hive_db::runtime::{ReadWrite, Select, TenantScope};
use trato_hive_db::*;

#[derive(Select)]
#[select(model = Company)]
struct CompanyName {
    name: String,
}

async fn f(scope: &TenantScope<ReadWrite>) {
    let _: Vec<CompanyName> = scope.repo::<Deal>().select(runtime::Query::new()).await.unwrap();
}

fn main() {}
