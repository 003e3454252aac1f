//! What Studio knows of the schema: read from the schema file (models, fields, docs, enums, relations,
//! tenancy), never guessed from the database; the database only tells each column's SQL type (to cast
//! bound text to it) at start-up.

use std::collections::HashMap;

use trato_codegen::model::{Arity, DefaultValue, FieldType, RelationKind, Scalar, Schema, Tenancy};

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
    /// `@updatedAt`: set to now by every write.
    pub updated_at: bool,
    /// A default the client makes (`cuid()`, `uuid()`, `nanoid()`, `ulid()`), as the runtime's create does.
    pub client_default: Option<&'static str>,
    /// Whether Studio edits it: not a list, not bytes, not `Unsupported`.
    pub editable: bool,
}

/// The audit log (`@@auditLog`): where Studio records its writes, as the repositories do.
#[derive(Debug, Clone)]
pub struct AuditLog {
    /// The audit log model.
    pub model: String,
    /// Its fields: tenant key, kind, description, metadata, actor.
    pub tenant: String,
    pub kind: String,
    pub description: String,
    pub metadata: String,
    pub actor: String,
    /// The kind's stored value for `(model, action)`, from the schema's `@@auditLog` mapping.
    pub kinds: Vec<(String, String, String)>,
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
    /// What deleting the parent does to these rows (`onDelete`; Prisma's default when unset).
    pub on_delete: String,
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
    /// The `@softDelete` field: a delete sets it.
    pub soft_delete: Option<String>,
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
    /// The membership model, for "act as member": its name and the runtime's description of it.
    pub members: Option<(String, trato_hive_runtime::UntypedMembership)>,
    /// The audit log, when the schema has one (`@@auditLog`) or Studio was told which model it is.
    pub audit: Option<AuditLog>,
    /// Whether some model is `@@audit`: then Studio writes only with an audit log to record its writes in.
    pub audited: bool,
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
                                let optional = br.fields.iter().any(|c| target.field(*c).arity == Arity::Optional);
                                let on_delete = br
                                    .on_delete
                                    .map_or(if optional { "SetNull" } else { "Restrict" }, |a| a.name());
                                back_relations.push(BackRelation {
                                    field: f.name.clone(),
                                    child: target.name.clone(),
                                    child_field: child_field.clone(),
                                    parent_field: parent_field.clone(),
                                    on_delete: on_delete.to_string(),
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
                        updated_at: f.updated_at,
                        client_default: f.default.as_ref().and_then(|d| match d.value {
                            DefaultValue::Cuid => Some("cuid"),
                            DefaultValue::Uuid => Some("uuid"),
                            DefaultValue::Nanoid => Some("nanoid"),
                            DefaultValue::Ulid => Some("ulid"),
                            _ => None,
                        }),
                        editable: f.arity != Arity::List
                            && !matches!(f.ty, FieldType::Unsupported(_) | FieldType::Scalar(Scalar::Bytes)),
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
                    soft_delete: m.soft_delete.map(|f| m.field(f).name.clone()),
                }
            })
            .collect();
        models.sort_by_key(|m| m.kind != Kind::Root);
        let audit = schema.audit_log.as_ref().map(|a| {
            let m = schema.model(a.model);
            AuditLog {
                model: m.name.clone(),
                tenant: m.field(a.tenant).name.clone(),
                kind: m.field(a.kind).name.clone(),
                description: m.field(a.description).name.clone(),
                metadata: m.field(a.metadata).name.clone(),
                actor: m.field(a.actor).name.clone(),
                kinds: a.kinds.clone(),
            }
        });
        let managers: Vec<String> = {
            let mut all: Vec<String> = schema.models.iter().flat_map(|m| m.write_roles.clone()).collect();
            all.sort();
            all.dedup();
            all
        };
        let members = schema.membership.as_ref().and_then(|ms| {
            let m = schema.model(ms.model);
            let Tenancy::Owned { key } = m.tenancy else { return None };
            let table = match &m.schema {
                Some(sc) => format!("{}.{}", quote(sc), quote(&m.db_name)),
                None => quote(&m.db_name),
            };
            Some((
                m.name.clone(),
                trato_hive_runtime::UntypedMembership {
                    table,
                    tenant_column: m.field(key).db_name.clone(),
                    user_column: m.field(ms.user).db_name.clone(),
                    role_column: m.field(ms.role).db_name.clone(),
                    ranked: !ms.ranks.is_empty(),
                    read_only: ms.read_only.clone(),
                    managers: managers.clone(),
                },
            ))
        });
        Catalog {
            root: schema.tenant_root.map(|r| schema.model(r).name.clone()),
            membership: schema.membership.is_some(),
            members,
            audit,
            audited: schema.models.iter().any(|m| m.audited),
            models,
        }
    }

    /// The model named `name`.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Takes `name` as the audit log of a schema whose audit sink is written by hand (no `@@auditLog`): a
    /// tenant-owned model whose fields are found by their names, as `@@auditLog` would name them (kind:
    /// `type` or `kind`; `description` or `summary`; `metadata` or `data`; the actor: `userId`, `actorId` or
    /// `accountId`).
    pub fn use_audit_log(&mut self, name: &str) -> Result<(), String> {
        let m = self
            .model(name)
            .ok_or_else(|| format!("no model `{name}` to record Studio's writes in"))?;
        let tenant = m
            .tenant_field
            .clone()
            .ok_or_else(|| format!("`{name}` is not tenant-owned: audit rows belong to a tenant"))?;
        let find = |names: &[&str]| -> Result<String, String> {
            names
                .iter()
                .find(|n| m.column(n).is_some())
                .map(|n| n.to_string())
                .ok_or_else(|| {
                    format!(
                        "`{name}` has none of the fields {} for its audit rows",
                        names.join(", ")
                    )
                })
        };
        self.audit = Some(AuditLog {
            model: name.to_string(),
            tenant,
            kind: find(&["type", "kind"])?,
            description: find(&["description", "summary"])?,
            metadata: find(&["metadata", "data"])?,
            actor: find(&["userId", "actorId", "accountId"])?,
            kinds: Vec::new(),
        });
        Ok(())
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
