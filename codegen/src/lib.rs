//! The schema compiler, as a pure pipeline: text -> tokens -> syntax tree -> validated [`model::Schema`] ->
//! emitters -> a sorted map from relative path to file contents. No file IO happens here; `xtask` does it.

pub mod dbmodel;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod format;
pub mod lint;
pub mod model;
pub mod pull;
pub mod syntax;
pub mod validate;

use std::collections::BTreeMap;

pub use diagnostics::{render, Diagnostic, Severity, Span};
pub use model::Schema;

/// Parses and validates a schema. Syntax and validation diagnostics are all returned together, sorted by
/// position; the schema is returned only when there is no error.
pub fn check(src: &str) -> (Option<Schema>, Vec<Diagnostic>) {
    let (ast, mut diags) = syntax::parse(src);
    let syntax_ok = !diags.iter().any(Diagnostic::is_error);
    let (schema, more) = validate::validate(&ast);
    diags.extend(more);
    diags.sort_by_key(|d| (d.span.start, d.span.end, d.code));
    diags.dedup();
    (schema.filter(|_| syntax_ok), diagnostics::limit(src, diags))
}

/// The from-empty DDL of a schema (what `trato migrate diff --from-empty` prints).
pub fn ddl(src: &str) -> Result<String, Vec<Diagnostic>> {
    let (schema, diags) = check(src);
    match schema {
        Some(schema) => Ok(emit::sql::from_empty(&dbmodel::lower(&schema))),
        None => Err(diags),
    }
}

/// Everything the generator writes for one schema.
#[derive(Debug)]
pub struct Output {
    /// Rust files, relative to the output folder.
    pub rust: BTreeMap<String, String>,
    /// Warnings (generation still happened).
    pub warnings: Vec<Diagnostic>,
}

/// Runs the whole pipeline. `source` is the schema's display name, used in generated docs.
pub fn generate(source: &str, src: &str) -> Result<Output, Vec<Diagnostic>> {
    let (schema, diags) = check(src);
    match schema {
        Some(schema) => Ok(Output {
            rust: emit::rust::emit(&schema, source),
            warnings: diags,
        }),
        None => Err(diags),
    }
}
