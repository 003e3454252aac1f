//! Safety lint for migration SQL, generated or hand-written: flags statements that take long locks or
//! rewrite a table that already exists (one created in the same migration is empty, so anything goes).

/// One finding: a code, the statement's line, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintWarning {
    /// Its code, e.g. `L001`.
    pub code: &'static str,
    /// The line of `migration.sql` it is about.
    pub line: usize,
    /// What the statement does and what to do instead.
    pub message: String,
}

pub use trato_sqlguard::statements;

/// The table a statement works on, for `ALTER TABLE x` / `CREATE [UNIQUE] INDEX n ON x`.
fn target_table(upper: &str, original: &str) -> Option<String> {
    let after = |kw: &str| -> Option<String> {
        let at = upper.find(kw)? + kw.len();
        let rest = original[at..].trim_start();
        let rest = rest.strip_prefix("ONLY ").unwrap_or(rest).trim_start();
        let name: String = if let Some(r) = rest.strip_prefix('"') {
            r.split('"').next()?.to_string()
        } else {
            rest.split(|c: char| c.is_whitespace() || c == '(')
                .next()?
                .to_lowercase()
        };
        Some(name)
    };
    if upper.starts_with("ALTER TABLE") {
        after("ALTER TABLE ")
    } else if upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX") {
        after(" ON ")
    } else {
        None
    }
}

/// Lints one migration.
pub fn lint(sql: &str) -> Vec<LintWarning> {
    let stmts = statements(sql);
    let created: Vec<String> = stmts
        .iter()
        .filter_map(|(_, s)| {
            let upper = s.to_uppercase();
            upper.starts_with("CREATE TABLE").then(|| {
                let rest = s["CREATE TABLE".len()..].trim_start();
                let rest = rest.strip_prefix("IF NOT EXISTS").map_or(rest, str::trim_start);
                match rest.strip_prefix('"') {
                    Some(r) => r.split('"').next().unwrap_or("").to_string(),
                    None => rest
                        .split(|c: char| c.is_whitespace() || c == '(')
                        .next()
                        .unwrap_or("")
                        .to_lowercase(),
                }
            })
        })
        .collect();
    let mut out = Vec::new();
    for (line, s) in &stmts {
        let upper = s.to_uppercase().split_whitespace().collect::<Vec<_>>().join(" ");
        let original = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let existing = target_table(&upper, &original).is_some_and(|t| !created.contains(&t));
        let mut warn = |code: &'static str, message: String| {
            out.push(LintWarning {
                code,
                line: *line,
                message,
            })
        };
        if (upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX"))
            && !upper.contains("CONCURRENTLY")
            && existing
        {
            warn("L001", "index built without CONCURRENTLY on an existing table: writes are blocked while it builds; put it in its own migration starting with `-- trato:no-transaction` and use CREATE INDEX CONCURRENTLY".into());
        }
        if upper.starts_with("ALTER TABLE") && existing {
            if upper.contains("FOREIGN KEY") && !upper.contains("NOT VALID") {
                warn("L002", "foreign key added without NOT VALID on an existing table: both tables are locked while every row is checked; add it NOT VALID, then VALIDATE CONSTRAINT".into());
            }
            if upper.contains("SET NOT NULL") {
                warn("L003", "SET NOT NULL on an existing table scans it under an exclusive lock (and fails if a NULL is left); add a CHECK (col IS NOT NULL) NOT VALID constraint and validate it first".into());
            }
            if upper.contains("ADD COLUMN") && upper.contains("NOT NULL") && !upper.contains("DEFAULT") {
                warn("L003", "required column added without a default: fails on a table that has rows; add a default, or add it nullable and backfill".into());
            }
            if upper.contains("SET DATA TYPE") || (upper.contains("ALTER COLUMN") && upper.contains(" TYPE ")) {
                warn("L004", "column type change rewrites the table under an exclusive lock (unless it only widens a varchar); consider a new column and a backfill".into());
            }
            if upper.contains("DROP COLUMN") {
                warn("L005", "drops a column and its data".into());
            }
        }
        if upper.starts_with("DROP TABLE") {
            warn("L005", "drops a table and its data".into());
        }
    }
    out
}

/// The statements of `sql` that lose data (drop a table, column or schema, truncate, delete), with their
/// lines: what `migrate down` asks `--force` for.
pub fn destructive(sql: &str) -> Vec<(usize, String)> {
    statements(sql)
        .into_iter()
        .filter_map(|(line, s)| {
            let upper = s.to_uppercase().split_whitespace().collect::<Vec<_>>().join(" ");
            let what = if upper.starts_with("DROP TABLE") {
                "drops a table and its rows"
            } else if upper.starts_with("DROP SCHEMA") {
                "drops a schema and everything in it"
            } else if upper.starts_with("ALTER TABLE") && upper.contains("DROP COLUMN") {
                "drops a column and its values"
            } else if upper.starts_with("TRUNCATE") || upper.starts_with("DELETE") {
                "deletes rows"
            } else {
                return None;
            };
            let head = s.lines().next().unwrap_or_default().trim().to_string();
            Some((line, format!("{what}: {head}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_loses_data() {
        let sql =
            "ALTER TABLE \"a\" DROP COLUMN \"x\";\nDROP INDEX \"i\";\nDROP TABLE \"users\" CASCADE;\nDELETE FROM t;";
        let lines: Vec<usize> = destructive(sql).iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [1, 3, 4]);
    }

    #[test]
    fn flags_risky_statements_on_existing_tables_only() {
        let sql = "CREATE TABLE \"new\" (id int);\nCREATE INDEX \"a\" ON \"new\"(\"id\");\nCREATE INDEX \"b\" ON \"old\"(\"id\");\nALTER TABLE \"old\" ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES new(id);\nALTER TABLE \"old\" ADD COLUMN \"c\" TEXT NOT NULL;\nALTER TABLE \"old\" ALTER COLUMN \"d\" SET DATA TYPE BIGINT USING d::BIGINT;\nALTER TABLE \"old\" ALTER COLUMN \"e\" SET NOT NULL;\nDROP TABLE \"gone\";";
        let codes: Vec<&str> = lint(sql).iter().map(|w| w.code).collect();
        assert_eq!(codes, ["L001", "L002", "L003", "L004", "L003", "L005"]);
        assert!(lint("ALTER TABLE \"old\" ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES n(id) NOT VALID;").is_empty());
        assert!(lint("CREATE INDEX CONCURRENTLY \"b\" ON \"old\"(\"id\");").is_empty());
    }
}
