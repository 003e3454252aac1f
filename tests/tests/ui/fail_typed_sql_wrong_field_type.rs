// A bare column fills its field with the model column's type: the stage is a DealStage, not a String; and
// every output column needs a field of its name.
use trato_hive_db::runtime::{query_as, ReadWrite, TenantScope};
use trato_hive_db::*;

struct Row {
    stage: String,
}

async fn f(scope: &TenantScope<ReadWrite>) {
    let _ = scope.query(query_as!(Row, "SELECT d.stage FROM {Deal} d")).await;
    let _ = scope.query(query_as!(Row, "SELECT d.name, d.stage FROM {Deal} d")).await;
}

fn main() {}
