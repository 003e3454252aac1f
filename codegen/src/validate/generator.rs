//! The `generator` block that configures this generator (`provider = "trato-hive-codegen"`): where the
//! generated code, the migrations and the TypeScript module go, the seed command, and the migrator's history table (the
//! PostgreSQL schema is the database URL's `schema` parameter, as in Prisma). One table ([`GENERATOR_KEYS`]) names each key, how its value is checked and where it
//! is stored; the same table answers "did you mean". Generators of other providers (`prisma-client-js`,
//! ...) are left alone: a Prisma schema keeps them, and this generator reads none of their keys.

use super::Validator;
use crate::diagnostics::{msg, suggest, Span};
use crate::model::Generator;
use crate::syntax::ast::{Block, Expr, Member, Property};

/// The `provider` values that name this generator.
pub const PROVIDERS: &[&str] = &["trato-hive-codegen", "trato"];

/// How a key's value is checked.
#[derive(Clone, Copy)]
enum Value {
    /// A path, relative to the schema file's folder (as Prisma reads `output`), or a command run there.
    Path,
    /// A PostgreSQL identifier: letters, digits and `_`, not starting with a digit, at most 63 bytes.
    Identifier,
    /// Read by Prisma's own generators; accepted and ignored here, with a warning.
    Ignored,
}

struct Key {
    name: &'static str,
    value: Value,
    store: fn(&mut Generator, String),
}

const fn key(name: &'static str, value: Value, store: fn(&mut Generator, String)) -> Key {
    Key { name, value, store }
}

const GENERATOR_KEYS: &[Key] = &[
    key("provider", Value::Ignored, |_, _| {}),
    key("output", Value::Path, |g, v| g.output = Some(v)),
    key("migrations", Value::Path, |g, v| g.migrations = Some(v)),
    key("typescript", Value::Path, |g, v| g.typescript = Some(v)),
    key("seed", Value::Path, |g, v| g.seed = Some(v)),
    key("historyTable", Value::Identifier, |g, v| g.history_table = Some(v)),
    key("previewFeatures", Value::Ignored, |_, _| {}),
    key("binaryTargets", Value::Ignored, |_, _| {}),
    key("engineType", Value::Ignored, |_, _| {}),
];

/// The block's provider, when it is a string.
fn provider(b: &Block) -> Option<&str> {
    b.members.iter().find_map(|m| match m {
        Member::Property(p) if p.name.name == "provider" => p.value.as_str(),
        _ => None,
    })
}

/// Whether `name` may name a PostgreSQL table without quoting surprises.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

impl Validator {
    /// Reads a `generator` block; only this generator's blocks are checked and kept.
    pub(super) fn generator(&mut self, b: &Block) {
        // Prisma's preview features, whichever generator names them.
        for m in &b.members {
            if let Member::Property(p) = m {
                if p.name.name == "previewFeatures" {
                    self.preview_features(&p.value);
                }
            }
        }
        let Some(provider) = provider(b) else {
            // Prisma refuses a generator without a provider, whoever it is for.
            self.diags.push(msg::bad_generator(
                b.name.span,
                "no provider",
                "add provider = \"trato-hive-codegen\" (or the provider of the generator this block is for)",
            ));
            return;
        };
        if !PROVIDERS.contains(&provider) {
            return;
        }
        if let Some(first) = &self.schema.generator {
            self.diags.push(msg::bad_generator(
                b.name.span,
                &format!("a second generator of this provider (the first is `{}`)", first.name),
                "keep one generator block with provider = \"trato-hive-codegen\"",
            ));
            return;
        }
        let mut generator = Generator {
            name: b.name.name.clone(),
            ..Generator::default()
        };
        for m in &b.members {
            match m {
                Member::Property(p) => self.generator_key(&mut generator, p),
                Member::Field(f) => self.diags.push(msg::bad_generator(
                    f.span,
                    "expected `key = value`",
                    "generator blocks hold `provider = \"trato-hive-codegen\"` and `output = \"src/generated\"`",
                )),
                Member::BlockAttribute(a, _) => self.diags.push(msg::bad_generator(
                    a.span,
                    "attributes are not allowed here",
                    "remove it",
                )),
                Member::Comment(_) | Member::Blank => {}
            }
        }
        self.schema.generator = Some(generator);
    }

    fn generator_key(&mut self, generator: &mut Generator, p: &Property) {
        let Some(key) = GENERATOR_KEYS.iter().find(|k| k.name == p.name.name) else {
            let hint = suggest(&p.name.name, GENERATOR_KEYS.iter().map(|k| k.name));
            self.diags.push(msg::bad_generator(
                p.name.span,
                &format!("unknown key `{}`", p.name.name),
                &match hint {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "this generator reads {}",
                        GENERATOR_KEYS
                            .iter()
                            .map(|k| format!("`{}`", k.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            ));
            return;
        };
        let span: Span = p.value.span();
        match (key.value, &p.value) {
            (Value::Ignored, _) => {
                // `previewFeatures` is read from every generator block (`preview.rs`).
                if key.name != "provider" && key.name != "previewFeatures" {
                    self.diags.push(msg::generator_key_ignored(p.name.span, key.name));
                }
            }
            (Value::Path, Expr::Str(s)) if !s.value.trim().is_empty() => (key.store)(generator, s.value.clone()),
            (Value::Identifier, Expr::Str(s)) if is_identifier(&s.value) => (key.store)(generator, s.value.clone()),
            (Value::Identifier, Expr::Str(s)) => self.diags.push(msg::bad_generator(
                span,
                &format!("`{}` is not a plain PostgreSQL identifier", s.value),
                "use letters, digits and `_`, not starting with a digit, at most 63 bytes",
            )),
            _ => self.diags.push(msg::bad_generator(
                span,
                &format!("`{}` takes a non-empty string", key.name),
                &format!("write {} = \"...\"", key.name),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_identifier;

    #[test]
    fn identifiers() {
        for ok in ["_trato_migrations", "app", "a1", "_"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a b", "\"x\"", "é", &"x".repeat(64)] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
