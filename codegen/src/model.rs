//! The validated model: what every emitter reads. Names are resolved to typed ids; nothing here is looked
//! up by string twice. A `Schema` only exists when validation found no error.

use crate::diagnostics::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub usize);

/// Index of a field inside its model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub usize);

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub models: Vec<Model>,
    pub enums: Vec<Enum>,
    pub datasource: Option<Datasource>,
    /// The `generator` block of this generator (`provider = "trato-hive-codegen"`), when there is one.
    pub generator: Option<Generator>,
    /// The model marked `@@tenantRoot`, when the schema uses tenancy at all.
    pub tenant_root: Option<ModelId>,
    /// The model marked `@@membership(user: ..., role: ...)`, when there is one.
    pub membership: Option<Membership>,
    /// The model marked `@@auditLog(...)`, when there is one: where writes to `@@audit` models are recorded.
    pub audit_log: Option<AuditLog>,
}

/// The audit log model and the fields an audit row fills.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLog {
    pub model: ModelId,
    /// Its tenant key.
    pub tenant: FieldId,
    /// What happened: an enum or a `String`.
    pub kind: FieldId,
    pub description: FieldId,
    /// The changed columns and values (`Json`).
    pub metadata: FieldId,
    /// Who wrote (the member's user id; empty for the system scope).
    pub actor: FieldId,
    /// `(audited model, foreign key)`: rows of that model are linked through this field.
    pub links: Vec<(ModelId, FieldId)>,
    /// `(model, action, stored value)` for every audited model and action (`create`, `update`, `delete`).
    pub kinds: Vec<(String, String, String)>,
}

/// The membership model: which user has which role in which tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub model: ModelId,
    /// The field holding the user's id.
    pub user: FieldId,
    /// The field holding the role (an enum).
    pub role: FieldId,
    /// The role enum's database values, highest first (declaration order): a member may not give anyone a
    /// role above their own, nor change their own.
    pub ranks: Vec<String>,
    /// `readOnly: [...]`: the roles whose scope reads only (database values).
    pub read_only: Vec<String>,
}

impl Schema {
    pub fn model(&self, id: ModelId) -> &Model {
        &self.models[id.0]
    }

    pub fn enum_(&self, id: EnumId) -> &Enum {
        &self.enums[id.0]
    }

    pub fn uses_tenancy(&self) -> bool {
        self.tenant_root.is_some()
    }
}

/// This generator's settings, from its `generator` block. Paths are as written: relative to the schema
/// file's folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generator {
    /// The block's name (`generator client { ... }`: `client`).
    pub name: String,
    /// Where the Rust models go (`output`).
    pub output: Option<String>,
    /// The migrations folder (`migrations`).
    pub migrations: Option<String>,
    /// Where a TypeScript module of the enums and model types goes (`typescript`).
    pub typescript: Option<String>,
    /// The command `db seed` runs in the schema's folder (`seed`, e.g. `cargo run --bin seed`).
    pub seed: Option<String>,
    /// The migrator's history table (`historyTable`; `_trato_migrations` when unset).
    pub history_table: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Datasource {
    pub name: String,
    pub provider: String,
    pub url_env: Option<String>,
    pub direct_url_env: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    /// PostgreSQL type name (`@@map`, else the enum name).
    pub db_name: String,
    pub docs: Vec<String>,
    pub values: Vec<EnumValue>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub name: String,
    pub db_name: String,
    pub docs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// The schema uses no tenancy markers: plain Prisma.
    Unmarked,
    /// `@@tenantRoot`: the tenant itself (e.g. Organization).
    Root,
    /// `@@tenant(key)`: every row belongs to one tenant, through `key`.
    Owned { key: FieldId },
    /// `@@global`: shared by every tenant (e.g. User).
    Global,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    /// Table name (`@@map`, else the model name).
    pub db_name: String,
    pub docs: Vec<String>,
    pub fields: Vec<Field>,
    pub primary_key: PrimaryKey,
    /// `@unique` and `@@unique`, in declaration order.
    pub uniques: Vec<Index>,
    pub indexes: Vec<Index>,
    pub tenancy: Tenancy,
    /// `@@ignore`: kept in the database, left out of the generated client.
    pub ignored: bool,
    /// `@@renamedFrom("OldName")`: a rename hint for migrations (the old model name).
    pub renamed_from: Option<String>,
    /// `@@audit`: every write through a repository records an audit row in the same statement.
    pub audited: bool,
    /// The `@softDelete` field: deletes set it, reads skip rows where it is set.
    pub soft_delete: Option<FieldId>,
    /// `@@writableBy([...])`: the membership roles (database values) that may write this model; empty when
    /// every writer may.
    pub write_roles: Vec<String>,
    pub span: Span,
}

impl Model {
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.0]
    }

    pub fn field_ids(&self) -> impl Iterator<Item = FieldId> {
        (0..self.fields.len()).map(FieldId)
    }

    pub fn find_field(&self, name: &str) -> Option<FieldId> {
        self.fields.iter().position(|f| f.name == name).map(FieldId)
    }

    /// Fields stored as columns (scalars, enums and `Unsupported`), in declaration order.
    pub fn columns(&self) -> impl Iterator<Item = (FieldId, &Field)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.ty.is_relation())
            .map(|(i, f)| (FieldId(i), f))
    }
}

