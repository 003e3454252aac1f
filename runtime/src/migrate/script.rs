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

use super::NO_TRANSACTION_MARKER;

/// The line that starts a new part.
pub const PART_MARKER: &str = "-- trato:part";

/// One part of a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// Runs in a transaction of its own (with the history row's update).
    pub transactional: bool,
    /// The statements with the file's line each starts on.
    pub statements: Vec<(usize, String)>,
}

impl Part {
    /// The units of progress this part counts for.
    pub fn units(&self) -> usize {
        if self.transactional {
            1
        } else {
            self.statements.len()
        }
    }
}

/// The parts of `sql`. Parts without statements are left out.
pub(crate) fn parts(sql: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut transactional = !sql.starts_with(NO_TRANSACTION_MARKER);
    let mut chunk = String::new();
    let mut chunk_line = 1;
    let flush = |chunk: &str, first_line: usize, transactional: bool, out: &mut Vec<Part>| {
        let statements: Vec<(usize, String)> = if chunk.to_uppercase().contains("BEGIN ATOMIC") {
            // A SQL-standard function body holds `;`s the splitter cannot see through: sent whole.
            let text = chunk.trim();
            if text.is_empty() {
                Vec::new()
            } else {
                let lead = chunk.len() - chunk.trim_start().len();
                vec![(first_line + chunk[..lead].matches('\n').count(), text.to_string())]
            }
        } else {
            trato_sqlguard::statements(chunk)
                .into_iter()
                .map(|(line, s)| (line + first_line - 1, s))
                .collect()
        };
        if !statements.is_empty() {
            out.push(Part {
                transactional,
                statements,
            });
        }
    };
    for (i, line) in sql.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(PART_MARKER) {
            flush(&chunk, chunk_line, transactional, &mut out);
            // The marker's line stays, empty, so that lines count from the file's start.
            chunk.clear();
            chunk.push('\n');
            chunk_line = i + 1;
            transactional = rest.trim() != "no-transaction";
            continue;
        }
        chunk.push_str(line);
    }
    flush(&chunk, chunk_line, transactional, &mut out);
    out
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
    fn parts_and_lines() {
        let sql = "CREATE TABLE a (id int);\nALTER TABLE b ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES a(id) NOT VALID;\n-- trato:part\nALTER TABLE b VALIDATE CONSTRAINT f;\n-- trato:part no-transaction\nCREATE INDEX CONCURRENTLY i ON b (x);\nCREATE INDEX CONCURRENTLY j ON b (y);\n";
        let p = parts(sql);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].transactional && p[1].transactional && !p[2].transactional);
        assert_eq!(p[0].statements[1].0, 2);
        assert_eq!(
            p[1].statements,
            [(4, "ALTER TABLE b VALIDATE CONSTRAINT f".to_string())]
        );
        assert_eq!(p[2].statements[1].0, 7);
        assert_eq!(p.iter().map(Part::units).sum::<usize>(), 4);
        let whole = parts(
            "-- trato:no-transaction\nCREATE INDEX CONCURRENTLY i ON b (x);\nCREATE INDEX CONCURRENTLY j ON b (y);",
        );
        assert_eq!(whole.len(), 1);
        assert!(!whole[0].transactional);
        assert_eq!(whole[0].statements[0].0, 2);
        assert!(parts("-- nothing\n").is_empty());
        let atomic = parts("\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n");
        assert_eq!(atomic[0].statements.len(), 1);
        assert_eq!(atomic[0].statements[0].0, 2);
    }

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
