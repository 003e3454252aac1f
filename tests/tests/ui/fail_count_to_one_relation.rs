// A relation count is for to-many relations: a to-one relation has no `count`.
use trato_hive_db::*;

fn main() {
    let _ = Deal::COMPANY.count();
}
