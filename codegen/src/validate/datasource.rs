//! The `datasource` block: PostgreSQL only; `url` / `directUrl` as `env("VAR")`; `relationMode`
//! (`"prisma"`: no foreign keys; `referentialIntegrity`, its old name, with a warning); `extensions = [...]` (created by the first migration, as Prisma does);
//! `schemas = ["base", ...]` (multi-schema, checked with `@@schema` in `schemas.rs`). Any other property is
//! refused with the closest known one.

use super::Validator;
use crate::diagnostics::{msg, suggest};
use crate::model::Datasource;
use crate::syntax::ast::{Block, Expr, Member};

impl Validator {
    pub(super) fn datasource(&mut self, b: &Block) {
        let mut provider = None;
        let mut url_env = None;
        let mut direct_url_env = None;
        let mut relation_mode_prisma = false;
        let mut relation_mode_seen: Option<crate::diagnostics::Span> = None;
        let mut extensions = Vec::new();
        let mut schemas = Vec::new();
        for m in &b.members {
            match m {
                Member::Property(p) => match p.name.name.as_str() {
                    "provider" => match p.value.as_str() {
                        Some("postgresql" | "postgres") => provider = p.value.as_str().map(str::to_string),
                        Some(other) => self.diags.push(msg::bad_datasource(
                            p.value.span(),
                            &format!("provider `{other}` is not supported"),
                            "this data layer targets PostgreSQL 16+: use provider = \"postgresql\"",
                        )),
                        None => self.diags.push(msg::bad_datasource(
                            p.value.span(),
                            "provider must be a string",
                            "write provider = \"postgresql\"",
                        )),
                    },
                    "url" | "directUrl" | "shadowDatabaseUrl" => {
                        let env = match &p.value {
                            Expr::Call { name, args, .. } if name.name == "env" => {
                                args.first().and_then(|a| a.value.as_str()).map(str::to_string)
                            }
                            Expr::Str(_) => None,
                            _ => {
                                self.diags.push(msg::bad_datasource(
                                    p.value.span(),
                                    "a URL is a string or env(\"VAR\")",
                                    "write url = env(\"DATABASE_URL\")",
                                ));
                                None
                            }
                        };
                        match p.name.name.as_str() {
                            "url" => url_env = env,
                            "directUrl" => direct_url_env = env,
                            _ => {}
                        }
                    }
                    "relationMode" | "referentialIntegrity" => {
                        if relation_mode_seen.replace(p.name.span).is_some() {
                            self.diags.push(msg::bad_datasource(
                                p.name.span,
                                "`referentialIntegrity` and `relationMode` together",
                                "keep `relationMode` alone",
                            ));
                            continue;
                        }
                        if p.name.name == "referentialIntegrity" {
                            self.diags
                                .push(msg::deprecated(p.name.span, "referentialIntegrity", "relationMode"));
                        }
                        match p.value.as_str() {
                            Some("prisma") => relation_mode_prisma = true,
                            Some("foreignKeys") => {}
                            _ => self.diags.push(msg::bad_datasource(
                                p.value.span(),
                                "relationMode is \"foreignKeys\" or \"prisma\"",
                                "write relationMode = \"prisma\" to create no foreign keys",
                            )),
                        }
                    }
                    "extensions" => {
                        self.needs_preview("postgresqlExtensions", p.span, "extensions");
                        extensions = self.extensions(&p.value);
                    }
                    "schemas" => {
                        self.schemas_span = Some(p.span);
                        schemas = self.schema_list(&p.value);
                    }
                    other => {
                        const KNOWN: &[&str] = &[
                            "provider",
                            "url",
                            "directUrl",
                            "shadowDatabaseUrl",
                            "relationMode",
                            "extensions",
                            "schemas",
                        ];
                        let help = match suggest(other, KNOWN.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("a datasource holds {}", KNOWN.join(", ")),
                        };
                        self.diags.push(msg::bad_datasource(
                            p.name.span,
                            &format!("unknown property `{other}`"),
                            &help,
                        ));
                    }
                },
                Member::Field(f) => self.diags.push(msg::bad_datasource(
                    f.span,
                    "expected `key = value`",
                    "datasource blocks hold `provider = \"postgresql\"` and `url = env(\"DATABASE_URL\")`",
                )),
                Member::BlockAttribute(a, _) => self.diags.push(msg::bad_datasource(
                    a.span,
                    "attributes are not allowed here",
                    "remove it",
                )),
                Member::Comment(_) | Member::Blank => {}
            }
        }
        match provider {
            Some(p) => {
                self.schema.datasource = Some(Datasource {
                    name: b.name.name.clone(),
                    provider: p,
                    url_env,
                    direct_url_env,
                    relation_mode_prisma,
                    extensions,
                    schemas,
                });
            }
            None if !self.diags.iter().any(|d| d.code == "S0701") => {
                self.diags.push(msg::bad_datasource(
                    b.name.span,
                    "no provider",
                    "add provider = \"postgresql\"",
                ));
            }
            None => {}
        }
    }

    /// `[pgvector(map: "vector", schema: "extensions", version: "0.7.0"), citext]`: `(name, schema, version)`.
    fn extensions(&mut self, value: &Expr) -> Vec<(String, Option<String>, Option<String>)> {
        let Expr::Array { items, .. } = value else {
            self.diags.push(msg::bad_datasource(
                value.span(),
                "extensions is a list",
                "write extensions = [citext, pgvector(map: \"vector\")]",
            ));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match item {
                Expr::Path(name) => out.push((name.name.clone(), None, None)),
                Expr::Call { name, args, .. } => {
                    let arg = |key: &str| {
                        args.iter()
                            .find(|a| a.name.as_ref().is_some_and(|n| n.name == key))
                            .and_then(|a| a.value.as_str())
                            .map(str::to_string)
                    };
                    let db_name = arg("map").unwrap_or_else(|| name.name.clone());
                    out.push((db_name, arg("schema"), arg("version")));
                }
                other => self.diags.push(msg::bad_datasource(
                    other.span(),
                    "an extension is a name or name(map: ..., schema: ..., version: ...)",
                    "write extensions = [citext, pgvector(map: \"vector\")]",
                )),
            }
        }
        out
    }
}
