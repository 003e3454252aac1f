//! Syntax tree -> validated [`Schema`]. Passes: names and types, field attributes, block attributes and keys,
//! relations (`relations.rs`), database names, tenancy (`tenancy.rs`), roles (`roles.rs`). Every pass records all
//! its errors.

mod audit;
mod datasource;
mod field_attrs;
mod fields;
mod generator;
mod views;
pub use generator::{is_identifier, PROVIDERS as GENERATOR_PROVIDERS};
mod model_attrs;
mod preview;
mod relations;
mod roles;
mod schemas;
mod tenancy;

use std::collections::HashMap;

use crate::diagnostics::{msg, suggest, Diagnostic, Span};
use crate::model::*;
use crate::syntax::ast::{self, Attribute, Block, BlockKind, Expr, Member, SchemaAst, TopItem};

/// A relation attribute as written, resolved in the relations pass once every model is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawRelation {
    pub name: Option<String>,
    pub fields: Option<Vec<ast::Ident>>,
    pub references: Option<Vec<ast::Ident>>,
    pub on_delete: Option<ReferentialAction>,
    pub on_update: Option<ReferentialAction>,
    pub map: Option<String>,
    pub span: Span,
}

/// A relation field before pairing.
#[derive(Debug, Clone)]
pub(crate) struct PendingRelation {
    pub model: ModelId,
    pub field: FieldId,
    pub target: ModelId,
    pub raw: RawRelation,
}

/// A membership or role marker as written, resolved with the tenancy rules.
#[derive(Debug, Clone)]
pub(crate) enum RoleMark {
    Membership {
        model: ModelId,
        user: ast::Ident,
        role: ast::Ident,
        /// `readOnly: [VIEWER]`: roles whose scope reads only.
        read_only: Vec<ast::Ident>,
        span: Span,
    },
    WritableBy {
        model: ModelId,
        roles: Vec<ast::Ident>,
        span: Span,
    },
}

/// `@@auditLog(...)` as written: the model and the fields it names.
#[derive(Debug, Clone)]
pub(crate) struct AuditMark {
    model: ModelId,
    kind: ast::Ident,
    description: ast::Ident,
    metadata: ast::Ident,
    actor: ast::Ident,
    links: Vec<ast::Ident>,
    default: Option<ast::Ident>,
    span: Span,
}

/// How a model is classified for tenancy, as written.
#[derive(Debug, Clone)]
pub(crate) enum TenancyMark {
    Root(Span),
    Owned(ast::Ident, Span),
    Global(Span),
}

#[derive(Clone, Copy)]
enum TypeName {
    Model(ModelId),
    Enum(EnumId),
}

const FIELD_ATTRIBUTES: &[&str] = &[
    "id",
    "unique",
    "default",
    "updatedAt",
    "map",
    "relation",
    "ignore",
    "renamedFrom",
    "softDelete",
];

/// Validates a parsed schema. Returns the model only when there is no error (warnings may be present).
pub fn validate(ast: &SchemaAst) -> (Option<Schema>, Vec<Diagnostic>) {
    let mut v = Validator::default();
    v.run(ast);
    let ok = !v.diags.iter().any(Diagnostic::is_error);
    (ok.then_some(v.schema), v.diags)
}

#[derive(Default)]
struct Validator {
    schema: Schema,
    diags: Vec<Diagnostic>,
    types: HashMap<String, (TypeName, Span)>,
    relations: Vec<PendingRelation>,
    marks: Vec<Vec<TenancyMark>>,
    roles: Vec<RoleMark>,
    audit: Vec<AuditMark>,
    /// Models that lost a field to an error (an unknown type): what follows from the missing field (no
    /// primary key, a missing back-relation) is not reported, since it is not the problem.
    dropped: std::collections::HashSet<String>,
    /// What carries a `@@schema` (valid or not): the others need one when the datasource lists `schemas`.
    schema_marked: Vec<schemas::Owner>,
    /// The datasource's `schemas` property, where it is written.
    schemas_span: Option<Span>,
    /// The preview features the generator blocks enable (Prisma's spelling).
    preview: std::collections::HashSet<String>,
    /// What needs a preview feature: `(feature, where, what)`.
    preview_uses: Vec<(&'static str, Span, String)>,
}

impl Validator {
    fn run(&mut self, ast: &SchemaAst) {
        let blocks: Vec<&Block> = ast
            .items
            .iter()
            .filter_map(|i| match i {
                TopItem::Block(b) => Some(b),
                _ => None,
            })
            .collect();
        self.declare(&blocks);
        for b in blocks.iter().filter(|b| b.kind == BlockKind::Enum) {
            self.enum_block(b);
        }
        let models: Vec<&Block> = blocks
            .iter()
            .copied()
            .filter(|b| matches!(b.kind, BlockKind::Model | BlockKind::View))
            .collect();
        for b in &models {
            self.model_fields(b);
        }
        for (i, b) in models.iter().enumerate() {
            self.model_attributes(ModelId(i), b);
        }
        let pending = std::mem::take(&mut self.relations);
        relations::resolve(&mut self.schema, pending, &self.dropped, &mut self.diags);
        self.database_names();
        let mut marks = std::mem::take(&mut self.marks);
        views::tenancy_marks(&self.schema, &mut marks, &mut self.diags);
        tenancy::check(&mut self.schema, &marks, &mut self.diags);
        views::check(&self.schema, &mut self.diags);
        let roles = std::mem::take(&mut self.roles);
        roles::check(&mut self.schema, &roles, &mut self.diags);
        let audit = std::mem::take(&mut self.audit);
        audit::check(&mut self.schema, &audit, &mut self.diags);
        self.multi_schema();
        self.check_preview_uses();
    }

