//! What Studio knows of the schema: read from the schema file (models, fields, docs, enums, relations,
//! tenancy), never guessed from the database; the database only tells each column's SQL type (to cast
//! bound text to it) at start-up.

use std::collections::HashMap;

use trato_codegen::model::{Arity, FieldType, RelationKind, Schema, Tenancy};

/// Where a model's rows belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The tenant root (e.g. Organization).
    Root,
    /// Owned by a tenant, through its tenant key.
    Tenant,
    /// Shared (or the schema has no tenancy).
    Global,
}

/// A column of a model.
#[derive(Debug, Clone)]
pub struct Column {
    /// The field's name in the schema (what URLs use).
    pub field: String,
    /// The column's name in the database.
    pub column: String,
    /// The schema's type, as written (`String`, `DealStage`, `Decimal`...).
    pub type_name: String,
    /// The database's type (`numeric(18,2)`, `"DealStage"`), for casts.
    pub sql_type: String,
    /// `?`: may be NULL.
    pub nullable: bool,
    /// The enum's database values, for an enum column.
    pub enum_values: Vec<String>,
    /// Its `///` lines.
    pub docs: String,
    /// When it holds a foreign key: the target model's name and the referenced field.
    pub references: Option<(String, String)>,
}

/// A to-many relation of a model, shown as a count linking to the child table.
#[derive(Debug, Clone)]
pub struct BackRelation {
    /// The relation field's name.
    pub field: String,
    /// The child model.
    pub child: String,
    /// The child's field holding the foreign key.
    pub child_field: String,
    /// This model's referenced field.
    pub parent_field: String,
}

/// A model of the schema, as Studio shows it.
#[derive(Debug, Clone)]
pub struct Model {
    /// Its name.
    pub name: String,
    /// Its table, quoted and schema-qualified as SQL names it.
    pub table_sql: String,
    /// Its table's name.
    pub table: String,
    /// Its `///` lines.
    pub docs: String,
    /// Where its rows belong.
    pub kind: Kind,
    /// The tenant key's field (tenant-owned models).
    pub tenant_field: Option<String>,
    /// Its columns, in declaration order.
    pub columns: Vec<Column>,
    /// The primary key's fields, without the tenant key.
    pub key: Vec<String>,
    /// To-many relations (one-to-many, with the foreign key on the child).
    pub back_relations: Vec<BackRelation>,
    /// A `view` block: nothing to write.
    pub view: bool,
}

impl Model {
    /// The column of field `field`.
    pub fn column(&self, field: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.field == field)
    }

    /// The column that labels a row: the first unique-looking text field (`name`, `title`, `email`,
    /// `slug`), else the key.
    pub fn label(&self) -> &str {
        ["name", "title", "email", "slug"]
            .iter()
            .find_map(|l| self.column(l).map(|c| c.field.as_str()))
            .or_else(|| self.key.first().map(String::as_str))
            .unwrap_or("")
    }
}

/// Every model Studio shows, with the tenant root first.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The models, the tenant root first, then in declaration order.
    pub models: Vec<Model>,
    /// The tenant root, when the schema uses tenancy.
    pub root: Option<String>,
    /// Whether the schema has `@@membership` (scopes then bind role and user).
    pub membership: bool,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Catalog {
    /// The catalog of a validated schema.
    pub fn from_schema(schema: &Schema) -> Catalog {
        let mut models: Vec<Model> = schema
            .models
            .iter()
            .filter(|m| !m.ignored)
            .map(|m| {
                let tenant_field = match m.tenancy {
                    Tenancy::Owned { key } => Some(m.field(key).name.clone()),
                    _ => None,
                };
                let kind = match m.tenancy {
                    Tenancy::Root => Kind::Root,
                    Tenancy::Owned { .. } => Kind::Tenant,
                    _ => Kind::Global,
                };
                let mut references: HashMap<String, (String, String)> = HashMap::new();
                let mut back_relations = Vec::new();
                for f in &m.fields {
                    let FieldType::Relation(r) = &f.ty else { continue };
                    let target = schema.model(r.target);
                    let holds = matches!(
                        r.kind,
                        RelationKind::ManyToOne | RelationKind::OneToOne { holds_fk: true }
                    );
                    if holds {
                        for (own, theirs) in r.fields.iter().zip(&r.references) {
                            let own = &m.field(*own).name;
                            if Some(own) != tenant_field.as_ref() {
                                references
                                    .insert(own.clone(), (target.name.clone(), target.field(*theirs).name.clone()));
                            }
                        }
                    }
                    if r.kind == RelationKind::OneToMany {
                        let back = target.field(r.back);
                        if let FieldType::Relation(br) = &back.ty {
                            let pairs: Vec<(String, String)> = br
                                .fields
                                .iter()
                                .zip(&br.references)
                                .map(|(c, p)| (target.field(*c).name.clone(), m.field(*p).name.clone()))
                                .filter(|(c, _)| {
                                    !matches!(target.tenancy, Tenancy::Owned { key } if target.field(key).name == *c)
                                })
                                .collect();
                            if let [(child_field, parent_field)] = pairs.as_slice() {
                                back_relations.push(BackRelation {
                                    field: f.name.clone(),
                                    child: target.name.clone(),
                                    child_field: child_field.clone(),
                                    parent_field: parent_field.clone(),
                                });
                            }
                        }
                    }
                }
                let columns = m
                    .columns()
                    .map(|(_, f)| Column {
                        field: f.name.clone(),
                        column: f.db_name.clone(),
                        type_name: match &f.ty {
                            FieldType::Scalar(s) => s.name().to_string(),
                            FieldType::Enum(e) => schema.enum_(*e).name.clone(),
                            FieldType::Unsupported(t) => format!("Unsupported({t})"),
                            FieldType::Relation(_) => String::new(),
                        },
                        sql_type: String::new(),
                        nullable: f.arity == Arity::Optional,
                        enum_values: match &f.ty {
                            FieldType::Enum(e) => schema.enum_(*e).values.iter().map(|v| v.db_name.clone()).collect(),
                            _ => Vec::new(),
                        },
                        docs: f.docs.join("\n"),
                        references: references.get(&f.name).cloned(),
                    })
                    .collect();
                let key = m
                    .primary_key
                    .fields
                    .iter()
                    .map(|k| m.field(*k).name.clone())
                    .filter(|k| Some(k) != tenant_field.as_ref())
                    .collect();
                let table_sql = match &m.schema {
                    Some(s) => format!("{}.{}", quote(s), quote(&m.db_name)),
                    None => quote(&m.db_name),
                };
                Model {
                    name: m.name.clone(),
                    table_sql,
                    table: m.db_name.clone(),
                    docs: m.docs.join("\n"),
                    kind,
                    tenant_field,
                    columns,
                    key,
                    back_relations,
                    view: m.view,
                }
            })
            .collect();
        models.sort_by_key(|m| m.kind != Kind::Root);
        Catalog {
            root: schema.tenant_root.map(|r| schema.model(r).name.clone()),
            membership: schema.membership.is_some(),
            models,
        }
    }

    /// The model named `name`.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Fills each column's SQL type from the database: `(table, column, type)` rows of the live catalog.
    /// A column the database lacks keeps an empty type (its filters compare as text).
    pub fn set_sql_types(&mut self, types: &[(String, String, String)]) {
        for m in &mut self.models {
            for c in &mut m.columns {
                if let Some((_, _, t)) = types.iter().find(|(tb, col, _)| *tb == m.table && *col == c.column) {
                    c.sql_type = t.clone();
                }
            }
        }
    }
}
