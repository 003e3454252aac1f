//! Text -> tokens -> syntax tree with spans. Nothing here fails: errors are returned as diagnostics.

pub mod ast;
pub(crate) mod lexer;
pub mod parser;

pub use parser::parse;