    /// Registers every model and enum name, and reads the datasource.
    fn declare(&mut self, blocks: &[&Block]) {
        let mut datasource_seen: Option<Span> = None;
        let mut generators: HashMap<&str, Span> = HashMap::new();
        let mut modules: HashMap<String, Span> = HashMap::new();
        for b in blocks {
            match b.kind {
                BlockKind::Model | BlockKind::View | BlockKind::Enum => {
                    let kind = b.kind.keyword();
                    if !valid_name(&b.name.name) {
                        self.diags.push(msg::reserved_name(
                            b.name.span,
                            &b.name.name,
                            "names are letters, digits and `_`, starting with a letter",
                        ));
                        continue;
                    }
                    if crate::emit::is_rust_keyword(&b.name.name) {
                        self.diags
                            .push(msg::reserved_name(b.name.span, &b.name.name, "a Rust keyword"));
                        continue;
                    }
                    if b.kind != BlockKind::Enum && !self.types.contains_key(&b.name.name) {
                        let module = crate::emit::snake_case(&b.name.name);
                        if module == "enums" || module == "mod" {
                            self.diags.push(msg::reserved_name(
                                b.name.span,
                                &b.name.name,
                                "its Rust module name is reserved for generated code",
                            ));
                            continue;
                        }
                        if let Some(first) = modules.insert(module.clone(), b.name.span) {
                            self.diags
                                .push(msg::module_clash(b.name.span, &b.name.name, &module, first));
                            continue;
                        }
                    }
                    if Scalar::from_name(&b.name.name).is_some() || b.name.name == "Unsupported" {
                        self.diags.push(msg::reserved_name(
                            b.name.span,
                            &b.name.name,
                            "a built-in type has this name",
                        ));
                        continue;
                    }
                    if let Some((_, first)) = self.types.get(&b.name.name) {
                        self.diags
                            .push(msg::duplicate_top(b.name.span, kind, &b.name.name, *first));
                        continue;
                    }
                    let id = if b.kind != BlockKind::Enum {
                        TypeName::Model(ModelId(self.schema.models.len()))
                    } else {
                        TypeName::Enum(EnumId(self.schema.enums.len()))
                    };
                    self.types.insert(b.name.name.clone(), (id, b.name.span));
                    if b.kind == BlockKind::View {
                        self.needs_preview("views", b.name.span, "views");
                    }
                    match id {
                        TypeName::Model(_) => {
                            self.schema.models.push(Model {
                                name: b.name.name.clone(),
                                db_name: b.name.name.clone(),
                                docs: b.docs.clone(),
                                fields: Vec::new(),
                                primary_key: PrimaryKey {
                                    fields: Vec::new(),
                                    name: None,
                                    map: None,
                                    declared: false,
                                },
                                uniques: Vec::new(),
                                indexes: Vec::new(),
                                tenancy: Tenancy::Unmarked,
                                ignored: false,
                                renamed_from: None,
                                audited: false,
                                soft_delete: None,
                                write_roles: Vec::new(),
                                view: b.kind == BlockKind::View,
                                schema: None,
                                span: b.span,
                            });
                            self.marks.push(Vec::new());
                        }
                        TypeName::Enum(_) => self.schema.enums.push(Enum {
                            name: b.name.name.clone(),
                            db_name: b.name.name.clone(),
                            docs: b.docs.clone(),
                            values: Vec::new(),
                            schema: None,
                            span: b.span,
                        }),
                    }
                }
                BlockKind::Datasource => {
                    if let Some(first) = datasource_seen {
                        self.diags
                            .push(msg::duplicate_top(b.name.span, "datasource", &b.name.name, first));
                        continue;
                    }
                    datasource_seen = Some(b.name.span);
                    self.datasource(b);
                }
                BlockKind::Generator => {
                    if let Some(first) = generators.insert(&b.name.name, b.name.span) {
                        self.diags
                            .push(msg::duplicate_top(b.name.span, "generator", &b.name.name, first));
                        continue;
                    }
                    self.generator(b);
                }
            }
        }
    }

