//! The SQL guard: decides whether application SQL may run, before it reaches the server. One checker for
//! two places: the `sql!` macro runs it on its literal at compile time (a refusal is a compile error), and
//! the runtime runs it on every statement application code hands to a scope or to the plain client (a
//! refusal is `Error::RefusedSql`). No dependencies, so the proc-macro crate can use it.
//!
//! What it protects is the tenant binding: the transaction-local setting `trato.tenant_id` that row-level
//! security trusts. Application code (a careless developer, a copied snippet) must have no way to change
//! that binding, to leave one behind on a pooled connection, or to run a statement in a scope outside the
//! scope's transaction. PostgreSQL lets any role set any custom setting, so the database alone cannot
//! refuse it; this check is where that rule lives. It does not stop a process that opens its own
//! connection: that is the compromised-process case, which ARCHITECTURE.md names.
//!
//! The check works on PostgreSQL's lexical structure (strings, escape strings, dollar quotes, quoted
//! identifiers, nested comments), so a keyword inside a string or a comment is not mistaken for one, and a
//! forbidden name cannot hide in a quoted identifier or behind a comment.

#![warn(missing_docs)]

mod lexer;
mod split;

pub use split::{parts, statements, Part, NO_TRANSACTION_MARKER, PART_MARKER};

pub use lexer::{lex, Token, TokenKind};

/// Where the statement is to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Raw SQL in a tenant scope (`scope.raw(sql!(...))`): one data statement (SELECT, WITH, INSERT,
    /// UPDATE, DELETE, MERGE, VALUES, TABLE) in the scope's own transaction.
    Scoped,
    /// The plain client (`db.query`, `db.transaction`): any statement but those that touch the binding,
    /// change the role, or run code the guard cannot see (DO blocks, functions that execute a string).
    Plain,
    /// The plain client on a pool that resets session state on every checkout (`recycle=clean`): as
    /// [`Context::Plain`], but temporary objects are allowed, since they are discarded before the connection
    /// is handed out again.
    PlainReset,
}

/// Why a statement was refused, and where (byte offsets into the SQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Byte offset where the refused token starts.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// Why, in a sentence that says what to do instead where there is something.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The prefix of the library's own settings (`trato.tenant_id`).
pub const SETTING_PREFIX: &str = "trato.";
/// The prefix of the library's own functions (`trato_set_tenant`, `trato_current_tenant`, ...).
pub const FUNCTION_PREFIX: &str = "trato_";

/// Functions that change a setting, or that run a string as SQL the guard never sees.
const FORBIDDEN_FUNCTIONS: &[(&str, &str)] = &[
    ("set_config", "changes a setting (the tenant binding is one)"),
    ("query_to_xml", "runs a string as SQL"),
    ("query_to_xmlschema", "runs a string as SQL"),
    ("query_to_xml_and_xmlschema", "runs a string as SQL"),
    ("cursor_to_xml", "reads a cursor opened outside this statement"),
    ("cursor_to_xmlschema", "reads a cursor opened outside this statement"),
    ("dblink", "runs SQL on another connection"),
    ("dblink_exec", "runs SQL on another connection"),
    ("dblink_open", "runs SQL on another connection"),
    ("dblink_send_query", "runs SQL on another connection"),
];

/// Temporary objects live in the session, outlive the transaction, and come first in name lookup: a temporary
/// `deals` would stand in for the real table in the next scope on that pooled connection, and a temporary
/// table filled in one tenant's scope would be readable in the next tenant's.
const TEMP_OBJECTS: &str = "temporary objects are refused: they outlive the scope on the pooled connection, and a \
     temporary table or view stands in for the real one (without row-level security) in every later scope there";

/// The data layer's functions that only read the binding, and so may be called.
const READ_ONLY_FUNCTIONS: &[&str] = &["trato_current_tenant"];

/// The statements raw SQL in a scope may be.
const DATA_STATEMENTS: &[&str] = &[
    "select", "with", "insert", "update", "delete", "merge", "values", "table",
];

