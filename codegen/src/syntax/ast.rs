//! Syntax tree of a schema file: blocks, fields, attributes and expressions, each with its span.
//! Comments and blank lines are kept so that the formatter can print the file back.

use crate::diagnostics::Span;

#[derive(Debug, Clone, Default)]
pub struct SchemaAst {
    pub items: Vec<TopItem>,
}

#[derive(Debug, Clone)]
pub enum TopItem {
    Block(Block),
    /// A `//` comment line outside any block (text without the slashes, trimmed at the end).
    Comment(String),
    /// One or more empty lines.
    Blank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Model,
    Enum,
    Datasource,
    Generator,
}

impl BlockKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Model => "model",
            BlockKind::Enum => "enum",
            BlockKind::Datasource => "datasource",
            BlockKind::Generator => "generator",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub name: Ident,
    pub docs: Vec<String>,
    pub members: Vec<Member>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Member {
    /// A model field or an enum value (enum values have no type).
    Field(Field),
    /// `@@name(...)`
    BlockAttribute(Attribute, Option<String>),
    /// `key = value` in datasource and generator blocks.
    Property(Property),
    Comment(String),
    Blank,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub docs: Vec<String>,
    pub name: Ident,
    pub ty: Option<TypeRef>,
    pub attributes: Vec<Attribute>,
    /// A trailing `//` comment on the same line.
    pub comment: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Required,
    Optional,
    List,
}

#[derive(Debug, Clone)]
pub struct TypeRef {
    pub name: Ident,
    pub arity: Arity,
    /// The argument of `Unsupported("...")`.
    pub unsupported: Option<StrLit>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    /// Dotted name without the `@`/`@@`, e.g. `id`, `db.VarChar`.
    pub name: Ident,
    pub args: Option<Vec<Arg>>,
    pub span: Span,
}

impl Attribute {
    pub fn positional(&self) -> impl Iterator<Item = &Arg> {
        self.args.iter().flatten().filter(|a| a.name.is_none())
    }

    pub fn named(&self, key: &str) -> Option<&Arg> {
        self.args
            .iter()
            .flatten()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == key))
    }
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: Ident,
    pub value: Expr,
    pub comment: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    /// As written, quotes included (the formatter prints it back unchanged).
    pub raw: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Expr {
    Str(StrLit),
    Number {
        raw: String,
        span: Span,
    },
    /// An identifier or dotted path: `true`, `Cascade`, `SOURCING`, `db`.
    Path(Ident),
    Call {
        name: Ident,
        args: Vec<Arg>,
        span: Span,
    },
    Array {
        items: Vec<Expr>,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Str(s) => s.span,
            Expr::Number { span, .. } | Expr::Call { span, .. } | Expr::Array { span, .. } => *span,
            Expr::Path(i) => i.span,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(&s.value),
            _ => None,
        }
    }

    pub fn as_path(&self) -> Option<&Ident> {
        match self {
            Expr::Path(i) => Some(i),
            _ => None,
        }
    }

    /// A field reference as used in index lists: `name` or `name(sort: Desc)`.
    pub fn as_field_ref(&self) -> Option<(&Ident, &[Arg])> {
        match self {
            Expr::Path(i) => Some((i, &[])),
            Expr::Call { name, args, .. } => Some((name, args)),
            _ => None,
        }
    }

    /// Items of an array, or the expression itself as a one-item list (Prisma accepts both).
    pub fn items(&self) -> &[Expr] {
        match self {
            Expr::Array { items, .. } => items,
            other => std::slice::from_ref(other),
        }
    }
}
