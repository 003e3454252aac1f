// A scope's transaction handle cannot be used after its transaction ended.
use trato_hive_db::*;

async fn escape(scope: runtime::TenantScope) {
    let mut kept = None;
    let _ = scope
        .transaction(runtime::TxOptions::default(), async |tx| {
            kept = Some(tx);
            Ok(())
        })
        .await;
}

fn main() {}