#[derive(Debug, Clone)]
pub struct PrimaryKey {
    pub fields: Vec<FieldId>,
    /// `@@id(name: ...)`: the name of the compound key in the client API.
    pub name: Option<String>,
    /// `map:`: the constraint name in the database.
    pub map: Option<String>,
    /// False when the model has no @id/@@id and a required @unique serves as its identity (Prisma allows it).
    pub declared: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Asc,
    Desc,
}

#[derive(Debug, Clone)]
pub struct IndexField {
    pub field: FieldId,
    pub sort: Option<Sort>,
    pub length: Option<u32>,
    pub ops: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub fields: Vec<IndexField>,
    /// `name:` (client API name of a compound unique).
    pub name: Option<String>,
    /// `map:` (database name).
    pub map: Option<String>,
    /// `type:` (BTree, Hash, Gin, Gist, SpGist, Brin).
    pub algorithm: Option<String>,
    /// True for a field-level `@unique`.
    pub from_field: bool,
    pub span: Span,
}

impl Index {
    pub fn field_ids(&self) -> Vec<FieldId> {
        self.fields.iter().map(|f| f.field).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    Int,
    BigInt,
    Float,
    Decimal,
    Boolean,
    DateTime,
    Json,
    Bytes,
}

impl Scalar {
    pub const ALL: [Scalar; 9] = [
        Scalar::String,
        Scalar::Int,
        Scalar::BigInt,
        Scalar::Float,
        Scalar::Decimal,
        Scalar::Boolean,
        Scalar::DateTime,
        Scalar::Json,
        Scalar::Bytes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scalar::String => "String",
            Scalar::Int => "Int",
            Scalar::BigInt => "BigInt",
            Scalar::Float => "Float",
            Scalar::Decimal => "Decimal",
            Scalar::Boolean => "Boolean",
            Scalar::DateTime => "DateTime",
            Scalar::Json => "Json",
            Scalar::Bytes => "Bytes",
        }
    }

    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Required,
    Optional,
    List,
}

#[derive(Debug, Clone)]
pub enum FieldType {
    Scalar(Scalar),
    Enum(EnumId),
    Relation(Relation),
    /// `Unsupported("tsvector")`: exists in the database only.
    Unsupported(String),
}

impl FieldType {
    pub fn is_relation(&self) -> bool {
        matches!(self, FieldType::Relation(_))
    }

    pub fn relation(&self) -> Option<&Relation> {
        match self {
            FieldType::Relation(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    Cascade,
    Restrict,
    NoAction,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    pub const ALL: [ReferentialAction; 5] = [
        ReferentialAction::Cascade,
        ReferentialAction::Restrict,
        ReferentialAction::NoAction,
        ReferentialAction::SetNull,
        ReferentialAction::SetDefault,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "Cascade",
            ReferentialAction::Restrict => "Restrict",
            ReferentialAction::NoAction => "NoAction",
            ReferentialAction::SetNull => "SetNull",
            ReferentialAction::SetDefault => "SetDefault",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This side holds the foreign key and points at one row.
    ManyToOne,
    /// The list side of a one-to-many relation.
    OneToMany,
    /// One-to-one; `holds_fk` says whether this side carries the foreign key.
    OneToOne { holds_fk: bool },
    /// Implicit many-to-many through Prisma's `_RelationName` join table.
    ManyToMany,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub target: ModelId,
    /// The relation name (`@relation("...")`), or Prisma's default `AToB` (model names sorted).
    pub name: String,
    /// Scalar fields of this model holding the foreign key (empty on the side without one).
    pub fields: Vec<FieldId>,
    /// Fields of the target model that `fields` reference.
    pub references: Vec<FieldId>,
    pub on_delete: Option<ReferentialAction>,
    pub on_update: Option<ReferentialAction>,
    /// `map:`: the foreign key constraint name.
    pub map: Option<String>,
    /// The opposite relation field on the target model.
    pub back: FieldId,
    pub kind: RelationKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    /// As written: `42`, `-1.5`.
    Number(String),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    Autoincrement,
    Now,
    Cuid,
    Uuid,
    Nanoid,
    Ulid,
    DbGenerated(String),
    Literal(Literal),
    /// A variant of the field's enum (index into its values).
    EnumValue(usize),
    List(Vec<DefaultValue>),
}

#[derive(Debug, Clone)]
pub struct Default {
    pub value: DefaultValue,
    /// `map:`: the default constraint name (accepted for compatibility; PostgreSQL does not name defaults).
    pub map: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeType {
    /// As in `@db.VarChar(255)`: `VarChar`.
    pub name: String,
    pub args: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// Column name (`@map`, else the field name).
    pub db_name: String,
    pub docs: Vec<String>,
    pub ty: FieldType,
    pub arity: Arity,
    pub default: Option<Default>,
    pub updated_at: bool,
    pub native: Option<NativeType>,
    /// `@ignore`: kept in the database, left out of the generated client.
    pub ignored: bool,
    /// `@renamedFrom("oldName")`: a rename hint for migrations (the old field name).
    pub renamed_from: Option<String>,
    pub span: Span,
}

impl Field {
    pub fn scalar(&self) -> Option<Scalar> {
        match self.ty {
            FieldType::Scalar(s) => Some(s),
            _ => None,
        }
    }
}
