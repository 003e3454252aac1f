//! Diagnostics as data (span, code, message, label, help) and their rendering.
//!
//! Every code the codegen can report is listed in [`CODES`] with a one-line summary; the messages are built
//! by the constructor functions of the `msg` module, so that all wording lives in this file.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Chars, Config};

/// A byte range in the schema source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The bytes `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Reported; the schema still generates.
    Warning,
    /// Nothing is generated while there is one.
    Error,
}

/// One finding about a schema, with where and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Its code, e.g. `S0103` (see [`CODES`]).
    pub code: &'static str,
    /// The headline.
    pub message: String,
    /// Where.
    pub span: Span,
    /// What is shown under the span.
    pub label: String,
    /// Other places that matter, e.g. the first of two duplicates.
    pub notes: Vec<(Span, String)>,
    /// What to do (may be empty).
    pub help: String,
}

impl Diagnostic {
    fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            notes: Vec::new(),
            help: String::new(),
        }
    }

    fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    fn note(mut self, span: Span, text: impl Into<String>) -> Self {
        self.notes.push((span, text.into()));
        self
    }

    /// Whether this is an error (nothing is generated while one remains).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// At most this many diagnostics are reported on one source line.
pub const MAX_PER_LINE: usize = 5;
/// At most this many diagnostics are reported for one file.
pub const MAX_TOTAL: usize = 50;
/// A source line longer than this is shown cut, around what the diagnostic points at.
const MAX_SHOWN_LINE: usize = 240;

/// Keeps the first [`MAX_PER_LINE`] diagnostics of each line and the first [`MAX_TOTAL`] of the file (sorted
/// by position), and says how many were left out: an input repeating one mistake a hundred thousand times
/// gets a report one can read, not hundreds of megabytes.
pub fn limit(src: &str, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |pos: usize| line_starts.partition_point(|&start| start <= pos);
    let mut per_line: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut kept = Vec::new();
    let mut hidden: Vec<Diagnostic> = Vec::new();
    for d in diagnostics {
        let n = per_line.entry(line_of(d.span.start)).or_default();
        *n += 1;
        if *n > MAX_PER_LINE || kept.len() >= MAX_TOTAL {
            hidden.push(d);
        } else {
            kept.push(d);
        }
    }
    if let Some(first) = hidden.first() {
        let errors = hidden.iter().filter(|d| d.is_error()).count();
        kept.push(
            Diagnostic::warning(
                "W0003",
                first.span,
                format!(
                    "{} more diagnostic(s) not shown ({errors} of them errors)",
                    hidden.len()
                ),
            )
            .label("the first one not shown")
            .help(format!(
                "at most {MAX_PER_LINE} are shown per line and {MAX_TOTAL} per file: fix these and run again"
            )),
        );
    }
    kept
}

/// The source codespan is given for `d`: `src` itself, unless the line `d` points at is very long, which
/// is then cut after what `d` points at (lines before it untouched, so line and column numbers stay right).
fn shown_source<'a>(src: &'a str, d: &Diagnostic) -> std::borrow::Cow<'a, str> {
    let start = d.span.start.min(src.len());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    if line_end - line_start <= MAX_SHOWN_LINE {
        return std::borrow::Cow::Borrowed(src);
    }
    let mut cut = (d.span.end.clamp(start, line_end) + MAX_SHOWN_LINE / 3).min(line_end);
    while !src.is_char_boundary(cut) {
        cut += 1;
    }
    // Only the labels on lines before the cut matter; the rest of the file is dropped.
    std::borrow::Cow::Owned(format!("{} ...", &src[..cut]))
}

