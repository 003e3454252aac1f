//! Text -> tokens -> syntax tree with spans. Nothing here fails: errors are returned as diagnostics.

pub mod ast;
pub mod lexer;
pub mod parser;

pub use parser::parse;
