//! The validated model: what every emitter reads. Names are resolved to typed ids; nothing here is looked
//! up by string twice. A `Schema` only exists when validation found no error.

use crate::diagnostics::Span;

/// A model's index in [`Schema::models`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub usize);

/// An enum's index in [`Schema::enums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub usize);

/// Index of a field inside its model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub usize);

/// A validated schema: models and enums with every name resolved, what the emitters read.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The models, in declaration order.
    pub models: Vec<Model>,
    /// The enums, in declaration order.
    pub enums: Vec<Enum>,
    /// The `datasource` block, when there is one.
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
    /// The audit log model.
    pub model: ModelId,
    /// Its tenant key.
    pub tenant: FieldId,
    /// What happened: an enum or a `String`.
    pub kind: FieldId,
    /// A one-line description (`String`).
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
    /// The membership model.
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
    /// The model `id` names.
    pub fn model(&self, id: ModelId) -> &Model {
        &self.models[id.0]
    }

    /// The enum `id` names.
    pub fn enum_(&self, id: EnumId) -> &Enum {
        &self.enums[id.0]
    }

    /// Whether the schema has a tenant root (`@@tenantRoot`).
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

/// The `datasource` block.
#[derive(Debug, Clone)]
pub struct Datasource {
    /// The block's name.
    pub name: String,
    /// `provider` (`postgresql`).
    pub provider: String,
    /// The variable `url = env("...")` names.
    pub url_env: Option<String>,
    /// The variable `directUrl = env("...")` names.
    pub direct_url_env: Option<String>,
    /// `relationMode = "prisma"`: relations are kept by the client, the database gets no foreign keys.
    pub relation_mode_prisma: bool,
    /// `extensions = [...]`: the extensions to create, as `(name, schema, version)` (`map:` is the name).
    pub extensions: Vec<(String, Option<String>, Option<String>)>,
    /// `schemas = [...]` (multi-schema): the PostgreSQL schemas models and enums go into (`@@schema`).
    pub schemas: Vec<String>,
}

/// An enum of the schema.
#[derive(Debug, Clone)]
pub struct Enum {
    /// Its name in the schema.
    pub name: String,
    /// PostgreSQL type name (`@@map`, else the enum name).
    pub db_name: String,
    /// Its `///` lines.
    pub docs: Vec<String>,
    /// Its values, in declaration order.
    pub values: Vec<EnumValue>,
    /// `@@schema("name")`: its PostgreSQL schema (multi-schema); `None`: the connection's.
    pub schema: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A value of an enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// Its name in the schema.
    pub name: String,
    /// Its name in the database (`@map`).
    pub db_name: String,
    /// Its `///` lines.
    pub docs: Vec<String>,
}

/// How a model relates to tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// The schema uses no tenancy markers: plain Prisma.
    Unmarked,
    /// `@@tenantRoot`: the tenant itself (e.g. Organization).
    Root,
    /// `@@tenant(key)`: every row belongs to one tenant, through `key`.
    Owned {
        /// The tenant key field.
        key: FieldId,
    },
    /// `@@global`: shared by every tenant (e.g. User).
    Global,
}

/// A model of the schema.
#[derive(Debug, Clone)]
pub struct Model {
    /// Its name in the schema.
    pub name: String,
    /// Table name (`@@map`, else the model name).
    pub db_name: String,
    /// Its `///` lines.
    pub docs: Vec<String>,
    /// Its fields, relations included, in declaration order.
    pub fields: Vec<Field>,
    /// Its primary key.
    pub primary_key: PrimaryKey,
    /// `@unique` and `@@unique`, in declaration order.
    pub uniques: Vec<Index>,
    /// Its non-unique indexes (`@@index`).
    pub indexes: Vec<Index>,
    /// How it relates to tenants.
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
    /// A `view` block: read-only, no table of ours.
    pub view: bool,
    /// `@@schema("name")`: its PostgreSQL schema (multi-schema); `None`: the connection's.
    pub schema: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

impl Model {
    /// The field `id` names.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.0]
    }

    /// Every field's id, in order.
    pub fn field_ids(&self) -> impl Iterator<Item = FieldId> {
        (0..self.fields.len()).map(FieldId)
    }

    /// The field named `name`, if any.
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

/// A primary key (`@id` or `@@id`).
#[derive(Debug, Clone)]
pub struct PrimaryKey {
    /// Its fields.
    pub fields: Vec<FieldId>,
    /// `@@id(name: ...)`: the name of the compound key in the client API.
    pub name: Option<String>,
    /// `map:`: the constraint name in the database.
    pub map: Option<String>,
    /// False when the model has no @id/@@id and a required @unique serves as its identity (Prisma allows it).
    pub declared: bool,
}

/// The order of an index column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// A field of an index, with its options.
#[derive(Debug, Clone)]
pub struct IndexField {
    /// The field.
    pub field: FieldId,
    /// `sort:`.
    pub sort: Option<Sort>,
    /// `length:` (MySQL only; accepted and ignored).
    pub length: Option<u32>,
    /// `ops:`, an operator class.
    pub ops: Option<String>,
}

/// An index or unique constraint.
#[derive(Debug, Clone)]
pub struct Index {
    /// Its fields.
    pub fields: Vec<IndexField>,
    /// `name:` (client API name of a compound unique).
    pub name: Option<String>,
    /// `map:` (database name).
    pub map: Option<String>,
    /// `type:` (BTree, Hash, Gin, Gist, SpGist, Brin).
    pub algorithm: Option<String>,
    /// True for a field-level `@unique`.
    pub from_field: bool,
    /// `where:` of a partial index, as SQL with its parentheses: `("deleted" = false)`, `(n > 0)`.
    pub predicate: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

impl Index {
    /// Its fields' ids.
    pub fn field_ids(&self) -> Vec<FieldId> {
        self.fields.iter().map(|f| f.field).collect()
    }
}

/// Prisma's scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// Text.
    String,
    /// 32-bit integer.
    Int,
    /// 64-bit integer.
    BigInt,
    /// Double-precision float.
    Float,
    /// Exact decimal.
    Decimal,
    /// True or false.
    Boolean,
    /// Date and time.
    DateTime,
    /// A JSON value.
    Json,
    /// Bytes.
    Bytes,
}

impl Scalar {
    /// Every scalar type.
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

