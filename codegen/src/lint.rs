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

/// Lints one migration, part by part (`-- trato:part`): what is safe depends on what ran in an earlier,
/// committed part.
pub fn lint(sql: &str) -> Vec<LintWarning> {
    let parts = trato_sqlguard::parts(sql);
    let all: Vec<&(usize, String)> = parts.iter().flat_map(|p| p.statements.iter()).collect();
    let created: Vec<String> = all
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
    // Tables with a constraint validated in an earlier part: a later SET NOT NULL can use it (no scan).
    let mut validated_before: Vec<String> = Vec::new();
    for part in &parts {
        let mut added_not_valid: Vec<String> = Vec::new();
        let mut validated_here: Vec<String> = Vec::new();
        let mut enum_value_added: Option<usize> = None;
        for (line, s) in &part.statements {
            let upper = s.to_uppercase().split_whitespace().collect::<Vec<_>>().join(" ");
            let original = s.split_whitespace().collect::<Vec<_>>().join(" ");
            let table = target_table(&upper, &original);
            let existing = table.as_ref().is_some_and(|t| !created.contains(t));
            let mut warn = |code: &'static str, message: String| {
                out.push(LintWarning {
                    code,
                    line: *line,
                    message,
                })
            };
            if let Some(at) = enum_value_added.filter(|_| part.transactional) {
                warn("L008", format!("runs in the transaction that added an enum value (line {at}): the value cannot be used before that transaction commits (55P04); end the part after the ALTER TYPE with a `-- trato:part` line"));
                enum_value_added = None;
            }
            if upper.starts_with("ALTER TYPE") && upper.contains("ADD VALUE") {
                enum_value_added = Some(*line);
            }
            let index = upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX");
            if index && upper.contains("CONCURRENTLY") && part.transactional {
                warn("L007", "CREATE INDEX CONCURRENTLY cannot run in a transaction (25001): put it in a part of its own, after a `-- trato:part no-transaction` line".into());
            }
            if index && !upper.contains("CONCURRENTLY") && existing {
                warn("L001", "index built without CONCURRENTLY on an existing table: writes are blocked while it builds; build it CONCURRENTLY after a `-- trato:part no-transaction` line (what `migrate dev` writes)".into());
            }
            if !(upper.starts_with("ALTER TABLE") && existing) {
                continue;
            }
            let table = table.unwrap_or_default();
            if upper.contains("FOREIGN KEY") && !upper.contains("NOT VALID") {
                warn("L002", "foreign key added without NOT VALID on an existing table: both tables are locked while every row is checked; add it NOT VALID, then VALIDATE CONSTRAINT after a `-- trato:part` line".into());
            }
            if upper.contains(" NOT VALID") {
                added_not_valid.push(table.clone());
            }
            if upper.contains("VALIDATE CONSTRAINT") {
                if added_not_valid.contains(&table) && part.transactional {
                    warn("L006", "validated in the transaction that added the constraint: the lock the ADD took (SHARE ROW EXCLUSIVE for a foreign key, ACCESS EXCLUSIVE for a CHECK) is held for the whole scan; put a `-- trato:part` line before the VALIDATE".into());
                }
                validated_here.push(table.clone());
            }
            if upper.contains("SET NOT NULL") && !validated_before.contains(&table) {
                warn("L003", "SET NOT NULL on an existing table scans it under an ACCESS EXCLUSIVE lock (and fails if a NULL is left); add CHECK (col IS NOT NULL) NOT VALID, validate it after a `-- trato:part` line, then SET NOT NULL after another (no scan): what `migrate dev` writes".into());
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
        validated_before.extend(validated_here);
        for (line, s) in &part.statements {
            if s.to_uppercase().starts_with("DROP TABLE") {
                out.push(LintWarning {
                    code: "L005",
                    line: *line,
                    message: "drops a table and its data".into(),
                });
            }
        }
    }
    out.sort_by_key(|w| w.line);
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
        assert!(lint("-- trato:no-transaction\nCREATE INDEX CONCURRENTLY \"b\" ON \"old\"(\"id\");").is_empty());
    }

    #[test]
    fn follows_its_own_advice_across_parts() {
        let one = "ALTER TABLE \"old\" ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES n(id) NOT VALID;\nALTER TABLE \"old\" VALIDATE CONSTRAINT f;\nCREATE INDEX CONCURRENTLY i ON \"old\" (x);\nALTER TYPE \"S\" ADD VALUE 'X';\nALTER TABLE \"old\" ALTER COLUMN s SET DEFAULT 'X';";
        let codes: Vec<&str> = lint(one).iter().map(|w| w.code).collect();
        assert_eq!(codes, ["L006", "L007", "L008"]);
        let split = "ALTER TABLE \"old\" ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES n(id) NOT VALID;\nALTER TABLE \"old\" ADD CONSTRAINT c CHECK (y IS NOT NULL) NOT VALID;\n-- trato:part\nALTER TABLE \"old\" VALIDATE CONSTRAINT f;\nALTER TABLE \"old\" VALIDATE CONSTRAINT c;\n-- trato:part\nALTER TABLE \"old\" ALTER COLUMN y SET NOT NULL;\n-- trato:part no-transaction\nCREATE INDEX CONCURRENTLY i ON \"old\" (x);";
        assert_eq!(lint(split), Vec::new());
    }
}