/// Checks `sql` for `ctx`; `Ok` when it may run.
pub fn check(sql: &str, ctx: Context) -> Result<(), Refusal> {
    let tokens = lex(sql)?;
    let statements: Vec<&[Token]> = tokens
        .split(|t| t.kind == TokenKind::Semicolon)
        .filter(|s| !s.is_empty())
        .collect();
    if statements.is_empty() {
        return Err(Refusal {
            start: 0,
            end: sql.len(),
            message: "the statement is empty".into(),
        });
    }
    if ctx == Context::Scoped && statements.len() > 1 {
        let second = &statements[1][0];
        return Err(Refusal {
            start: second.start,
            end: second.end,
            message: "raw SQL in a scope is one statement; this is a second one (run each with its own `raw`, or \
                      several in `scope.transaction`)"
                .into(),
        });
    }
    for statement in statements {
        check_statement(statement, ctx)?;
    }
    Ok(())
}

fn refuse(t: &Token, message: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal {
        start: t.start,
        end: t.end,
        message: message.into(),
    })
}

fn check_statement(tokens: &[Token], ctx: Context) -> Result<(), Refusal> {
    // A parenthesised query, `(SELECT ...) UNION (...)`, leads with `(`.
    let lead = tokens.iter().find(|t| t.kind != TokenKind::Punct || t.text != "(");
    if let Some(first) = lead.filter(|t| t.kind == TokenKind::Word) {
        check_leading(first, &tokens[1..], ctx)?;
    } else if ctx == Context::Scoped {
        return refuse(
            &tokens[0],
            "raw SQL in a scope must be a data statement (SELECT, WITH, INSERT, UPDATE, DELETE, MERGE, VALUES, TABLE)",
        );
    }
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokenKind::Word | TokenKind::QuotedIdent => {
                let name = t.text.as_str();
                let next = tokens.get(i + 1);
                let called = next.is_some_and(|n| n.kind == TokenKind::Punct && n.text == "(");
                if called {
                    if let Some((_, why)) = FORBIDDEN_FUNCTIONS.iter().find(|(f, _)| *f == name) {
                        return refuse(t, format!("`{name}` is refused: it {why}"));
                    }
                    if name.starts_with(FUNCTION_PREFIX) && !READ_ONLY_FUNCTIONS.contains(&name) {
                        return refuse(
                            t,
                            format!("`{name}` is the data layer's own function: only the library binds the tenant"),
                        );
                    }
                }
                if name.starts_with(SETTING_PREFIX) && t.kind == TokenKind::QuotedIdent {
                    return refuse(
                        t,
                        format!("`{name}` is the data layer's setting: only the library binds the tenant"),
                    );
                }
                let qualified = next.is_some_and(|n| n.kind == TokenKind::Punct && n.text == ".");
                if qualified && format!("{name}.") == SETTING_PREFIX {
                    return refuse(
                        t,
                        "`trato.*` settings are the data layer's: only the library binds the tenant",
                    );
                }
                // `UPDATE [ONLY] [pg_catalog.]pg_settings SET setting = ...` is a SET in disguise; reading it is not.
                let updated = tokens[i.saturating_sub(4)..i]
                    .iter()
                    .any(|p| p.kind == TokenKind::Word && p.text == "update");
                if name == "pg_settings" && updated {
                    return refuse(
                        t,
                        "`pg_settings` is refused: writing it changes a setting (the tenant binding is one)",
                    );
                }
                let temp_ok = ctx == Context::PlainReset;
                if t.kind == TokenKind::Word && (name == "pg_temp" || name.starts_with("pg_temp_")) && !temp_ok {
                    return refuse(t, TEMP_OBJECTS);
                }
                let creates_temp = matches!(name, "temp" | "temporary")
                    && t.kind == TokenKind::Word
                    && matches!(tokens.first(), Some(f) if f.kind == TokenKind::Word && f.text == "create")
                    // `CREATE [OR REPLACE] [GLOBAL | LOCAL] TEMP`: before the object's name, not a column.
                    && tokens[..i].iter().all(|p| p.kind == TokenKind::Word && p.text != "table");
                let select_into = name == "into"
                    && t.kind == TokenKind::Word
                    && !(i > 0 && matches!(tokens[i - 1].text.as_str(), "insert" | "merge"));
                if (creates_temp || select_into) && !temp_ok {
                    return refuse(t, TEMP_OBJECTS);
                }
            }
            TokenKind::String
                if t.text.to_ascii_lowercase().starts_with(SETTING_PREFIX) && !reads_setting(tokens, i) =>
            {
                return refuse(
                    t,
                    format!(
                        "'{}' names the data layer's setting: only the library binds the tenant",
                        t.text
                    ),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the string at `i` is the first argument of `current_setting(`, which only reads.
fn reads_setting(tokens: &[Token], i: usize) -> bool {
    i >= 2
        && tokens[i - 1].kind == TokenKind::Punct
        && tokens[i - 1].text == "("
        && tokens[i - 2].kind == TokenKind::Word
        && tokens[i - 2].text == "current_setting"
}

/// The statement's leading keyword: what kind of statement it is.
fn check_leading(first: &Token, rest: &[Token], ctx: Context) -> Result<(), Refusal> {
    let kw = first.text.as_str();
    let next = |i: usize| {
        rest.iter()
            .filter(|t| t.kind == TokenKind::Word)
            .nth(i)
            .map(|t| t.text.as_str())
    };
    let why = match kw {
        "set" | "reset" => {
            let target = match next(0) {
                Some("local" | "session") => next(1),
                other => other,
            };
            match target {
                Some("role" | "session_authorization" | "authorization") => {
                    Some("changes the role the statements run as")
                }
                _ if ctx == Context::Scoped => {
                    Some("changes a setting inside the scope's transaction (the tenant binding is a setting)")
                }
                _ => None,
            }
        }
        "do" => Some("runs a DO block, whose code the guard cannot see"),
        "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint" | "release" if ctx == Context::Scoped => {
            Some("controls the transaction, which belongs to the scope (use `scope.transaction`)")
        }
        // EXPLAIN of a data statement: its plan (with ANALYZE it runs, with the rights it has anyway); every
        // token of it is checked like the statement's own.
        "explain" if ctx == Context::Scoped => {
            let mut depth = 0i32;
            let inner = rest.iter().find(|t| {
                match (t.kind, t.text.as_str()) {
                    (TokenKind::Punct, "(") => depth += 1,
                    (TokenKind::Punct, ")") => depth -= 1,
                    _ => {}
                }
                depth == 0
                    && t.kind == TokenKind::Word
                    && !matches!(t.text.as_str(), "analyze" | "analyse" | "verbose")
            });
            match inner.map(|t| t.text.as_str()) {
                Some(w) if DATA_STATEMENTS.contains(&w) => None,
                _ => Some("explains something other than a data statement"),
            }
        }
        "prepare" | "execute" | "deallocate" | "declare" | "fetch" | "move" | "close" | "discard" | "listen"
        | "notify" | "unlisten" | "load" | "copy" | "lock" | "call" | "analyze" | "vacuum"
            if ctx == Context::Scoped =>
        {
            Some("is not a data statement: raw SQL in a scope is SELECT, WITH, INSERT, UPDATE, DELETE, MERGE, VALUES or TABLE")
        }
        "create" | "alter" | "drop" | "grant" | "revoke" | "comment" | "security" | "reassign" | "truncate"
        | "refresh" | "cluster" | "reindex" | "import"
            if ctx == Context::Scoped =>
        {
            Some(
                "is schema or privilege change: that belongs in a migration, run by the migrator, not in a scope",
            )
        }
        _ if ctx == Context::Scoped && !DATA_STATEMENTS.contains(&kw) => {
            Some("is not a data statement: raw SQL in a scope is SELECT, WITH, INSERT, UPDATE, DELETE, MERGE, VALUES or TABLE")
        }
        _ => None,
    };
    match why {
        Some(why) => refuse(first, format!("`{}` is refused: it {why}", kw.to_ascii_uppercase())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