    fn lookup_enum(&self, name: &str) -> Option<EnumId> {
        self.schema.enums.iter().position(|e| e.name == name).map(EnumId)
    }

    fn enum_block(&mut self, b: &Block) {
        let Some(id) = self.lookup_enum(&b.name.name) else {
            return;
        };
        let Some((TypeName::Enum(reg), span)) = self.types.get(&b.name.name).copied() else {
            return;
        };
        if reg != id || span != b.name.span {
            return; // a duplicate, reported already
        }
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut values = Vec::new();
        let mut db_name = b.name.name.clone();
        for m in &b.members {
            match m {
                Member::Field(f) => {
                    if let Some(first) = seen.get(&f.name.name) {
                        self.diags.push(msg::duplicate_field(
                            f.name.span,
                            "enum value",
                            &f.name.name,
                            &b.name.name,
                            *first,
                        ));
                        continue;
                    }
                    seen.insert(f.name.name.clone(), f.name.span);
                    let mut value_db = f.name.name.clone();
                    for a in &f.attributes {
                        match a.name.name.as_str() {
                            "map" => {
                                if let Some(s) = self.string_arg(a) {
                                    value_db = s;
                                }
                            }
                            other => self.diags.push(msg::unknown_attribute(
                                a.name.span,
                                other,
                                "enum value",
                                suggest(other, ["map"]),
                            )),
                        }
                    }
                    values.push(EnumValue {
                        name: f.name.name.clone(),
                        db_name: value_db,
                        docs: f.docs.clone(),
                    });
                }
                Member::BlockAttribute(a, _) => match a.name.name.as_str() {
                    "map" => {
                        if let Some(s) = self.string_arg(a) {
                            db_name = s;
                        }
                    }
                    "schema" => self.schema_attr(schemas::Owner::Enum(id), a),
                    other => self.diags.push(msg::unknown_attribute(
                        a.name.span,
                        other,
                        "enum",
                        suggest(other, ["map", "schema"]),
                    )),
                },
                Member::Property(p) => self.diags.push(msg::malformed(
                    p.span,
                    "enum value",
                    "an enum lists one value name per line",
                )),
                Member::Comment(_) | Member::Blank => {}
            }
        }
        if values.is_empty() {
            self.diags
                .push(msg::malformed(b.name.span, "enum", "an enum needs at least one value"));
        }
        let e = &mut self.schema.enums[id.0];
        e.values = values;
        e.db_name = db_name;
    }

    /// The single positional string argument of an attribute such as `@map("x")`.
    fn string_arg(&mut self, a: &Attribute) -> Option<String> {
        let arg = a.positional().next().or_else(|| a.named("name"));
        match arg.and_then(|x| x.value.as_str()) {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => {
                self.diags.push(msg::bad_argument(
                    a.span,
                    &a.name.name,
                    "expected a non-empty string",
                    &format!("write it as @{}(\"name\")", a.name.name),
                ));
                None
            }
        }
    }

    fn model_id_of(&self, b: &Block) -> Option<ModelId> {
        match self.types.get(&b.name.name) {
            Some((TypeName::Model(id), span)) if *span == b.name.span => Some(*id),
            _ => None,
        }
    }

    fn check_named_args(&mut self, a: &Attribute, allowed: &[&str]) {
        for arg in a.args.iter().flatten() {
            if let Some(n) = &arg.name {
                if !allowed.contains(&n.name.as_str()) {
                    let help = if allowed.is_empty() {
                        "this attribute takes no named arguments".to_string()
                    } else {
                        format!("allowed: {}", allowed.join(", "))
                    };
                    self.diags.push(msg::bad_argument(
                        n.span,
                        &format!("@{}", a.name.name),
                        &format!("unknown argument `{}`", n.name),
                        &help,
                    ));
                }
            }
        }
    }

