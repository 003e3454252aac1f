//! Parser: tokens -> syntax tree. It never fails and never panics: errors are recorded as diagnostics and
//! the parser skips to the next line (inside a block) or the next block (at the top level).

use super::ast::*;
use super::lexer::{lex, unescape, Token, TokenKind};
use crate::diagnostics::{msg, Diagnostic, Span};

/// Parses a whole schema file. The tree holds everything that could be read, even when there are errors.
pub fn parse(src: &str) -> (SchemaAst, Vec<Diagnostic>) {
    let mut p = Parser {
        src,
        tokens: lex(src),
        pos: 0,
        diagnostics: Vec::new(),
        depth: 0,
    };
    let ast = p.file();
    (ast, p.diagnostics)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    /// How deep in calls and lists the current value is: past [`MAX_NESTING`] the value is refused, so no
    /// input can overflow the stack of the parser or of what walks the tree after it.
    depth: usize,
}

/// The deepest a value may nest (`f(g([...]))`): real schemas use 3 or 4 levels.
pub const MAX_NESTING: usize = 32;

impl<'a> Parser<'a> {
    fn peek(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_kind(&self) -> TokenKind {
        self.peek().kind
    }

    fn nth_kind(&self, n: usize) -> TokenKind {
        self.tokens[(self.pos + n).min(self.tokens.len() - 1)].kind
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        t
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or("")
    }

    fn describe(&self, t: Token) -> String {
        match t.kind {
            TokenKind::Eof => "end of file".into(),
            TokenKind::Newline => "end of line".into(),
            _ => format!("`{}`", self.text(t.span)),
        }
    }

    fn error_unexpected(&mut self, expected: &str) {
        let t = self.peek();
        if let TokenKind::Str { terminated: false } = t.kind {
            self.diagnostics.push(msg::unterminated_string(t.span));
        } else {
            let found = self.describe(t);
            self.diagnostics.push(msg::unexpected(t.span, &found, expected));
        }
    }

    /// Skips to (not past) the end of the line, a `}` or the end of file.
    fn skip_line(&mut self) {
        while !matches!(
            self.peek_kind(),
            TokenKind::Newline | TokenKind::Eof | TokenKind::RBrace
        ) {
            self.bump();
        }
    }

    fn comment_text(&self, t: Token, doc: bool) -> String {
        let skip = if doc { 3 } else { 2 };
        let text = self.text(t.span);
        text.get(skip..).unwrap_or("").trim_end().to_string()
    }

    /// Counts consecutive newlines from the current position, consuming them.
    fn newlines(&mut self) -> usize {
        let mut n = 0;
        while self.peek_kind() == TokenKind::Newline {
            self.bump();
            n += 1;
        }
        n
    }

    fn file(&mut self) -> SchemaAst {
        let mut items = Vec::new();
        let mut docs: Vec<String> = Vec::new();
        loop {
            let t = self.peek();
            match t.kind {
                TokenKind::Eof => break,
                TokenKind::Newline => {
                    let n = self.newlines();
                    if n >= 2 {
                        // A blank line separates top-level items; it also detaches doc comments.
                        flush_docs(&mut items, &mut docs);
                        if !items.is_empty() && !matches!(items.last(), Some(TopItem::Blank)) {
                            items.push(TopItem::Blank);
                        }
                    }
                }
                TokenKind::DocComment => {
                    self.bump();
                    docs.push(self.comment_text(t, true));
                }
                TokenKind::Comment => {
                    self.bump();
                    flush_docs(&mut items, &mut docs);
                    items.push(TopItem::Comment(self.comment_text(t, false)));
                }
                TokenKind::Ident => {
                    let word = self.text(t.span);
                    let kind = match word {
                        "model" => Some(BlockKind::Model),
                        "enum" => Some(BlockKind::Enum),
                        "datasource" => Some(BlockKind::Datasource),
                        "generator" => Some(BlockKind::Generator),
                        "view" => Some(BlockKind::View),
                        _ => None,
                    };
                    match kind {
                        Some(kind) => {
                            let block = self.block(kind, std::mem::take(&mut docs));
                            if let Some(block) = block {
                                items.push(TopItem::Block(block));
                            }
                        }
                        None => {
                            self.diagnostics.push(msg::unknown_block(t.span, word));
                            self.recover_top();
                        }
                    }
                }
                _ => {
                    self.error_unexpected("`model`, `enum`, `view`, `datasource` or `generator`");
                    self.recover_top();
                }
            }
        }
        flush_docs(&mut items, &mut docs);
        while matches!(items.last(), Some(TopItem::Blank)) {
            items.pop();
        }
        SchemaAst { items }
    }

    /// Skips an unreadable top-level item: up to the end of a `{ ... }` group if one opens on this line,
    /// else to the end of the line.
    fn recover_top(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek_kind() {
                TokenKind::Eof => return,
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => {
                    if depth <= 1 {
                        self.bump();
                        return;
                    }
                    depth -= 1;
                }
                TokenKind::Newline if depth == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    fn ident(&mut self, expected: &str) -> Option<Ident> {
        let t = self.peek();
        if t.kind == TokenKind::Ident {
            self.bump();
            Some(Ident {
                name: self.text(t.span).to_string(),
                span: t.span,
            })
        } else {
            self.error_unexpected(expected);
            None
        }
    }

    fn block(&mut self, kind: BlockKind, docs: Vec<String>) -> Option<Block> {
        let kw = self.bump();
        let Some(name) = self.ident(&format!("a name after `{}`", kind.keyword())) else {
            self.recover_top();
            return None;
        };
        if self.peek_kind() != TokenKind::LBrace {
            self.error_unexpected("`{`");
            self.recover_top();
            return None;
        }
        self.bump();
        let mut members = Vec::new();
        let mut member_docs: Vec<String> = Vec::new();
        let mut first_line = true;
        let end;
        loop {
            let t = self.peek();
            match t.kind {
                TokenKind::Eof => {
                    self.diagnostics
                        .push(msg::unclosed_block(kw.span.to(name.span), kind.keyword(), &name.name));
                    end = t.span.end;
                    break;
                }
                TokenKind::RBrace => {
                    self.bump();
                    end = t.span.end;
                    break;
                }
                TokenKind::Newline => {
                    let n = self.newlines();
                    if n >= 2 && !first_line {
                        flush_member_docs(&mut members, &mut member_docs);
                        if !matches!(members.last(), Some(Member::Blank)) {
                            members.push(Member::Blank);
                        }
                    }
                    first_line = false;
                }
                TokenKind::DocComment => {
                    self.bump();
                    member_docs.push(self.comment_text(t, true));
                }
                TokenKind::Comment => {
                    self.bump();
                    flush_member_docs(&mut members, &mut member_docs);
                    members.push(Member::Comment(self.comment_text(t, false)));
                }
                TokenKind::AtAt => {
                    flush_member_docs(&mut members, &mut member_docs);
                    self.bump();
                    if let Some(attr) = self.attribute_after_at(t.span) {
                        let comment = self.trailing_comment();
                        members.push(Member::BlockAttribute(attr, comment));
                    }
                    self.expect_line_end();
                }
                TokenKind::Ident => {
                    let docs = std::mem::take(&mut member_docs);
                    let member = match kind {
                        BlockKind::Datasource | BlockKind::Generator => self.property().map(Member::Property),
                        BlockKind::Model | BlockKind::View => self.field(docs, true).map(Member::Field),
                        BlockKind::Enum => self.field(docs, false).map(Member::Field),
                    };
                    if let Some(m) = member {
                        members.push(m);
                    }
                    self.expect_line_end();
                }
                _ => {
                    self.error_unexpected("a field, `@@attribute` or `}`");
                    self.bump();
                    self.skip_line();
                }
            }
            if self.peek_kind() != TokenKind::Newline {
                first_line = false;
            }
        }
        flush_member_docs(&mut members, &mut member_docs);
        while matches!(members.last(), Some(Member::Blank)) {
            members.pop();
        }
        Some(Block {
            kind,
            name,
            docs,
            members,
            span: Span::new(kw.span.start, end),
        })
    }

    fn trailing_comment(&mut self) -> Option<String> {
        let t = self.peek();
        match t.kind {
            TokenKind::Comment | TokenKind::DocComment => {
                self.bump();
                Some(self.comment_text(t, false))
            }
            _ => None,
        }
    }

    /// After a member: the line must end (or the block close). Anything else is reported and skipped.
    fn expect_line_end(&mut self) {
        if !matches!(
            self.peek_kind(),
            TokenKind::Newline | TokenKind::Eof | TokenKind::RBrace
        ) {
            self.error_unexpected("end of line");
            self.skip_line();
        }
    }

    fn property(&mut self) -> Option<Property> {
        let name = self.ident("a property name")?;
        if self.peek_kind() != TokenKind::Equals {
            self.error_unexpected("`=`");
            self.skip_line();
            return None;
        }
        self.bump();
        let value = match self.expr() {
            Some(v) => v,
            None => {
                self.skip_line();
                return None;
            }
        };
        let comment = self.trailing_comment();
        let span = name.span.to(value.span());
        Some(Property {
            name,
            value,
            comment,
            span,
        })
    }

    fn field(&mut self, docs: Vec<String>, typed: bool) -> Option<Field> {
        let name = self.ident("a field name")?;
        let mut span = name.span;
        let ty = if typed {
            match self.type_ref() {
                Some(ty) => {
                    span = span.to(ty.span);
                    Some(ty)
                }
                None => {
                    self.skip_line();
                    return None;
                }
            }
        } else {
            None
        };
        let mut attributes = Vec::new();
        loop {
            match self.peek_kind() {
                TokenKind::At => {
                    let at = self.bump();
                    match self.attribute_after_at(at.span) {
                        Some(a) => {
                            span = span.to(a.span);
                            attributes.push(a);
                        }
                        None => {
                            self.skip_line();
                            break;
                        }
                    }
                }
                TokenKind::AtAt => {
                    let t = self.peek();
                    self.diagnostics.push(msg::malformed(
                        t.span,
                        "field attribute",
                        "block attributes (`@@`) go on a line of their own; field attributes start with a single `@`",
                    ));
                    self.skip_line();
                    break;
                }
                _ => break,
            }
        }
        let comment = self.trailing_comment();
        Some(Field {
            docs,
            name,
            ty,
            attributes,
            comment,
            span,
        })
    }

    fn type_ref(&mut self) -> Option<TypeRef> {
        let name = self.ident("a type")?;
        let mut span = name.span;
        let mut unsupported = None;
        if self.peek_kind() == TokenKind::LParen {
            self.bump();
            let t = self.peek();
            if let TokenKind::Str { terminated: true } = t.kind {
                self.bump();
                let raw = self.text(t.span).to_string();
                unsupported = Some(StrLit {
                    value: unescape(&raw),
                    raw,
                    span: t.span,
                });
            } else {
                self.error_unexpected("a string, as in `Unsupported(\"tsvector\")`");
                return None;
            }
            if self.peek_kind() != TokenKind::RParen {
                self.error_unexpected("`)`");
                return None;
            }
            span = span.to(self.bump().span);
        }
        let mut arity = Arity::Required;
        match self.peek_kind() {
            TokenKind::Question => {
                span = span.to(self.bump().span);
                arity = Arity::Optional;
            }
            TokenKind::LBracket if self.nth_kind(1) == TokenKind::RBracket => {
                self.bump();
                span = span.to(self.bump().span);
                arity = Arity::List;
                if self.peek_kind() == TokenKind::Question {
                    let q = self.bump();
                    self.diagnostics.push(msg::bad_list(
                        q.span,
                        "a list cannot be optional",
                        "remove the `?`: an empty list stands for no values",
                    ));
                }
            }
            _ => {}
        }
        Some(TypeRef {
            name,
            arity,
            unsupported,
            span,
        })
    }

    /// Parses `name(.name)*(args)?` after `@` or `@@`.
    fn attribute_after_at(&mut self, at: Span) -> Option<Attribute> {
        let first = self.ident("an attribute name after `@`")?;
        let mut name = first.name;
        let mut name_span = first.span;
        while self.peek_kind() == TokenKind::Dot {
            self.bump();
            let part = self.ident("a name after `.`")?;
            name.push('.');
            name.push_str(&part.name);
            name_span = name_span.to(part.span);
        }
        let mut span = at.to(name_span);
        let mut args = None;
        if self.peek_kind() == TokenKind::LParen {
            let (list, close) = self.args()?;
            span = span.to(close);
            args = Some(list);
        }
        Some(Attribute {
            name: Ident { name, span: name_span },
            args,
            span,
        })
    }

    /// `( arg, ... )`; newlines are allowed inside. Returns the args and the span of `)`.
    fn args(&mut self) -> Option<(Vec<Arg>, Span)> {
        self.bump(); // (
        let mut args = Vec::new();
        loop {
            self.newlines();
            if self.peek_kind() == TokenKind::RParen {
                return Some((args, self.bump().span));
            }
            let arg_name = if self.peek_kind() == TokenKind::Ident && self.nth_kind(1) == TokenKind::Colon {
                let n = self.ident("an argument name")?;
                self.bump();
                self.newlines();
                Some(n)
            } else {
                None
            };
            let value = self.expr()?;
            let span = arg_name.as_ref().map_or(value.span(), |n| n.span.to(value.span()));
            args.push(Arg {
                name: arg_name,
                value,
                span,
            });
            self.newlines();
            match self.peek_kind() {
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::RParen => {}
                _ => {
                    self.error_unexpected("`,` or `)`");
                    return None;
                }
            }
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        if self.depth >= MAX_NESTING {
            let t = self.peek();
            self.diagnostics.push(msg::too_deep(t.span, MAX_NESTING));
            return None;
        }
        self.depth += 1;
        let value = self.expr_inner();
        self.depth -= 1;
        value
    }

    fn expr_inner(&mut self) -> Option<Expr> {
        let t = self.peek();
        match t.kind {
            TokenKind::Str { terminated: true } => {
                self.bump();
                let raw = self.text(t.span).to_string();
                Some(Expr::Str(StrLit {
                    value: unescape(&raw),
                    raw,
                    span: t.span,
                }))
            }
            TokenKind::Number => {
                self.bump();
                Some(Expr::Number {
                    raw: self.text(t.span).to_string(),
                    span: t.span,
                })
            }
            TokenKind::Ident => {
                let mut ident = self.ident("a value")?;
                while self.peek_kind() == TokenKind::Dot {
                    self.bump();
                    let part = self.ident("a name after `.`")?;
                    ident.name.push('.');
                    ident.name.push_str(&part.name);
                    ident.span = ident.span.to(part.span);
                }
                if self.peek_kind() == TokenKind::LParen {
                    let (args, close) = self.args()?;
                    let span = ident.span.to(close);
                    Some(Expr::Call {
                        name: ident,
                        args,
                        span,
                    })
                } else {
                    Some(Expr::Path(ident))
                }
            }
            TokenKind::LBracket => {
                let open = self.bump();
                let mut items = Vec::new();
                loop {
                    self.newlines();
                    if self.peek_kind() == TokenKind::RBracket {
                        let close = self.bump();
                        return Some(Expr::Array {
                            items,
                            span: open.span.to(close.span),
                        });
                    }
                    items.push(self.expr()?);
                    self.newlines();
                    match self.peek_kind() {
                        TokenKind::Comma => {
                            self.bump();
                        }
                        TokenKind::RBracket => {}
                        _ => {
                            self.error_unexpected("`,` or `]`");
                            return None;
                        }
                    }
                }
            }
            TokenKind::LBrace => {
                let open = self.bump();
                let mut entries = Vec::new();
                loop {
                    self.newlines();
                    if self.peek_kind() == TokenKind::RBrace {
                        let close = self.bump();
                        return Some(Expr::Object {
                            entries,
                            span: open.span.to(close.span),
                        });
                    }
                    let key = self.ident("a key")?;
                    if self.peek_kind() != TokenKind::Colon {
                        self.error_unexpected("`:`");
                        return None;
                    }
                    self.bump();
                    self.newlines();
                    entries.push((key, self.expr()?));
                    self.newlines();
                    match self.peek_kind() {
                        TokenKind::Comma => {
                            self.bump();
                        }
                        TokenKind::RBrace => {}
                        _ => {
                            self.error_unexpected("`,` or `}`");
                            return None;
                        }
                    }
                }
            }
            _ => {
                self.error_unexpected("a value (string, number, name, function call, list or object)");
                None
            }
        }
    }
}

fn flush_docs(items: &mut Vec<TopItem>, docs: &mut Vec<String>) {
    // Doc comments that document nothing are kept as ordinary comments so the formatter loses nothing.
    for d in docs.drain(..) {
        items.push(TopItem::Comment(format!("/{d}")));
    }
}

fn flush_member_docs(members: &mut Vec<Member>, docs: &mut Vec<String>) {
    for d in docs.drain(..) {
        members.push(Member::Comment(format!("/{d}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_model_with_attributes() {
        let (ast, diags) = parse(
            "/// A deal\nmodel Deal {\n  id String @id @default(cuid()) // pk\n  tags String[]\n  value Decimal? @db.Decimal(18, 2)\n  @@index([organizationId, stage(sort: Desc)], map: \"x\")\n}\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let TopItem::Block(b) = &ast.items[0] else {
            panic!("no block")
        };
        assert_eq!(b.docs, vec![" A deal".to_string()]);
        assert_eq!(b.members.len(), 4);
        let Member::Field(f) = &b.members[0] else { panic!() };
        assert_eq!(f.attributes.len(), 2);
        assert_eq!(f.comment.as_deref(), Some(" pk"));
        let Member::Field(v) = &b.members[2] else { panic!() };
        assert_eq!(v.attributes[0].name.name, "db.Decimal");
        assert_eq!(v.ty.as_ref().map(|t| t.arity), Some(Arity::Optional));
    }

    #[test]
    fn reports_every_bad_line_and_keeps_going() {
        let (ast, diags) = parse("model A {\n  id String @id(\n  x ! y\n}\nfoo\nenum E { A }\n");
        assert!(diags.len() >= 2, "{diags:?}");
        assert!(ast
            .items
            .iter()
            .any(|i| matches!(i, TopItem::Block(b) if b.kind == BlockKind::Enum)));
    }
}