/// Renders diagnostics as plain text (no colour): `error[S0101]: ...`, `┌─ file:line:column`, the source line
/// with carets under the span, and `= help: ...`. Deterministic, so it can be compared in golden tests.
pub fn render(file_name: &str, src: &str, diagnostics: &[Diagnostic]) -> String {
    // A UTF-8 byte order mark is not a column: line 1's columns count from after it.
    let (src, shift) = match src.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (src, 0),
    };
    let moved: Vec<Diagnostic>;
    let diagnostics = if shift == 0 {
        diagnostics
    } else {
        let back = |s: Span| Span::new(s.start.saturating_sub(shift), s.end.saturating_sub(shift));
        moved = diagnostics
            .iter()
            .map(|d| Diagnostic {
                span: back(d.span),
                notes: d.notes.iter().map(|(s, t)| (back(*s), t.clone())).collect(),
                ..d.clone()
            })
            .collect();
        &moved
    };
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut out = Vec::new();
    for d in diagnostics {
        let shown = shown_source(src, d);
        let src: &str = &shown;
        let file = SimpleFile::new(file_name, src);
        let start = d.span.start.min(src.len());
        let end = d.span.end.clamp(start, src.len());
        let mut labels = vec![Label::primary((), start..end).with_message(d.label.clone())];
        for (span, text) in &d.notes {
            let s = span.start.min(src.len());
            labels.push(Label::secondary((), s..span.end.clamp(s, src.len())).with_message(text.clone()));
        }
        let base = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        };
        let mut cs = base
            .with_code(d.code)
            .with_message(d.message.clone())
            .with_labels(labels);
        if !d.help.is_empty() {
            cs = cs.with_notes(vec![format!("help: {}", d.help)]);
        }
        // Writing to a Vec cannot fail and the spans were clamped to the file above.
        let _ = term::emit(&mut out, &config, &file, &cs);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every diagnostic code with what it means. `S0xxx` are errors, `W0xxx` warnings.
pub const CODES: &[(&str, &str)] = &[
    ("S0001", "unexpected character or token"),
    ("S0002", "unterminated string literal"),
    ("S0003", "unclosed block"),
    ("S0004", "unknown block kind"),
    ("S0005", "malformed field or attribute"),
    ("S0101", "duplicate model, enum or block name"),
    ("S0102", "duplicate field or enum value"),
    ("S0103", "unknown type"),
    ("S0104", "reserved or invalid name"),
    ("S0105", "duplicate table or column name in the database"),
    ("S0201", "unknown attribute"),
    ("S0202", "attribute argument missing or invalid"),
    ("S0203", "attribute repeated or not allowed here"),
    ("S0204", "unknown field in attribute"),
    ("S0301", "primary key missing or defined twice"),
    ("S0302", "invalid primary key field"),
    ("S0401", "invalid default value"),
    ("S0402", "@updatedAt on a field that is not DateTime"),
    ("S0403", "native type does not fit the field"),
    ("S0404", "invalid list field"),
    ("S0501", "relation fields and references invalid"),
    ("S0502", "missing back-relation"),
    ("S0503", "ambiguous relation"),
    ("S0504", "relation optionality inconsistent"),
    ("S0505", "relation fields on both sides or on neither"),
    ("S0506", "referenced fields are not unique"),
    ("S0601", "tenancy: model not classified"),
    ("S0602", "tenancy: tenant root missing or repeated"),
    ("S0603", "tenancy: tenant key invalid"),
    ("S0604", "tenancy: a global model references tenant data"),
    ("S0605", "roles: invalid @@membership or @@writableBy"),
    ("S0606", "roles: not a value of the membership's role enum"),
    ("S0607", "audit: invalid @@auditLog"),
    ("S0701", "datasource invalid"),
    ("S0702", "generator invalid"),
    ("S0703", "multi-schema: `schemas` or `@@schema` invalid"),
    ("S0704", "a preview feature not enabled"),
    ("W0003", "more diagnostics than are shown"),
    ("W0004", "SetNull on a required foreign key"),
    ("W0005", "deprecated Prisma syntax"),
    ("S0608", "view invalid"),
    ("W0002", "generator key ignored by this generator"),
    (
        "W0001",
        "index on a tenant-owned model does not lead with the tenant key",
    ),
];

