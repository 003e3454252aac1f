//! Splitting SQL scripts into statements, and migration files into parts (migrations run one statement at a time, so a failure names its
//! statement and line, and statements that refuse a transaction block each get a message of their own).

/// Splits SQL into statements with their first line (1-based), respecting quotes, dollar quotes and
/// comments. Comments between statements are dropped; the `;` is not part of a statement.
pub fn statements(sql: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start_line = 1;
    let mut line = 1;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut dollar: Option<String> = None;
    let mut in_quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        }
        if cur.trim().is_empty() && !c.is_whitespace() {
            start_line = line;
        }
        if let Some(tag) = &dollar {
            if sql[char_offset(&chars, i)..].starts_with(tag.as_str()) {
                cur.push_str(tag);
                i += tag.chars().count();
                dollar = None;
                continue;
            }
        } else if let Some(qc) = in_quote {
            if c == qc {
                in_quote = None;
            }
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        } else if c == '\'' || c == '"' {
            in_quote = Some(c);
        } else if c == '$' {
            let rest: String = chars[i + 1..]
                .iter()
                .take_while(|x| x.is_alphanumeric() || **x == '_')
                .collect();
            if chars.get(i + 1 + rest.chars().count()) == Some(&'$') {
                let tag = format!("${rest}$");
                cur.push_str(&tag);
                i += tag.chars().count();
                dollar = Some(tag);
                continue;
            }
        } else if c == ';' {
            if !cur.trim().is_empty() {
                out.push((start_line, cur.trim().to_string()));
            }
            cur.clear();
            i += 1;
            continue;
        }
        cur.push(c);
        i += 1;
    }
    if !cur.trim().is_empty() {
        out.push((start_line, cur.trim().to_string()));
    }
    out
}

fn char_offset(chars: &[char], i: usize) -> usize {
    chars[..i].iter().map(|c| c.len_utf8()).sum()
}

/// First line of a migration whose statements each run outside a transaction (e.g. `CREATE INDEX
/// CONCURRENTLY`).
pub const NO_TRANSACTION_MARKER: &str = "-- trato:no-transaction";

/// The line that starts a new part.
pub const PART_MARKER: &str = "-- trato:part";

/// One part of a migration file: what runs in one transaction, or outside any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
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
pub fn parts(sql: &str) -> Vec<Part> {
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
            statements(chunk)
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
    fn splits_statements_with_dollar_quotes_and_comments() {
        let sql = "-- x;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';';\n";
        let s = statements(sql);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].0, 2);
        assert!(s[0].1.contains("SELECT 1; $$"));
    }
}
