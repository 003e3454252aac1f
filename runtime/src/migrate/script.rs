//! A migration file as the migrator runs it: parts, each a transaction of its own or a run of statements
//! outside any, and the statements of each with their lines.
//!
//! A file is one transactional part unless its first line is [`NO_TRANSACTION_MARKER`](super::NO_TRANSACTION_MARKER)
//! (then one part outside a transaction). A line `-- trato:part` starts a new transactional part, and
//! `-- trato:part no-transaction` a part outside a transaction: e.g. a foreign key added `NOT VALID` in
//! one part and validated in the next, so the validation holds only SHARE UPDATE EXCLUSIVE; or
//! `CREATE INDEX CONCURRENTLY` beside the DDL that creates its column. Progress is recorded per unit (a
//! transactional part, or one statement outside a transaction), so a crash between units resumes after
//! the last one done.

pub use trato_sqlguard::{Part, PART_MARKER};

/// The parts of a migration file.
pub(crate) fn parts(sql: &str) -> Vec<Part> {
    trato_sqlguard::parts(sql)
}

/// The line that names the migrations a squash replaces: `-- trato:squashes <name> <name> ...`.
pub const SQUASHES_MARKER: &str = "-- trato:squashes";

/// The migrations a squash migration replaces (from its [`SQUASHES_MARKER`] line), none for others.
pub(crate) fn squashes(sql: &str) -> Vec<String> {
    sql.lines()
        .take_while(|l| l.starts_with("--"))
        .find_map(|l| l.strip_prefix(SQUASHES_MARKER))
        .map(|rest| rest.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name` statement builds: when it fails,
/// PostgreSQL leaves it behind INVALID, and the migrator drops it so that the statement can run again.
pub(crate) fn concurrent_index(statement: &str) -> Option<String> {
    let words: Vec<&str> = statement.split_whitespace().collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
    let mut i = 0;
    let mut expect = |w: &str, upper: &[String]| {
        let ok = upper.get(i).is_some_and(|u| u == w);
        if ok {
            i += 1;
        }
        ok
    };
    if !expect("CREATE", &upper) {
        return None;
    }
    expect("UNIQUE", &upper);
    if !expect("INDEX", &upper) || !expect("CONCURRENTLY", &upper) {
        return None;
    }
    if expect("IF", &upper) && !(expect("NOT", &upper) && expect("EXISTS", &upper)) {
        return None;
    }
    let name = words.get(i)?;
    if upper.get(i).is_some_and(|u| u == "ON") {
        return None;
    }
    let name = name.split('(').next().unwrap_or(name);
    Some(match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => name.to_lowercase(),
    })
}

/// The first line of a statement, shortened for a message.
pub(crate) fn head(statement: &str) -> String {
    let first = statement.lines().next().unwrap_or_default().trim();
    if first.chars().count() > 100 {
        format!("{}...", first.chars().take(97).collect::<String>())
    } else if statement.lines().nth(1).is_some() {
        format!("{first} ...")
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_index_a_concurrent_build_leaves() {
        assert_eq!(
            concurrent_index("CREATE INDEX CONCURRENTLY \"Deal_x\" ON \"Deal\" (x)").as_deref(),
            Some("Deal_x")
        );
        assert_eq!(
            concurrent_index("create unique index concurrently if not exists Foo on t(x)").as_deref(),
            Some("foo")
        );
        assert_eq!(concurrent_index("CREATE INDEX CONCURRENTLY ON t (x)"), None);
        assert_eq!(concurrent_index("CREATE INDEX i ON t (x)"), None);
    }
}
