//! Syntax tree -> validated [`Schema`]. Passes: names and types, field attributes, block attributes and keys,
//! relations ([`relations`]), database names, tenancy ([`tenancy`]). Every pass records all its errors.

mod fields;
mod relations;
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
    "audit",
];
const MODEL_ATTRIBUTES: &[&str] = &[
    "id",
    "unique",
    "index",
    "map",
    "ignore",
    "tenantRoot",
    "tenant",
    "global",
    "renamedFrom",
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
        let models: Vec<&Block> = blocks.iter().copied().filter(|b| b.kind == BlockKind::Model).collect();
        for b in &models {
            self.model_fields(b);
        }
        for (i, b) in models.iter().enumerate() {
            self.model_attributes(ModelId(i), b);
        }
        let pending = std::mem::take(&mut self.relations);
        relations::resolve(&mut self.schema, pending, &mut self.diags);
        self.database_names();
        let marks = std::mem::take(&mut self.marks);
        tenancy::check(&mut self.schema, &marks, &mut self.diags);
    }

    /// Registers every model and enum name, and reads the datasource.
    fn declare(&mut self, blocks: &[&Block]) {
        let mut datasource_seen: Option<Span> = None;
        let mut generators: HashMap<&str, Span> = HashMap::new();
        let mut modules: HashMap<String, Span> = HashMap::new();
        for b in blocks {
            match b.kind {
                BlockKind::Model | BlockKind::Enum => {
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
                    if b.kind == BlockKind::Model && !self.types.contains_key(&b.name.name) {
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
                    let id = if b.kind == BlockKind::Model {
                        TypeName::Model(ModelId(self.schema.models.len()))
                    } else {
                        TypeName::Enum(EnumId(self.schema.enums.len()))
                    };
                    self.types.insert(b.name.name.clone(), (id, b.name.span));
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
                                span: b.span,
                            });
                            self.marks.push(Vec::new());
                        }
                        TypeName::Enum(_) => self.schema.enums.push(Enum {
                            name: b.name.name.clone(),
                            db_name: b.name.name.clone(),
                            docs: b.docs.clone(),
                            values: Vec::new(),
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
                    }
                }
            }
        }
    }

    fn datasource(&mut self, b: &Block) {
        let mut provider = None;
        let mut url_env = None;
        let mut direct_url_env = None;
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
                    _ => {}
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
                });
            }
            None if !self.diags.iter().any(|d| d.code == "E0701") => {
                self.diags.push(msg::bad_datasource(
                    b.name.span,
                    "no provider",
                    "add provider = \"postgresql\"",
                ));
            }
            None => {}
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
                    other => self.diags.push(msg::unknown_attribute(
                        a.name.span,
                        other,
                        "enum",
                        suggest(other, ["map"]),
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

    fn model_fields(&mut self, b: &Block) {
        let Some(mid) = self.model_id_of(b) else { return };
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut fields = Vec::new();
        let mut pk_fields: Vec<(FieldId, Span)> = Vec::new();
        let mut soft_delete: Vec<(FieldId, Span)> = Vec::new();
        let mut uniques = Vec::new();
        for m in &b.members {
            let f = match m {
                Member::Field(f) => f,
                Member::Property(p) => {
                    self.diags.push(msg::malformed(
                        p.span,
                        "field",
                        "a model field is `name Type @attributes`, without `=`",
                    ));
                    continue;
                }
                _ => continue,
            };
            if let Some(first) = seen.get(&f.name.name) {
                self.diags.push(msg::duplicate_field(
                    f.name.span,
                    "field",
                    &f.name.name,
                    &b.name.name,
                    *first,
                ));
                continue;
            }
            seen.insert(f.name.name.clone(), f.name.span);
            let Some(tr) = &f.ty else { continue };
            let arity = match tr.arity {
                ast::Arity::Required => Arity::Required,
                ast::Arity::Optional => Arity::Optional,
                ast::Arity::List => Arity::List,
            };
            let fid = FieldId(fields.len());
            let ty = if let Some(s) = &tr.unsupported {
                if tr.name.name != "Unsupported" {
                    self.diags
                        .push(msg::unknown_type(tr.name.span, &tr.name.name, Some("Unsupported")));
                    continue;
                }
                FieldType::Unsupported(s.value.clone())
            } else if let Some(s) = Scalar::from_name(&tr.name.name) {
                FieldType::Scalar(s)
            } else {
                match self.types.get(&tr.name.name) {
                    Some((TypeName::Enum(e), _)) => FieldType::Enum(*e),
                    Some((TypeName::Model(target), _)) => FieldType::Relation(Relation {
                        target: *target,
                        name: String::new(),
                        fields: Vec::new(),
                        references: Vec::new(),
                        on_delete: None,
                        on_update: None,
                        map: None,
                        back: FieldId(0),
                        kind: RelationKind::ManyToOne,
                    }),
                    None => {
                        let candidates: Vec<&str> = Scalar::ALL
                            .iter()
                            .map(|s| s.name())
                            .chain(self.types.keys().map(String::as_str))
                            .collect();
                        self.diags.push(msg::unknown_type(
                            tr.name.span,
                            &tr.name.name,
                            suggest(&tr.name.name, candidates),
                        ));
                        continue;
                    }
                }
            };
            let mut field = Field {
                name: f.name.name.clone(),
                db_name: f.name.name.clone(),
                docs: f.docs.clone(),
                ty,
                arity,
                default: None,
                updated_at: false,
                native: None,
                ignored: false,
                renamed_from: None,
                span: f.span,
            };
            let mut seen_attrs: HashMap<String, Span> = HashMap::new();
            let mut raw_rel: Option<RawRelation> = None;
            for a in &f.attributes {
                let key = if a.name.name.starts_with("db.") {
                    "db".to_string()
                } else {
                    a.name.name.clone()
                };
                if let Some(_first) = seen_attrs.insert(key.clone(), a.span) {
                    self.diags.push(msg::attribute_not_allowed(
                        a.span,
                        &format!("@{}", a.name.name),
                        "repeated",
                        "keep one of them",
                    ));
                    continue;
                }
                let is_rel = field.ty.is_relation();
                match a.name.name.as_str() {
                    "id" | "unique" | "default" | "updatedAt" | "map" | "ignore"
                        if is_rel && a.name.name != "ignore" =>
                    {
                        self.diags.push(msg::attribute_not_allowed(
                            a.span,
                            &format!("@{}", a.name.name),
                            "on a relation field",
                            "put it on the scalar foreign key field instead",
                        ));
                    }
                    "id" => {
                        self.check_named_args(a, &["map", "length", "sort", "clustered"]);
                        if field.arity != Arity::Required {
                            self.diags.push(msg::bad_primary_key_field(
                                a.span,
                                &field.name,
                                if field.arity == Arity::List {
                                    "it is a list"
                                } else {
                                    "it is optional"
                                },
                            ));
                        } else if matches!(field.ty, FieldType::Unsupported(_)) {
                            self.diags
                                .push(msg::bad_primary_key_field(a.span, &field.name, "it is Unsupported"));
                        }
                        pk_fields.push((fid, a.span));
                        if let Some(m) = a.named("map").and_then(|x| x.value.as_str()) {
                            self.schema.models[mid.0].primary_key.map = Some(m.to_string());
                        }
                    }
                    "unique" => {
                        self.check_named_args(a, &["map", "length", "sort", "clustered"]);
                        let map = a.named("map").and_then(|x| x.value.as_str()).map(str::to_string);
                        uniques.push(Index {
                            fields: vec![IndexField {
                                field: fid,
                                sort: sort_arg(a),
                                length: None,
                                ops: None,
                            }],
                            name: None,
                            map,
                            algorithm: None,
                            from_field: true,
                            span: a.span,
                        });
                    }
                    "default" => {
                        self.check_named_args(a, &["map"]);
                        match a.positional().next() {
                            Some(arg) => {
                                let enums = &self.schema.enums;
                                if let Some(value) = fields::default_value(
                                    &arg.value,
                                    &field.name,
                                    &field.ty,
                                    field.arity,
                                    enums,
                                    &mut self.diags,
                                ) {
                                    let map = a.named("map").and_then(|x| x.value.as_str()).map(str::to_string);
                                    field.default = Some(Default { value, map });
                                }
                            }
                            None => self.diags.push(msg::bad_argument(
                                a.span,
                                "@default",
                                "a value is missing",
                                "write @default(value)",
                            )),
                        }
                    }
                    "updatedAt" => {
                        if field.scalar() != Some(Scalar::DateTime) || field.arity == Arity::List {
                            self.diags
                                .push(msg::updated_at_not_datetime(a.span, &field.name, &tr.name.name));
                        }
                        field.updated_at = true;
                    }
                    "map" => {
                        if let Some(s) = self.string_arg(a) {
                            field.db_name = s;
                        }
                    }
                    "ignore" => field.ignored = true,
                    "renamedFrom" => field.renamed_from = self.string_arg(a),
                    "softDelete" => {
                        if field.scalar() != Some(Scalar::DateTime) || field.arity != Arity::Optional {
                            self.diags.push(msg::attribute_not_allowed(
                                a.span,
                                "@softDelete",
                                "only on an optional DateTime field",
                                "declare it as `deletedAt DateTime? @softDelete`",
                            ));
                        } else {
                            soft_delete.push((fid, a.span));
                        }
                    }
                    "relation" => {
                        if !is_rel {
                            self.diags.push(msg::attribute_not_allowed(
                                a.span,
                                "@relation",
                                "on a field that is not a relation",
                                "@relation goes on a field whose type is a model",
                            ));
                        } else {
                            raw_rel = self.relation_attribute(a);
                        }
                    }
                    name if name.starts_with("db.") => {
                        if let Some(nt) = fields::native_type(a, &name[3..], &field.ty, &mut self.diags) {
                            field.native = Some(nt);
                        }
                    }
                    other => self.diags.push(msg::unknown_attribute(
                        a.name.span,
                        other,
                        "field",
                        suggest(other, FIELD_ATTRIBUTES.iter().copied()),
                    )),
                }
            }
            if let FieldType::Relation(rel) = &field.ty {
                self.relations.push(PendingRelation {
                    model: mid,
                    field: fid,
                    target: rel.target,
                    raw: raw_rel.unwrap_or(RawRelation {
                        span: f.span,
                        ..RawRelation::default()
                    }),
                });
            }
            fields.push(field);
        }
        if soft_delete.len() > 1 {
            self.diags.push(msg::attribute_not_allowed(
                soft_delete[1].1,
                "@softDelete",
                "a second @softDelete field",
                "keep one @softDelete field per model",
            ));
        }
        let model = &mut self.schema.models[mid.0];
        model.fields = fields;
        model.uniques = uniques;
        model.soft_delete = soft_delete.first().map(|(f, _)| *f);
        if pk_fields.len() > 1 {
            self.diags
                .push(msg::double_primary_key(pk_fields[1].1, &b.name.name, pk_fields[0].1));
        }
        if let Some((fid, _)) = pk_fields.first() {
            model.primary_key.fields = vec![*fid];
            model.primary_key.declared = true;
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

    fn model_attributes(&mut self, mid: ModelId, b: &Block) {
        if self.model_id_of(b) != Some(mid) {
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for m in &b.members {
            let Member::BlockAttribute(a, _) = m else { continue };
            let name = a.name.name.as_str();
            if matches!(
                name,
                "id" | "map" | "ignore" | "tenantRoot" | "tenant" | "global" | "renamedFrom"
            ) {
                if let Some(_first) = seen.insert(name, a.span) {
                    self.diags.push(msg::attribute_not_allowed(
                        a.span,
                        &format!("@@{name}"),
                        "repeated",
                        "keep one of them",
                    ));
                    continue;
                }
            }
            match name {
                "id" => {
                    self.check_named_args(a, &["fields", "name", "map", "clustered"]);
                    let Some(fields) = self.index_fields(mid, a) else {
                        continue;
                    };
                    let model = &self.schema.models[mid.0];
                    if model.primary_key.declared {
                        let first = model
                            .primary_key
                            .fields
                            .first()
                            .map_or(model.span, |f| model.field(*f).span);
                        self.diags.push(msg::double_primary_key(a.span, &b.name.name, first));
                        continue;
                    }
                    for f in &fields {
                        let fd = model.field(f.field);
                        if fd.arity != Arity::Required {
                            self.diags
                                .push(msg::bad_primary_key_field(a.span, &fd.name, "it is optional or a list"));
                        }
                    }
                    let pk = &mut self.schema.models[mid.0].primary_key;
                    pk.fields = fields.iter().map(|f| f.field).collect();
                    pk.declared = true;
                    pk.name = a.named("name").and_then(|x| x.value.as_str()).map(str::to_string);
                    pk.map = a.named("map").and_then(|x| x.value.as_str()).map(str::to_string);
                }
                "unique" | "index" => {
                    let allowed: &[&str] = if name == "unique" {
                        &["fields", "name", "map", "clustered"]
                    } else {
                        &["fields", "name", "map", "type", "clustered"]
                    };
                    self.check_named_args(a, allowed);
                    let Some(fields) = self.index_fields(mid, a) else {
                        continue;
                    };
                    let algorithm = match a.named("type").map(|x| &x.value) {
                        None => None,
                        Some(v) => match v.as_path().map(|p| p.name.as_str()) {
                            Some(t @ ("BTree" | "Hash" | "Gin" | "Gist" | "SpGist" | "Brin")) => Some(t.to_string()),
                            _ => {
                                self.diags.push(msg::bad_argument(
                                    v.span(),
                                    "@@index",
                                    "unknown index type",
                                    "use BTree, Hash, Gin, Gist, SpGist or Brin",
                                ));
                                continue;
                            }
                        },
                    };
                    let index = Index {
                        fields,
                        name: a.named("name").and_then(|x| x.value.as_str()).map(str::to_string),
                        map: a.named("map").and_then(|x| x.value.as_str()).map(str::to_string),
                        algorithm,
                        from_field: false,
                        span: a.span,
                    };
                    let model = &mut self.schema.models[mid.0];
                    if name == "unique" {
                        model.uniques.push(index);
                    } else {
                        model.indexes.push(index);
                    }
                }
                "map" => {
                    if let Some(s) = self.string_arg(a) {
                        self.schema.models[mid.0].db_name = s;
                    }
                }
                "ignore" => self.schema.models[mid.0].ignored = true,
                "audit" => self.schema.models[mid.0].audited = true,
                "renamedFrom" => {
                    if let Some(old) = self.string_arg(a) {
                        self.schema.models[mid.0].renamed_from = Some(old);
                    }
                }
                "tenantRoot" | "global" => {
                    if a.args.as_ref().is_some_and(|x| !x.is_empty()) {
                        self.diags.push(msg::bad_argument(
                            a.span,
                            &format!("@@{name}"),
                            "takes no arguments",
                            &format!("write @@{name}"),
                        ));
                    }
                    let mark = if name == "global" {
                        TenancyMark::Global(a.span)
                    } else {
                        TenancyMark::Root(a.span)
                    };
                    self.marks[mid.0].push(mark);
                }
                "tenant" => {
                    let key = a.positional().next().and_then(|x| x.value.as_path()).cloned();
                    match key {
                        Some(k) if a.args.as_ref().is_some_and(|x| x.len() == 1) => {
                            self.marks[mid.0].push(TenancyMark::Owned(k, a.span))
                        }
                        _ => self.diags.push(msg::bad_argument(
                            a.span,
                            "@@tenant",
                            "expected the tenant key field",
                            "write @@tenant(organizationId), naming the field that holds the tenant id",
                        )),
                    }
                }
                "fulltext" => self.diags.push(msg::attribute_not_allowed(
                    a.span,
                    "@@fulltext",
                    "MySQL and MongoDB only",
                    "use @@index([...], type: Gin) on PostgreSQL",
                )),
                other => self.diags.push(msg::unknown_attribute(
                    a.name.span,
                    other,
                    "model",
                    suggest(other, MODEL_ATTRIBUTES.iter().copied()),
                )),
            }
        }
        self.implicit_primary_key(mid);
    }

    /// Prisma accepts a model without @id when a unique constraint on required fields identifies its rows.
    fn implicit_primary_key(&mut self, mid: ModelId) {
        let model = &self.schema.models[mid.0];
        if model.primary_key.declared {
            return;
        }
        let candidate = model
            .uniques
            .iter()
            .find(|u| u.fields.iter().all(|f| model.field(f.field).arity == Arity::Required))
            .map(Index::field_ids);
        match candidate {
            Some(fields) => self.schema.models[mid.0].primary_key.fields = fields,
            None if !model.ignored => {
                let span = Span::new(model.span.start, model.span.start + 5 + 1 + model.name.len());
                self.diags.push(msg::missing_primary_key(span, &model.name));
            }
            None => {}
        }
    }

    /// Reads the field list of `@@id`, `@@unique` and `@@index`: `[a, b(sort: Desc)]` positional or `fields:`.
    fn index_fields(&mut self, mid: ModelId, a: &Attribute) -> Option<Vec<IndexField>> {
        let list = a.positional().next().or_else(|| a.named("fields"));
        let Some(list) = list else {
            self.diags.push(msg::bad_argument(
                a.span,
                &format!("@@{}", a.name.name),
                "no fields",
                &format!("write @@{}([fieldA, fieldB])", a.name.name),
            ));
            return None;
        };
        let model = &self.schema.models[mid.0];
        let mut out = Vec::new();
        let mut ok = true;
        if list.value.items().is_empty() {
            self.diags.push(msg::bad_argument(
                list.span,
                &format!("@@{}", a.name.name),
                "the field list is empty",
                "name at least one field",
            ));
            return None;
        }
        for item in list.value.items() {
            let Some((ident, args)) = item.as_field_ref() else {
                self.diags.push(msg::bad_argument(
                    item.span(),
                    &format!("@@{}", a.name.name),
                    "expected a field name",
                    "list field names, e.g. [organizationId, createdAt(sort: Desc)]",
                ));
                ok = false;
                continue;
            };
            let found = model
                .find_field(&ident.name)
                .filter(|f| !model.field(*f).ty.is_relation());
            let Some(fid) = found else {
                let s = suggest(&ident.name, model.columns().map(|(_, f)| f.name.as_str()));
                self.diags
                    .push(msg::unknown_field_ref(ident.span, &ident.name, &model.name, s));
                ok = false;
                continue;
            };
            let mut field = IndexField {
                field: fid,
                sort: None,
                length: None,
                ops: None,
            };
            for arg in args {
                match (arg.name.as_ref().map(|n| n.name.as_str()), &arg.value) {
                    (Some("sort"), Expr::Path(p)) if p.name == "Asc" => field.sort = Some(Sort::Asc),
                    (Some("sort"), Expr::Path(p)) if p.name == "Desc" => field.sort = Some(Sort::Desc),
                    (Some("length"), Expr::Number { raw, .. }) if raw.parse::<u32>().is_ok() => {
                        field.length = raw.parse().ok()
                    }
                    (Some("ops"), Expr::Path(p)) => field.ops = Some(p.name.clone()),
                    (Some("ops"), Expr::Call { name, args, .. }) if name.name == "raw" => {
                        field.ops = args.first().and_then(|x| x.value.as_str()).map(str::to_string);
                    }
                    _ => {
                        self.diags.push(msg::bad_argument(
                            arg.span,
                            &format!("@@{}", a.name.name),
                            "unknown field option",
                            "allowed: sort: Asc|Desc, length: n, ops: ...",
                        ));
                        ok = false;
                    }
                }
            }
            out.push(field);
        }
        ok.then_some(out)
    }

    /// Table names (with implicit join tables) and type names share PostgreSQL's namespace; columns must be
    /// unique within their table.
    fn database_names(&mut self) {
        let mut names: HashMap<String, Span> = HashMap::new();
        for m in &self.schema.models {
            if let Some(first) = names.insert(m.db_name.clone(), m.span) {
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
            if let Some(first) = names.insert(e.db_name.clone(), e.span) {
                self.diags
                    .push(msg::duplicate_db_name(e.span, "type name", &e.db_name, first));
            }
        }
    }
}

/// Prisma's rule for model, enum, field and value names.
fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn sort_arg(a: &Attribute) -> Option<Sort> {
    match a.named("sort").and_then(|x| x.value.as_path()).map(|p| p.name.as_str()) {
        Some("Asc") => Some(Sort::Asc),
        Some("Desc") => Some(Sort::Desc),
        _ => None,
    }
}
