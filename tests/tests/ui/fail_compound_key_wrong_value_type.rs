// A compound key's value is a tuple of its columns' types: (document id, chunk index).
use trato_hive_db::runtime::{ReadWrite, TenantScope};
use trato_hive_db::*;

async fn f(scope: &TenantScope<ReadWrite>) {
    let key = DocumentChunk::BY_DOCUMENT_ID_CHUNK_INDEX.eq(("doc".to_string(), "1".to_string()));
    let _ = scope.repo::<DocumentChunk>().find_by(key).await;
}

fn main() {}
