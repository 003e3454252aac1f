// The placeholders and the parameters given must agree.
use trato_hive_db::runtime::sql;

fn main() {
    let _ = sql!("SELECT * FROM deals WHERE id = $1 AND name = $2", "deal_a");
    let _ = sql!("SELECT * FROM deals", "deal_a");
}