/// Constructors for every diagnostic, so wording stays in one place.
pub(crate) mod msg {
    use super::{Diagnostic, Span};

    fn quote_list(names: &[&str]) -> String {
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    }

    // ---- syntax ----
    pub fn unexpected(span: Span, found: &str, expected: &str) -> Diagnostic {
        Diagnostic::error("S0001", span, format!("unexpected {found}"))
            .label(format!("expected {expected}"))
            .help("check the syntax near here: a field is `name Type @attributes` on one line")
    }
    pub fn too_deep(span: Span, limit: usize) -> Diagnostic {
        Diagnostic::error("S0005", span, format!("values nested more than {limit} levels deep"))
            .label("too deep")
            .help("an attribute argument is a string, number, name, call or list, a few levels deep at most")
    }
    pub fn unterminated_string(span: Span) -> Diagnostic {
        Diagnostic::error("S0002", span, "unterminated string literal")
            .label("this string has no closing quote")
            .help("add a `\"` before the end of the line")
    }
    pub fn unclosed_block(span: Span, kind: &str, name: &str) -> Diagnostic {
        Diagnostic::error("S0003", span, format!("{kind} `{name}` is not closed"))
            .label("this block has no closing `}`")
            .help("add `}` on a line of its own at the end of the block")
    }
    pub fn unknown_block(span: Span, word: &str) -> Diagnostic {
        let help = match word {
            "type" => "`type` blocks (composite types) are MongoDB's; on PostgreSQL use a `model`".to_string(),
            _ => "a schema holds `model`, `enum`, `view`, `datasource` and `generator` blocks".to_string(),
        };
        Diagnostic::error("S0004", span, format!("unknown block `{word}`"))
            .label("not a block keyword")
            .help(help)
    }
    pub fn malformed(span: Span, what: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0005", span, format!("malformed {what}"))
            .label("cannot be read")
            .help(help)
    }