    /// Its name in the schema language, e.g. `DateTime`.
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

    /// The scalar type named `name`, if any.
    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Whether a field is required, optional (`?`) or a list (`[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// Required.
    Required,
    /// Optional (`?`).
    Optional,
    /// A list (`[]`).
    List,
}

/// A field's type.
#[derive(Debug, Clone)]
pub enum FieldType {
    /// A scalar.
    Scalar(Scalar),
    /// An enum of the schema.
    Enum(EnumId),
    /// A relation to a model.
    Relation(Relation),
    /// `Unsupported("tsvector")`: exists in the database only.
    Unsupported(String),
}

impl FieldType {
    /// Whether this is a relation.
    pub fn is_relation(&self) -> bool {
        matches!(self, FieldType::Relation(_))
    }

    /// The relation, if this is one.
    pub fn relation(&self) -> Option<&Relation> {
        match self {
            FieldType::Relation(r) => Some(r),
            _ => None,
        }
    }
}

/// `onDelete:` / `onUpdate:` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    /// `Cascade`.
    Cascade,
    /// `Restrict`.
    Restrict,
    /// `NoAction`.
    NoAction,
    /// `SetNull`.
    SetNull,
    /// `SetDefault`.
    SetDefault,
}

impl ReferentialAction {
    /// Every action.
    pub const ALL: [ReferentialAction; 5] = [
        ReferentialAction::Cascade,
        ReferentialAction::Restrict,
        ReferentialAction::NoAction,
        ReferentialAction::SetNull,
        ReferentialAction::SetDefault,
    ];

    /// Its name in the schema language.
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

/// How a relation field's rows correspond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This side holds the foreign key and points at one row.
    ManyToOne,
    /// The list side of a one-to-many relation.
    OneToMany,
    /// One-to-one.
    OneToOne {
        /// Whether this side carries the foreign key.
        holds_fk: bool,
    },
    /// Implicit many-to-many through Prisma's `_RelationName` join table.
    ManyToMany,
}

/// A relation field.
#[derive(Debug, Clone)]
pub struct Relation {
    /// The related model.
    pub target: ModelId,
    /// The relation name (`@relation("...")`), or Prisma's default `AToB` (model names sorted).
    pub name: String,
    /// Scalar fields of this model holding the foreign key (empty on the side without one).
    pub fields: Vec<FieldId>,
    /// Fields of the target model that `fields` reference.
    pub references: Vec<FieldId>,
    /// `onDelete:`.
    pub on_delete: Option<ReferentialAction>,
    /// `onUpdate:`.
    pub on_update: Option<ReferentialAction>,
    /// `map:`: the foreign key constraint name.
    pub map: Option<String>,
    /// The opposite relation field on the target model.
    pub back: FieldId,
    /// How the rows correspond.
    pub kind: RelationKind,
}

/// A literal default value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string.
    Str(String),
    /// As written: `42`, `-1.5`.
    Number(String),
    /// `true` or `false`.
    Bool(bool),
}

/// A field's `@default(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// `autoincrement()`.
    Autoincrement,
    /// `now()`.
    Now,
    /// `cuid()`.
    Cuid,
    /// `uuid()`.
    Uuid,
    /// `nanoid()`.
    Nanoid,
    /// `ulid()`.
    Ulid,
    /// `dbgenerated("...")`: SQL the database evaluates.
    DbGenerated(String),
    /// A literal.
    Literal(Literal),
    /// A variant of the field's enum (index into its values).
    EnumValue(usize),
    /// A list of defaults, for list fields.
    List(Vec<DefaultValue>),
}

/// A field's `@default`.
#[derive(Debug, Clone)]
pub struct Default {
    /// The value.
    pub value: DefaultValue,
    /// `map:`: the default constraint name (accepted for compatibility; PostgreSQL does not name defaults).
    pub map: Option<String>,
}

/// A native type, `@db.VarChar(255)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeType {
    /// As in `@db.VarChar(255)`: `VarChar`.
    pub name: String,
    /// Its arguments: `[255]`.
    pub args: Vec<u32>,
}

/// A field of a model.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name in the schema.
    pub name: String,
    /// Column name (`@map`, else the field name).
    pub db_name: String,
    /// Its `///` lines.
    pub docs: Vec<String>,
    /// Its type.
    pub ty: FieldType,
    /// Required, optional or a list.
    pub arity: Arity,
    /// Its `@default`.
    pub default: Option<Default>,
    /// `@updatedAt`.
    pub updated_at: bool,
    /// Its `@db.*` native type.
    pub native: Option<NativeType>,
    /// `@ignore`: kept in the database, left out of the generated client.
    pub ignored: bool,
    /// `@renamedFrom("oldName")`: a rename hint for migrations (the old field name).
    pub renamed_from: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

impl Field {
    /// Its scalar type, if it is a scalar.
    pub fn scalar(&self) -> Option<Scalar> {
        match self.ty {
            FieldType::Scalar(s) => Some(s),
            _ => None,
        }
    }
}
