//! Prisma's preview features (`previewFeatures = [...]` in any generator block): a name Prisma does not
//! know is refused; views, `extensions` and partial indexes (`where:`) need theirs, as Prisma requires.
//! The lists are Prisma 7's (the pinned engine in `tests/prisma-oracle`): the active features as its error
//! message lists them, and the stabilised or retired names it still accepts, found by asking it about each
//! name Prisma ever had. Names are compared ignoring case, as Prisma does.

use super::Validator;
use crate::diagnostics::{msg, suggest, Span};
use crate::syntax::ast::Expr;

/// Features Prisma 7 has in preview.
const ACTIVE: &[&str] = &[
    "fullTextSearchPostgres",
    "nativeDistinct",
    "partialIndexes",
    "postgresqlExtensions",
    "relationJoins",
    "schemaEngineDriverAdapters",
    "shardKeys",
    "strictUndefinedChecks",
    "typedSql",
    "views",
];

/// Names Prisma 7 still accepts (stabilised or retired features): they change nothing.
const ACCEPTED: &[&str] = &[
    "aggregateApi",
    "atomicNumberOperations",
    "clientExtensions",
    "cockroachdb",
    "connectOrCreate",
    "createMany",
    "dataProxy",
    "deno",
    "distinct",
    "driverAdapters",
    "extendedIndexes",
    "extendedWhereUnique",
    "fieldReference",
    "filterJson",
    "filteredRelationCount",
    "fullTextIndex",
    "fullTextSearch",
    "groupBy",
    "improvedQueryRaw",
    "interactiveTransactions",
    "jsonProtocol",
    "microsoftSqlServer",
    "middlewares",
    "mongoDb",
    "multiSchema",
    "namedConstraints",
    "nApi",
    "nativeTypes",
    "omitApi",
    "orderByAggregateGroup",
    "orderByNulls",
    "orderByRelation",
    "prismaSchemaFolder",
    "queryCompiler",
    "reactNative",
    "referentialActions",
    "referentialIntegrity",
    "selectRelationCount",
    "tracing",
    "transactionApi",
    "uncheckedScalarInputs",
];

impl Validator {
    /// `previewFeatures = ["views", ...]` of a generator block (of any provider): every name known.
    pub(super) fn preview_features(&mut self, value: &Expr) {
        let Expr::Array { items, .. } = value else {
            self.diags.push(msg::bad_generator(
                value.span(),
                "previewFeatures is a list of strings",
                "write previewFeatures = [\"views\"]",
            ));
            return;
        };
        for item in items {
            let Some(name) = item.as_str() else {
                self.diags.push(msg::bad_generator(
                    item.span(),
                    "a preview feature is a string",
                    "write previewFeatures = [\"views\"]",
                ));
                continue;
            };
            let known = ACTIVE.iter().chain(ACCEPTED).find(|k| k.eq_ignore_ascii_case(name));
            match known {
                Some(k) => {
                    self.preview.insert(k.to_string());
                }
                None => {
                    let help = match suggest(name, ACTIVE.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("Prisma's preview features are {}", ACTIVE.join(", ")),
                    };
                    self.diags.push(msg::bad_generator(
                        item.span(),
                        &format!("unknown preview feature `{name}`"),
                        &help,
                    ));
                }
            }
        }
    }

    /// Something written at `span` that Prisma allows only with the preview feature `feature`.
    pub(super) fn needs_preview(&mut self, feature: &'static str, span: Span, what: &str) {
        self.preview_uses.push((feature, span, what.to_string()));
    }

    /// Every use of a preview feature has it enabled (checked once every generator block is read).
    pub(super) fn check_preview_uses(&mut self) {
        for (feature, span, what) in std::mem::take(&mut self.preview_uses) {
            if !self.preview.contains(feature) {
                self.diags.push(msg::needs_preview(span, &what, feature));
            }
        }
    }
}
