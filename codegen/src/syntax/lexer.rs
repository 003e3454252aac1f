//! Lexer: schema text -> tokens with byte spans. Never fails: unknown characters become `Unknown` tokens.

use crate::diagnostics::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Ident,
    Number,
    /// A string literal; `terminated` is false when the closing quote is missing.
    Str {
        terminated: bool,
    },
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Equals,
    Question,
    At,
    AtAt,
    Dot,
    /// `// ...` (text after the slashes is in the span).
    Comment,
    /// `/// ...`
    DocComment,
    Newline,
    Unknown,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Letters of any script, as Prisma allows (`model Café`, `prénom`), and `_`.
fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Splits `src` into tokens. The last token is always `Eof`.
pub fn lex(src: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let bytes = src.as_bytes();
    let mut chars = src.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let single = |kind| Token {
            kind,
            span: Span::new(start, start + c.len_utf8()),
        };
        let tok = match c {
            '\n' => single(TokenKind::Newline),
            ' ' | '\t' | '\r' | '\u{feff}' => continue,
            '{' => single(TokenKind::LBrace),
            '}' => single(TokenKind::RBrace),
            '(' => single(TokenKind::LParen),
            ')' => single(TokenKind::RParen),
            '[' => single(TokenKind::LBracket),
            ']' => single(TokenKind::RBracket),
            ',' => single(TokenKind::Comma),
            ':' => single(TokenKind::Colon),
            '=' => single(TokenKind::Equals),
            '?' => single(TokenKind::Question),
            '.' => single(TokenKind::Dot),
            '@' => {
                if let Some((_, '@')) = chars.peek() {
                    chars.next();
                    Token {
                        kind: TokenKind::AtAt,
                        span: Span::new(start, start + 2),
                    }
                } else {
                    single(TokenKind::At)
                }
            }
            '/' if bytes.get(start + 1) == Some(&b'/') => {
                let mut end = start;
                while let Some(&(i, ch)) = chars.peek() {
                    if ch == '\n' {
                        break;
                    }
                    end = i + ch.len_utf8();
                    chars.next();
                }
                let doc = bytes.get(start + 2) == Some(&b'/') && bytes.get(start + 3) != Some(&b'/');
                Token {
                    kind: if doc { TokenKind::DocComment } else { TokenKind::Comment },
                    span: Span::new(start, end.max(start + 2)),
                }
            }
            '"' => {
                let mut end = start + 1;
                let mut terminated = false;
                while let Some(&(i, ch)) = chars.peek() {
                    if ch == '\n' {
                        break;
                    }
                    chars.next();
                    end = i + ch.len_utf8();
                    if ch == '\\' {
                        if let Some(&(j, esc)) = chars.peek() {
                            if esc != '\n' {
                                chars.next();
                                end = j + esc.len_utf8();
                            }
                        }
                    } else if ch == '"' {
                        terminated = true;
                        break;
                    }
                }
                Token {
                    kind: TokenKind::Str { terminated },
                    span: Span::new(start, end),
                }
            }
            c if c.is_ascii_digit() || (c == '-' && next_is_digit(bytes, start + 1)) => {
                let mut end = start + 1;
                let mut seen_dot = false;
                while let Some(&(i, ch)) = chars.peek() {
                    let more_digits = ch == '.' && !seen_dot && next_is_digit(bytes, i + 1);
                    if ch.is_ascii_digit() || more_digits {
                        seen_dot |= ch == '.';
                        end = i + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                Token {
                    kind: TokenKind::Number,
                    span: Span::new(start, end),
                }
            }
            c if is_ident_start(c) => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, ch)) = chars.peek() {
                    if is_ident_continue(ch) {
                        end = i + ch.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                Token {
                    kind: TokenKind::Ident,
                    span: Span::new(start, end),
                }
            }
            _ => single(TokenKind::Unknown),
        };
        tokens.push(tok);
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        span: Span::new(src.len(), src.len()),
    });
    tokens
}

fn next_is_digit(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_some_and(u8::is_ascii_digit)
}

/// Decodes the body of a string literal token (quotes included in `raw`).
pub fn unescape(raw: &str) -> String {
    let body = raw.strip_prefix('"').unwrap_or(raw);
    let body = body.strip_suffix('"').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_attributes_and_comments() {
        use TokenKind::*;
        assert_eq!(
            kinds("id String @id // x\n/// doc"),
            vec![Ident, Ident, At, Ident, Comment, Newline, DocComment, Eof]
        );
        assert_eq!(
            kinds("@@map(\"a\\\"b\")"),
            vec![AtAt, Ident, LParen, Str { terminated: true }, RParen, Eof]
        );
        assert_eq!(kinds("-1.5 3"), vec![Number, Number, Eof]);
    }

    #[test]
    fn unescapes_strings() {
        assert_eq!(unescape(r#""a\"b\\c\n""#), "a\"b\\c\n");
    }

    #[test]
    fn multibyte_input_does_not_split_chars() {
        for t in lex("model é { \"ü") {
            assert!(t.span.start <= t.span.end);
        }
    }
}
