// JSON filters are for Json columns; list filters for lists; search for text.
use trato_hive_db::*;

fn main() {
    let _ = Deal::NAME.json_contains(runtime::serde_json::json!({}));
    let _ = Deal::NAME.has("x".to_string());
    let _ = Deal::PROBABILITY.search("x");
}