    fn relation_attribute(&mut self, a: &Attribute) -> Option<RawRelation> {
        let mut raw = RawRelation {
            span: a.span,
            ..RawRelation::default()
        };
        let mut ok = true;
        for (i, arg) in a.args.iter().flatten().enumerate() {
            let key = arg.name.as_ref().map(|n| n.name.as_str());
            match (key, &arg.value) {
                (None | Some("name"), Expr::Str(s)) if i == 0 || key.is_some() => raw.name = Some(s.value.clone()),
                (Some("fields" | "references"), value) => {
                    let mut list = Vec::new();
                    for item in value.items() {
                        match item.as_path() {
                            Some(id) => list.push(id.clone()),
                            None => {
                                self.diags.push(msg::bad_argument(
                                    item.span(),
                                    "@relation",
                                    "expected a field name",
                                    "list field names: fields: [authorId]",
                                ));
                                ok = false;
                            }
                        }
                    }
                    if key == Some("fields") {
                        raw.fields = Some(list);
                    } else {
                        raw.references = Some(list);
                    }
                }
                (Some(k @ ("onDelete" | "onUpdate")), value) => {
                    let action = value
                        .as_path()
                        .and_then(|p| ReferentialAction::ALL.into_iter().find(|r| r.name() == p.name));
                    match action {
                        Some(act) if k == "onDelete" => raw.on_delete = Some(act),
                        Some(act) => raw.on_update = Some(act),
                        None => {
                            self.diags.push(msg::bad_argument(
                                value.span(),
                                "@relation",
                                &format!("invalid {k} action"),
                                "use Cascade, Restrict, NoAction, SetNull or SetDefault",
                            ));
                            ok = false;
                        }
                    }
                }
                (Some("map"), Expr::Str(s)) => raw.map = Some(s.value.clone()),
                (Some(k), _) if ["fields", "references", "onDelete", "onUpdate", "map", "name"].contains(&k) => {
                    self.diags.push(msg::bad_argument(
                        arg.span,
                        "@relation",
                        &format!("invalid value for `{k}`"),
                        "see the Prisma @relation reference",
                    ));
                    ok = false;
                }
                (Some(k), _) => {
                    self.diags.push(msg::bad_argument(
                        arg.span,
                        "@relation",
                        &format!("unknown argument `{k}`"),
                        "allowed: name, fields, references, onDelete, onUpdate, map",
                    ));
                    ok = false;
                }
                (None, _) => {
                    self.diags.push(msg::bad_argument(
                        arg.span,
                        "@relation",
                        "unexpected positional argument",
                        "only the relation name may be positional, as a string",
                    ));
                    ok = false;
                }
            }
        }
        ok.then_some(raw)
    }

    /// Table names (with implicit join tables) and type names share PostgreSQL's namespace; columns must be
    /// unique within their table.
    fn database_names(&mut self) {
        // Tables and types share one namespace per PostgreSQL schema.
        let mut names: HashMap<(Option<String>, String), Span> = HashMap::new();
        for m in &self.schema.models {
            if let Some(first) = names.insert((m.schema.clone(), m.db_name.clone()), m.span) {
                self.diags
                    .push(msg::duplicate_db_name(m.span, "table name", &m.db_name, first));
            }
            let mut cols: HashMap<&str, Span> = HashMap::new();
            for (_, f) in m.columns() {
                if let Some(first) = cols.insert(f.db_name.as_str(), f.span) {
                    self.diags
                        .push(msg::duplicate_db_name(f.span, "column name", &f.db_name, first));
                }
            }
        }
        for e in &self.schema.enums {
            if let Some(first) = names.insert((e.schema.clone(), e.db_name.clone()), e.span) {
                self.diags
                    .push(msg::duplicate_db_name(e.span, "type name", &e.db_name, first));
            }
        }
    }
}

/// Prisma's rule for model, enum, field and value names.
fn valid_name(name: &str) -> bool {
    name.starts_with(char::is_alphabetic) && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

impl Validator {
    /// `sort: Asc | Desc` of `@id` / `@unique`; anything else (`"Desc"`, `Sideways`) is refused, as Prisma
    /// does.
    fn sort_arg(&mut self, a: &Attribute) -> Option<Sort> {
        let arg = a.named("sort")?;
        match arg.value.as_path().map(|p| p.name.as_str()) {
            Some("Asc") => Some(Sort::Asc),
            Some("Desc") => Some(Sort::Desc),
            _ => {
                self.diags.push(msg::bad_argument(
                    arg.span,
                    &format!("@{}", a.name.name),
                    "sort is Asc or Desc",
                    "write sort: Desc (a name, not a string)",
                ));
                None
            }
        }
    }
}
