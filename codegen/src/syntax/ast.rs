//! Syntax tree of a schema file: blocks, fields, attributes and expressions, each with its span.
//! Comments and blank lines are kept so that the formatter can print the file back.

use crate::diagnostics::Span;

/// A parsed schema file: every top-level item, comments included (the formatter prints them back).
#[derive(Debug, Clone, Default)]
pub struct SchemaAst {
    /// The items, in order.
    pub items: Vec<TopItem>,
}

/// A top-level item.
#[derive(Debug, Clone)]
pub enum TopItem {
    /// A `model`, `enum`, `datasource` or `generator` block.
    Block(Block),
    /// A `//` comment line outside any block (text without the slashes, trimmed at the end).
    Comment(String),
    /// One or more empty lines.
    Blank,
}

/// The kinds of block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `model`.
    Model,
    /// `enum`.
    Enum,
    /// `datasource`.
    Datasource,
    /// `generator`.
    Generator,
    /// `view`: a database view, which Prisma Migrate does not create.
    View,
}

impl BlockKind {
    /// The keyword that opens the block.
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Model => "model",
            BlockKind::Enum => "enum",
            BlockKind::Datasource => "datasource",
            BlockKind::Generator => "generator",
            BlockKind::View => "view",
        }
    }
}

/// A name, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A block: `model Name { ... }`.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its kind.
    pub kind: BlockKind,
    /// Its name.
    pub name: Ident,
    /// Its `///` lines.
    pub docs: Vec<String>,
    /// What it holds, comments and blank lines included.
    pub members: Vec<Member>,
    /// Where it is written.
    pub span: Span,
}

/// A line of a block.
#[derive(Debug, Clone)]
pub enum Member {
    /// A model field or an enum value (enum values have no type).
    Field(Field),
    /// `@@name(...)`
    BlockAttribute(Attribute, Option<String>),
    /// `key = value` in datasource and generator blocks.
    Property(Property),
    /// A `//` comment on its own line.
    Comment(String),
    /// A blank line.
    Blank,
}

/// A field as written: `name Type? @attr(...)`.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its `///` lines.
    pub docs: Vec<String>,
    /// Its name.
    pub name: Ident,
    /// Its type (none for an enum value).
    pub ty: Option<TypeRef>,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
    /// A trailing `//` comment on the same line.
    pub comment: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// A type's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// None.
    Required,
    /// `?`.
    Optional,
    /// `[]`.
    List,
}

/// A type as written: `Type`, `Type?`, `Type[]`.
#[derive(Debug, Clone)]
pub struct TypeRef {
    /// The type's name.
    pub name: Ident,
    /// Its suffix.
    pub arity: Arity,
    /// The argument of `Unsupported("...")`.
    pub unsupported: Option<StrLit>,
    /// Where it is written.
    pub span: Span,
}

/// An attribute: `@name(args)` or `@@name(args)`.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Dotted name without the `@`/`@@`, e.g. `id`, `db.VarChar`.
    pub name: Ident,
    /// Its arguments (`None` without parentheses).
    pub args: Option<Vec<Arg>>,
    /// Where it is written.
    pub span: Span,
}

impl Attribute {
    /// The arguments without a name.
    pub fn positional(&self) -> impl Iterator<Item = &Arg> {
        self.args.iter().flatten().filter(|a| a.name.is_none())
    }

    /// The argument named `key`.
    pub fn named(&self, key: &str) -> Option<&Arg> {
        self.args
            .iter()
            .flatten()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == key))
    }
}

/// An argument: `value` or `name: value`.
#[derive(Debug, Clone)]
pub struct Arg {
    /// Its name, for a named argument.
    pub name: Option<Ident>,
    /// Its value.
    pub value: Expr,
    /// Where it is written.
    pub span: Span,
}

/// `key = value` in a `datasource` or `generator` block.
#[derive(Debug, Clone)]
pub struct Property {
    /// The key.
    pub name: Ident,
    /// The value.
    pub value: Expr,
    /// A `//` comment at the end of the line.
    pub comment: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// A string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    /// Its value, escapes resolved.
    pub value: String,
    /// As written, quotes included (the formatter prints it back unchanged).
    pub raw: String,
    /// Where it is written.
    pub span: Span,
}

/// A value in an attribute or a block.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A string.
    Str(StrLit),
    /// A number.
    Number {
        /// As written.
        raw: String,
        /// Where it is written.
        span: Span,
    },
    /// An identifier or dotted path: `true`, `Cascade`, `SOURCING`, `db`.
    Path(Ident),
    /// A function call: `now()`, `env("DATABASE_URL")`.
    Call {
        /// The function.
        name: Ident,
        /// Its arguments.
        args: Vec<Arg>,
        /// Where it is written.
        span: Span,
    },
    /// A list: `[a, b]`.
    Array {
        /// Its items.
        items: Vec<Expr>,
        /// Where it is written.
        span: Span,
    },
    /// An object: `{ deleted: false, kind: "x" }` (a partial index's `where:`).
    Object {
        /// Its `key: value` entries, in order.
        entries: Vec<(Ident, Expr)>,
        /// Where it is written.
        span: Span,
    },
}

impl Expr {
    /// Where the value is written.
    pub fn span(&self) -> Span {
        match self {
            Expr::Str(s) => s.span,
            Expr::Number { span, .. }
            | Expr::Call { span, .. }
            | Expr::Array { span, .. }
            | Expr::Object { span, .. } => *span,
            Expr::Path(i) => i.span,
        }
    }

    /// The string, if this is a string literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(&s.value),
            _ => None,
        }
    }

    /// The name, if this is a bare name (`Cascade`, a field).
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
