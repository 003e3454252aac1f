//! Splitting SQL scripts into statements (migrations run one statement at a time, so a failure names its
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_with_dollar_quotes_and_comments() {
        let sql = "-- x;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';';\n";
        let s = statements(sql);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].0, 2);
        assert!(s[0].1.contains("SELECT 1; $$"));
    }
}
