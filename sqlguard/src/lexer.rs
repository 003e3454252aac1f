//! PostgreSQL's lexical structure, as far as the guard needs it: words (keywords and unquoted identifiers,
//! folded to lower case as the server folds them), quoted identifiers (kept as written, `""` unescaped),
//! string constants of every form (`'..'`, `E'..'`, `U&'..'`, `B'..'`/`X'..'`, `$tag$..$tag$`) with their
//! contents, parameters, numbers, punctuation and `;`. Comments (`--`, nested `/* */`) and whitespace are
//! dropped. An unterminated string, identifier or comment is refused: the server would refuse it too, and
//! the guard must never guess where one ends.

use crate::Refusal;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or an unquoted identifier (lower-cased, as the server folds it).
    Word,
    /// A `"quoted identifier"` (as written, `""` unescaped).
    QuotedIdent,
    /// A string constant of any form (its contents, escapes decoded).
    String,
    /// A `$n` parameter.
    Param,
    /// A numeric constant.
    Number,
    /// Punctuation and operators.
    Punct,
    /// `;`, which ends a statement.
    Semicolon,
}

/// One token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Lower-cased for words; the contents for strings and quoted identifiers; as written otherwise.
    pub text: String,
    /// Byte offset of its first character in the SQL.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

fn unterminated(start: usize, len: usize, what: &str) -> Refusal {
    Refusal {
        start,
        end: len,
        message: format!("unterminated {what}"),
    }
}

/// Splits `sql` into tokens.
pub fn lex(sql: &str) -> Result<Vec<Token>, Refusal> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let push = |out: &mut Vec<Token>, kind, text: String, end| out.push(Token { kind, text, start, end });
        match c {
            _ if c.is_ascii_whitespace() => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                loop {
                    if i + 1 >= b.len() {
                        return Err(unterminated(start, b.len(), "comment"));
                    }
                    if b[i] == b'/' && b[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' => {
                let (text, end) = quoted(sql, i, b'\'', false)?;
                push(&mut out, TokenKind::String, text, end);
                i = end;
            }
            b'"' => {
                let (text, end) = quoted(sql, i, b'"', false)?;
                push(&mut out, TokenKind::QuotedIdent, text, end);
                i = end;
            }
            b'e' | b'E' if b.get(i + 1) == Some(&b'\'') => {
                let (text, end) = quoted(sql, i + 1, b'\'', true)?;
                push(&mut out, TokenKind::String, text, end);
                i = end;
            }
            b'b' | b'B' | b'x' | b'X' | b'n' | b'N' if b.get(i + 1) == Some(&b'\'') => {
                let (text, end) = quoted(sql, i + 1, b'\'', false)?;
                push(&mut out, TokenKind::String, text, end);
                i = end;
            }
            b'u' | b'U' if b.get(i + 1) == Some(&b'&') && matches!(b.get(i + 2), Some(b'\'' | b'"')) => {
                let q = b[i + 2];
                let (text, end) = quoted(sql, i + 2, q, false)?;
                // U&'\0074rato.' spells a name the guard must still recognise: decode the escapes.
                let text = decode_unicode_escapes(&text);
                let kind = if q == b'"' {
                    TokenKind::QuotedIdent
                } else {
                    TokenKind::String
                };
                push(&mut out, kind, text, end);
                i = end;
            }
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                push(&mut out, TokenKind::Param, sql[start..i].to_string(), i);
            }
            b'$' => match dollar_tag(b, i) {
                Some(tag_end) => {
                    let tag = &sql[i..tag_end];
                    let body_start = tag_end;
                    let Some(close) = sql[body_start..].find(tag) else {
                        return Err(unterminated(start, b.len(), "dollar-quoted string"));
                    };
                    let end = body_start + close + tag.len();
                    push(
                        &mut out,
                        TokenKind::String,
                        sql[body_start..body_start + close].to_string(),
                        end,
                    );
                    i = end;
                }
                None => {
                    push(&mut out, TokenKind::Punct, "$".into(), i + 1);
                    i += 1;
                }
            },
            b';' => {
                push(&mut out, TokenKind::Semicolon, ";".into(), i + 1);
                i += 1;
            }
            _ if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                    i += 1;
                }
                push(&mut out, TokenKind::Number, sql[start..i].to_string(), i);
            }
            _ if is_ident_start(c) => {
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                push(&mut out, TokenKind::Word, sql[start..i].to_ascii_lowercase(), i);
            }
            _ => {
                // Any other character (operators, brackets, commas, `.`), one at a time.
                let len = sql[i..].chars().next().map_or(1, char::len_utf8);
                push(&mut out, TokenKind::Punct, sql[i..i + len].to_string(), i + len);
                i += len;
            }
        }
    }
    Ok(out)
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == b'$'
}

/// `$tag$` starting at `i`: the index just past its closing `$`, or `None` when `$` starts no tag.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() && b[j] != b'$' {
        if !(is_ident_char(b[j]) && b[j] != b'$') {
            return None;
        }
        j += 1;
    }
    (j < b.len()).then_some(j + 1)
}

/// The contents of a quoted string or identifier opening at `open`, doubled quotes unescaped (and, for
/// escape strings, backslash escapes skipped over), and the index just past the closing quote.
fn quoted(sql: &str, open: usize, q: u8, backslash: bool) -> Result<(String, usize), Refusal> {
    let b = sql.as_bytes();
    let mut text = Vec::new();
    let mut i = open + 1;
    loop {
        let Some(&c) = b.get(i) else {
            let what = if q == b'"' { "quoted identifier" } else { "string" };
            return Err(unterminated(open, b.len(), what));
        };
        if backslash && c == b'\\' {
            if let Some(&n) = b.get(i + 1) {
                text.push(n);
            }
            i += 2;
            continue;
        }
        if c == q {
            if b.get(i + 1) == Some(&q) {
                text.push(q);
                i += 2;
                continue;
            }
            return Ok((String::from_utf8_lossy(&text).into_owned(), i + 1));
        }
        text.push(c);
        i += 1;
    }
}

/// `\XXXX` and `\+XXXXXX` escapes of a `U&` literal (with the default escape character).
fn decode_unicode_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let (digits, skip) = if s[i + 1..].starts_with('+') { (6, 7) } else { (4, 4) };
        let hex = s.get(i + 1 + skip - digits..i + 1 + skip);
        match hex
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
        {
            Some(decoded) => {
                out.push(decoded);
                for _ in 0..skip {
                    chars.next();
                }
            }
            None => out.push(c),
        }
    }
    out
}