    // ---- names ----
    pub fn duplicate_top(span: Span, kind: &str, name: &str, first: Span) -> Diagnostic {
        Diagnostic::error("S0101", span, format!("{kind} `{name}` is defined twice"))
            .label("second definition")
            .note(first, "first defined here")
            .help("rename or remove one of them: model and enum names share one namespace")
    }
    pub fn duplicate_field(span: Span, what: &str, name: &str, owner: &str, first: Span) -> Diagnostic {
        Diagnostic::error("S0102", span, format!("{what} `{name}` is defined twice in `{owner}`"))
            .label("second definition")
            .note(first, "first defined here")
            .help("rename or remove one of them")
    }
    pub fn unknown_type(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "use a scalar type (String, Int, BigInt, Float, Decimal, Boolean, DateTime, Json, Bytes), or declare a model or enum of this name".into(),
        };
        Diagnostic::error("S0103", span, format!("unknown type `{name}`"))
            .label("not a scalar type, model or enum")
            .help(help)
    }
    pub fn reserved_name(span: Span, name: &str, why: &str) -> Diagnostic {
        Diagnostic::error("S0104", span, format!("`{name}` cannot be used as a name here"))
            .label(why.to_string())
            .help("choose another name (you can keep the database name with @map or @@map)")
    }
    pub fn module_clash(span: Span, name: &str, module: &str, first: Span) -> Diagnostic {
        Diagnostic::error(
            "S0104",
            span,
            format!("model `{name}` maps to the Rust module `{module}` of another model"),
        )
        .label("same module name")
        .note(first, "this model has it already")
        .help("rename one of the models (keep the table name with @@map)")
    }
    pub fn duplicate_db_name(span: Span, what: &str, name: &str, first: Span) -> Diagnostic {
        Diagnostic::error("S0105", span, format!("{what} `{name}` is used twice in the database"))
            .label("maps to the same database name")
            .note(first, "already used here")
            .help("give one of them a different @map / @@map name")
    }

    // ---- attributes ----
    pub fn unknown_attribute(span: Span, name: &str, place: &str, suggestion: Option<&str>) -> Diagnostic {
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("remove it; see the README for the attributes a {place} accepts"),
        };
        Diagnostic::error("S0201", span, format!("unknown {place} attribute `{name}`"))
            .label("not recognised")
            .help(help)
    }
    pub fn bad_argument(span: Span, attr: &str, problem: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0202", span, format!("invalid argument to `{attr}`: {problem}"))
            .label(problem.to_string())
            .help(help.to_string())
    }
    pub fn attribute_not_allowed(span: Span, attr: &str, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0203", span, format!("`{attr}` is not allowed here"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn unknown_field_ref(span: Span, name: &str, model: &str, suggestion: Option<&str>) -> Diagnostic {
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("name a scalar field declared in `{model}`"),
        };
        Diagnostic::error("S0204", span, format!("`{name}` is not a scalar field of `{model}`"))
            .label("unknown field")
            .help(help)
    }

    // ---- primary keys ----
    pub fn missing_primary_key(span: Span, model: &str) -> Diagnostic {
        Diagnostic::error("S0301", span, format!("model `{model}` has no primary key"))
            .label("no @id, @@id or required @unique here")
            .help("mark one field with @id (e.g. `id String @id @default(cuid())`) or add @@id([a, b])")
    }
    pub fn double_primary_key(span: Span, model: &str, first: Span) -> Diagnostic {
        Diagnostic::error("S0301", span, format!("model `{model}` has more than one primary key"))
            .label("second primary key")
            .note(first, "first primary key")
            .help("keep one @id, or use a single @@id([a, b]) for a compound key")
    }
    pub fn bad_primary_key_field(span: Span, field: &str, why: &str) -> Diagnostic {
        Diagnostic::error(
            "S0302",
            span,
            format!("field `{field}` cannot be part of a primary key"),
        )
        .label(why.to_string())
        .help("primary key fields must be required scalar or enum fields")
    }

    // ---- field rules ----
    pub fn bad_default(span: Span, field: &str, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0401", span, format!("invalid default for `{field}`: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn updated_at_not_datetime(span: Span, field: &str, ty: &str) -> Diagnostic {
        Diagnostic::error("S0402", span, format!("@updatedAt on `{field}`, which is `{ty}`"))
            .label("only DateTime fields can be @updatedAt")
            .help("change the field to `DateTime` or remove @updatedAt")
    }
    pub fn native_type_mismatch(span: Span, native: &str, ty: &str, fits: &[&str]) -> Diagnostic {
        Diagnostic::error(
            "S0403",
            span,
            format!("native type `@db.{native}` does not fit a `{ty}` field"),
        )
        .label(format!("`@db.{native}` is for {}", quote_list(fits)))
        .help("change the field type or choose a native type of this scalar")
    }
    pub fn native_type_args(span: Span, native: &str, expected: &str) -> Diagnostic {
        Diagnostic::error("S0403", span, format!("`@db.{native}` takes {expected}"))
            .label("wrong arguments")
            .help(format!("write it as `@db.{native}` with {expected}"))
    }
    pub fn unknown_native_type(span: Span, native: &str, suggestion: Option<&str>) -> Diagnostic {
        let help = match suggestion {
            Some(s) => format!("did you mean `@db.{s}`?"),
            None => "see PostgreSQL native types in the Prisma schema reference".into(),
        };
        Diagnostic::error("S0403", span, format!("unknown native type `@db.{native}`"))
            .label("not a PostgreSQL native type")
            .help(help)
    }
    pub fn bad_list(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0404", span, format!("invalid list field: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }

    // ---- relations ----
    pub fn bad_relation(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0501", span, format!("invalid relation: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn missing_back_relation(span: Span, field: &str, model: &str, target: &str) -> Diagnostic {
        Diagnostic::error(
            "S0502",
            span,
            format!("relation field `{field}` on `{model}` has no opposite field on `{target}`"),
        )
        .label("no back-relation")
        .help(format!(
            "add a field of type `{model}` or `{model}[]` to `{target}` (run `trato format` after)"
        ))
    }
    pub fn ambiguous_relation(span: Span, model: &str, target: &str) -> Diagnostic {
        Diagnostic::error(
            "S0503",
            span,
            format!("ambiguous relation between `{model}` and `{target}`"),
        )
        .label("several relations link these models")
        .help("give both sides of each relation the same name: @relation(\"AuthoredPosts\", ...)")
    }
    pub fn unnamed_self_relation(span: Span, model: &str) -> Diagnostic {
        Diagnostic::error("S0503", span, format!("self relation of `{model}` without a name"))
            .label("which field is which side cannot be told apart")
            .help("give both fields the same relation name: @relation(\"Parent\", ...) and @relation(\"Parent\")")
    }
    pub fn one_to_one_back_required(span: Span, model: &str, field: &str) -> Diagnostic {
        Diagnostic::error(
            "S0504",
            span,
            format!("the other side of this one-to-one relation, `{model}.{field}`, must be optional"),
        )
        .label(format!(
            "`{model}.{field}` holds no foreign key: the database cannot require it"
        ))
        .help(format!("make `{field}` optional (`?`)"))
    }
    pub fn relation_optionality(span: Span, field: &str, scalars: &str, must_be: &str) -> Diagnostic {
        Diagnostic::error("S0504", span, format!("relation field `{field}` must be {must_be}"))
            .label(format!("its scalar fields ({scalars}) say so"))
            .help(format!(
                "make `{field}` {must_be}, or change the optionality of {scalars}"
            ))
    }
    pub fn relation_sides(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0505", span, format!("invalid relation: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn references_not_unique(span: Span, target: &str, fields: &str) -> Diagnostic {
        Diagnostic::error(
            "S0506",
            span,
            format!("references ({fields}) are not unique on `{target}`"),
        )
        .label("a relation must reference a primary key or unique constraint")
        .help(format!(
            "reference `{target}`'s @id, or add @unique / @@unique([{fields}]) to `{target}`"
        ))
    }

    // ---- tenancy ----
    pub fn unclassified(span: Span, model: &str) -> Diagnostic {
        Diagnostic::error("S0601", span, format!("model `{model}` is not classified for tenancy"))
            .label("no @@tenantRoot, @@tenant(...) or @@global")
            .help("once one model uses tenancy, every model must say: add @@tenant(organizationId) for tenant-owned data or @@global for shared data")
    }
    pub fn tenant_root_missing(span: Span) -> Diagnostic {
        Diagnostic::error("S0602", span, "tenant-owned models but no tenant root")
            .label("this model is tenant-owned")
            .help("mark the tenant model (e.g. Organization) with @@tenantRoot")
    }
    pub fn tenant_root_twice(span: Span, first: Span) -> Diagnostic {
        Diagnostic::error("S0602", span, "more than one tenant root")
            .label("second @@tenantRoot")
            .note(first, "first @@tenantRoot")
            .help("keep @@tenantRoot on exactly one model")
    }
    pub fn tenancy_twice(span: Span, model: &str) -> Diagnostic {
        Diagnostic::error("S0602", span, format!("model `{model}` is classified twice"))
            .label("second tenancy attribute")
            .help("use exactly one of @@tenantRoot, @@tenant(...) and @@global")
    }
    pub fn bad_tenant_key(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0603", span, format!("invalid tenant key: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn global_references_tenant(span: Span, model: &str, target: &str) -> Diagnostic {
        Diagnostic::error(
            "S0604",
            span,
            format!("global model `{model}` holds a foreign key to tenant-owned `{target}`"),
        )
        .label("a global row would point into one tenant's data")
        .help(format!(
            "make `{model}` tenant-owned with @@tenant(...), or move the foreign key to `{target}`"
        ))
    }

    pub fn bad_membership(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0605", span, format!("invalid membership: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn bad_audit_log(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0607", span, format!("invalid audit log: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn unknown_role(span: Span, role: &str, roles: &str, suggestion: Option<&str>) -> Diagnostic {
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("name values of `{roles}`, the membership's role enum"),
        };
        Diagnostic::error("S0606", span, format!("`{role}` is not a value of `{roles}`"))
            .label("unknown role")
            .help(help)
    }

    // ---- datasource ----
    pub fn bad_datasource(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0701", span, format!("invalid datasource: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }

    // ---- generator ----
    pub fn bad_generator(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0702", span, format!("invalid generator: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }

    // ---- warnings ----
    pub fn bad_view(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0608", span, format!("invalid view: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn bad_multi_schema(span: Span, why: &str, help: &str) -> Diagnostic {
        Diagnostic::error("S0703", span, format!("invalid multi-schema: {why}"))
            .label(why.to_string())
            .help(help.to_string())
    }
    pub fn needs_preview(span: Span, what: &str, feature: &str) -> Diagnostic {
        Diagnostic::error("S0704", span, format!("{what} need the preview feature `{feature}`"))
            .label(format!("Prisma accepts this only with `{feature}` enabled"))
            .help(format!("add previewFeatures = [\"{feature}\"] to a generator block"))
    }
    pub fn deprecated(span: Span, old: &str, new: &str) -> Diagnostic {
        Diagnostic::warning("W0005", span, format!("`{old}` is deprecated"))
            .label(format!("read as `{new}`"))
            .help(format!("rename it `{new}`, as Prisma asks"))
    }
    pub fn set_null_on_required(span: Span, fields: &str) -> Diagnostic {
        Diagnostic::warning("W0004", span, format!("SetNull on required field(s) {fields}"))
            .label("deleting the referenced row will fail: the column cannot be set to NULL")
            .help("make the field optional, or use Restrict, Cascade or NoAction")
    }
    pub fn generator_key_ignored(span: Span, key: &str) -> Diagnostic {
        Diagnostic::warning(
            "W0002",
            span,
            format!("`{key}` is read by Prisma's generators, not by this one"),
        )
        .label("ignored")
        .help("remove it, or keep it if a Prisma generator shares this block's settings")
    }

    pub fn index_not_tenant_led(span: Span, model: &str, key: &str) -> Diagnostic {
        Diagnostic::warning(
            "W0001",
            span,
            format!("index on tenant-owned `{model}` does not lead with `{key}`"),
        )
        .label(format!("first column is not `{key}`"))
        .help(format!(
            "put `{key}` first so that every tenant query can use the index"
        ))
    }
}

/// Closest candidate by edit distance, for "did you mean" help lines.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edits from `a` to `b`: insertions, deletions, substitutions, and a swap of two neighbours counting one
/// (optimal string alignment), so that `nmae` is one edit from `name`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut cur = vec![i + 1];
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(before[j - 1] + 1);
            }
            cur.push(d);
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(edit_distance("nmae", "name"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(suggest("nmae", ["name", "email"]), Some("name"));
    }

    #[test]
    fn every_code_is_listed_once() {
        let mut codes: Vec<_> = CODES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len());
        // rustc's codes are `E` and four digits: ours must never read as one of them.
        assert!(
            codes
                .iter()
                .all(|c| (c.starts_with('S') || c.starts_with('W')) && c.len() == 5),
            "{codes:?}"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("Strin", ["String", "Int"]), Some("String"));
        assert_eq!(suggest("Zebra", ["String", "Int"]), None);
    }

    #[test]
    fn renders_location_caret_and_help() {
        let src = "model A {\n  id Strin @id\n}\n";
        let d = msg::unknown_type(Span::new(15, 20), "Strin", Some("String"));
        let text = render("schema.prisma", src, &[d]);
        assert!(text.contains("error[S0103]: unknown type `Strin`"), "{text}");
        assert!(text.contains("schema.prisma:2:6"), "{text}");
        assert!(text.contains("^^^^^"), "{text}");
        assert!(text.contains("help: did you mean `String`?"), "{text}");
    }
}
