//! Multi-schema, as Prisma has it: the datasource lists PostgreSQL schemas (`schemas = ["base", "sales"]`)
//! and then every model, view and enum names its own with `@@schema("base")`; one that does not, a name
//! outside the list, or a list naming a schema twice is refused, at the line Prisma points to. Objects in
//! `public` are written unqualified (as Prisma writes them): they go into the connection's schema.
//!
//! Not with tenancy: the tenant functions, the application role's grants and the policies are written for
//! one schema; a tenancy-aware schema keeps to the URL's `schema`.

use super::Validator;
use crate::diagnostics::{msg, Span};
use crate::model::{EnumId, ModelId};
use crate::syntax::ast::{Attribute, Expr};

/// What a `@@schema` attribute is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Model(ModelId),
    Enum(EnumId),
}

impl Validator {
    /// `schemas = ["a", "b"]`: strings, each once.
    pub(super) fn schema_list(&mut self, value: &Expr) -> Vec<String> {
        let Expr::Array { items, .. } = value else {
            self.diags.push(msg::bad_multi_schema(
                value.span(),
                "`schemas` is a list of strings",
                "write schemas = [\"base\", \"sales\"]",
            ));
            return Vec::new();
        };
        if items.is_empty() {
            self.diags.push(msg::bad_multi_schema(
                value.span(),
                "`schemas` is empty",
                "list the PostgreSQL schemas, or remove `schemas`",
            ));
        }
        let mut out: Vec<String> = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) if out.iter().any(|o| o == s) => self.diags.push(msg::bad_multi_schema(
                    item.span(),
                    &format!("schema `{s}` is listed twice"),
                    "list each schema once",
                )),
                Some("") => self.diags.push(msg::bad_multi_schema(
                    item.span(),
                    "a schema name is empty",
                    "name the PostgreSQL schema",
                )),
                Some(s) => out.push(s.to_string()),
                None => self.diags.push(msg::bad_multi_schema(
                    item.span(),
                    "a schema name is a string",
                    "write schemas = [\"base\", \"sales\"]",
                )),
            }
        }
        out
    }

    /// `@@schema("name")`: the name must be one the datasource lists (the datasource is read before any
    /// block's attributes).
    pub(super) fn schema_attr(&mut self, owner: Owner, a: &Attribute) {
        self.schema_marked.push(owner);
        let Some(name) = self.string_arg(a) else { return };
        let listed = self
            .schema
            .datasource
            .as_ref()
            .map(|d| d.schemas.as_slice())
            .unwrap_or_default();
        if !listed.contains(&name) {
            let help = if listed.is_empty() {
                format!("list it in the datasource: schemas = [\"{name}\"]")
            } else {
                format!("the datasource lists {}", quoted(listed))
            };
            self.diags.push(msg::bad_multi_schema(
                a.span,
                &format!("schema `{name}` is not in the datasource's `schemas`"),
                &help,
            ));
            return;
        }
        match owner {
            Owner::Model(id) => self.schema.models[id.0].schema = Some(name),
            Owner::Enum(id) => self.schema.enums[id.0].schema = Some(name),
        }
    }

    /// With a `schemas` list, every model, view and enum has a `@@schema`; and the schema uses no tenancy.
    pub(super) fn multi_schema(&mut self) {
        let listed = self
            .schema
            .datasource
            .as_ref()
            .map(|d| d.schemas.clone())
            .unwrap_or_default();
        if listed.is_empty() {
            return;
        }
        if self.schema.uses_tenancy() {
            if let Some(span) = self.schemas_span {
                self.diags.push(msg::bad_multi_schema(
                    span,
                    "multi-schema is not supported in a schema that uses tenancy",
                    "remove `schemas` and the `@@schema` attributes; the URL's `schema` parameter picks the \
                     PostgreSQL schema",
                ));
            }
            return;
        }
        let help = format!("add @@schema(\"...\") naming one of {}", quoted(&listed));
        let marked = std::mem::take(&mut self.schema_marked);
        let models = self
            .schema
            .models
            .iter()
            .enumerate()
            .filter(|(i, _)| !marked.contains(&Owner::Model(ModelId(*i))));
        let missing: Vec<(Span, String)> = models
            .map(|(_, m)| {
                (
                    m.span,
                    format!("{} `{}` has no @@schema", if m.view { "view" } else { "model" }, m.name),
                )
            })
            .chain(
                self.schema
                    .enums
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !marked.contains(&Owner::Enum(EnumId(*i))))
                    .map(|(_, e)| (e.span, format!("enum `{}` has no @@schema", e.name))),
            )
            .collect();
        for (span, why) in missing {
            self.diags.push(msg::bad_multi_schema(span, &why, &help));
        }
    }
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}
