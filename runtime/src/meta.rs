//! Model metadata: what the `Model` derive records about each generated struct (table, columns, keys,
//! relations, tenancy), read by the repository layer and by tests.

use std::fmt;

/// Implemented by `#[derive(Model)]` on each generated model struct.
pub trait Model: Sized + Send + Sync + 'static {
    /// Everything the runtime knows about the model: table, columns, keys, relations, tenancy.
    const META: ModelMeta;
    /// What `create` takes: every column except the tenant key, defaulted ones optional.
    type Create: CreateInput;
    /// What `update` takes: each column left alone unless set.
    type Update: UpdateInput;
    /// Reads a row of the model's columns, in declaration order (as every repository selects them).
    fn from_row(row: &tokio_postgres::Row) -> Result<Self, crate::Error>;
    /// The value of a key-like column (string, integer or UUID) of this row, for relation loading.
    fn key(&self, column: &str) -> Option<Key>;
}

/// Models owned by a tenant: reachable only through a tenant scope.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not tenant-owned, so `repo::<{Self}>()` of a scope does not take it",
    label = "not a `@@tenant(...)` model",
    note = "a global model comes from `db.repo::<{Self}>()` (or `scope.global::<{Self}>()` inside the scope's transaction); the tenant root from `scope.root::<{Self}>()`"
)]
pub trait TenantOwned: Model {}
/// The tenant root (e.g. Organization): reachable only as the scope's own tenant.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the tenant root, so `root::<{Self}>()` does not take it",
    label = "not the `@@tenantRoot` model",
    note = "a tenant-owned model comes from `scope.repo::<{Self}>()`, a global one from `db.repo::<{Self}>()`"
)]
pub trait TenantRoot: Model {}
/// Models every writer may write (no `@@writableBy`): what a [`crate::ReadWrite`] scope writes.
pub trait OpenWrite: Writable {}

/// Models whose rows application code may write: every model but a `view` (the derive implements it).
/// The system scope writes any of them; nobody writes a view.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a view: it has no create, update or delete",
    label = "read-only",
    note = "a `view` block of the schema is read through `find_*`, `count` and `aggregate` only"
)]
pub trait Writable: Model {}
/// Models shared by every tenant (and the models of a schema without tenancy).
#[diagnostic::on_unimplemented(
    message = "`{Self}` belongs to a tenant: it has no repository outside a tenant scope",
    label = "tenant data: reach it through a scope",
    note = "check the membership first, then use the scope: `let scope = scope(&db, user_id, org_id).await?.write()?;` and `scope.repo::<{Self}>()` (the tenant root: `scope.root::<{Self}>()`); a job without a user uses `system(&db, reason).tenant(org_id)`"
)]
pub trait Global: Model {}

/// The columns a create sets: `(column, value)` pairs for the fields given.
pub trait CreateInput: Send + Sync {
    /// The `(column, value)` pairs to insert.
    fn into_values(self) -> Vec<(&'static str, crate::query::Param)>;
}

/// The columns an update sets.
pub trait UpdateInput: Send + Sync {
    /// The `(column, value)` pairs to set.
    fn into_values(self) -> Vec<(&'static str, crate::query::Param)>;
}

/// A value for a nullable column: the value itself, or an `Option` of it (`None` for NULL), so that
/// `.company_id(id)`, `.company_id(Some(id))`, `.company_id(None)` and `.company_id("cm1...")` all read as
/// written, in create and update inputs alike. (No impl for `Option<&str>`: it would make `None` and
/// `Some(x.into())` ambiguous for text columns.)
pub trait Nullable<T> {
    /// The value, `None` for NULL.
    fn into_nullable(self) -> Option<T>;
}

impl<T> Nullable<T> for T {
    fn into_nullable(self) -> Option<T> {
        Some(self)
    }
}

impl<T> Nullable<T> for Option<T> {
    fn into_nullable(self) -> Option<T> {
        self
    }
}

impl Nullable<String> for &str {
    fn into_nullable(self) -> Option<String> {
        Some(self.to_string())
    }
}

/// A field of an update input: left alone, or set (to `None` for SQL NULL on a nullable column).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    /// Not part of the update.
    #[default]
    Leave,
    /// Set to this value.
    Set(T),
}

/// A key value, for matching related rows in memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A text key.
    Str(String),
    /// A `SMALLINT` key.
    I16(i16),
    /// An `INTEGER` key.
    I32(i32),
    /// A `BIGINT` key.
    I64(i64),
    /// A `UUID` key.
    Uuid(uuid::Uuid),
}

/// Values that can be keys (see [`Model::key`]).
pub trait AsKey {
    /// The value as a key; `None` for NULL.
    fn as_key(&self) -> Option<Key>;
}

impl AsKey for Key {
    fn as_key(&self) -> Option<Key> {
        Some(self.clone())
    }
}
impl AsKey for String {
    fn as_key(&self) -> Option<Key> {
        Some(Key::Str(self.clone()))
    }
}
impl AsKey for i16 {
    fn as_key(&self) -> Option<Key> {
        Some(Key::I16(*self))
    }
}
impl AsKey for i32 {
    fn as_key(&self) -> Option<Key> {
        Some(Key::I32(*self))
    }
}
impl AsKey for i64 {
    fn as_key(&self) -> Option<Key> {
        Some(Key::I64(*self))
    }
}
impl AsKey for uuid::Uuid {
    fn as_key(&self) -> Option<Key> {
        Some(Key::Uuid(*self))
    }
}
impl<T: AsKey> AsKey for Option<T> {
    fn as_key(&self) -> Option<Key> {
        self.as_ref().and_then(AsKey::as_key)
    }
}

/// How a model relates to tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenancyMeta {
    /// The schema uses no tenancy markers.
    Unmarked,
    /// The tenant root itself (e.g. Organization).
    Root,
    /// Tenant-owned: rows carry the tenant id.
    Owned {
        /// The tenant key column.
        key: &'static str,
    },
    /// Shared by every tenant.
    Global,
}

/// How a relation's rows correspond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKindMeta {
    /// Many of these rows point at one target row.
    ManyToOne,
    /// One row here, many target rows pointing at it.
    OneToMany,
    /// At most one target row on each side.
    OneToOne,
    /// Through Prisma's implicit join table `_<relation>`.
    ManyToMany,
}

/// How the database fills a column the caller leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKind {
    /// `@default(autoincrement())`.
    Autoincrement,
    /// `@default(now())`.
    Now,
    /// `@default(cuid())`.
    Cuid,
    /// `@default(uuid())`.
    Uuid,
    /// `@default(nanoid())`.
    Nanoid,
    /// `@default(ulid())`.
    Ulid,
    /// `@default(dbgenerated(...))`: the database computes it.
    DbGenerated,
    /// A constant default the database applies.
    Literal,
}

/// A column of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    /// The Rust field name.
    pub field: &'static str,
    /// The column name in the database.
    pub column: &'static str,
    /// The SQL type (for array casts in bulk inserts), e.g. `TEXT`, `"DealStage"`.
    pub sql_type: &'static str,
    /// How the column gets a value when a create leaves it out.
    pub default: Option<DefaultKind>,
    /// `@updatedAt`: set to now on every update.
    pub updated_at: bool,
    /// Whether the column accepts NULL.
    pub nullable: bool,
}

/// A relation of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationMeta {
    /// The relation's field name in the schema, snake_cased.
    pub field: &'static str,
    /// The target model's name.
    pub target: &'static str,
    /// How the rows correspond.
    pub kind: RelationKindMeta,
    /// The relation name (shared by both sides).
    pub name: &'static str,
    /// Columns of this table joining the relation.
    pub columns: &'static [&'static str],
    /// Columns of the target table they match.
    pub references: &'static [&'static str],
}

/// What the runtime knows about a model: generated by `#[derive(Model)]` from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelMeta {
    /// The model's name in the schema.
    pub name: &'static str,
    /// Its table.
    pub table: &'static str,
    /// `@@schema` (multi-schema): the PostgreSQL schema of its table; `None`: the connection's.
    pub schema: Option<&'static str>,
    /// Its columns, in declaration order.
    pub columns: &'static [ColumnMeta],
    /// The primary key's columns.
    pub primary_key: &'static [&'static str],
    /// Each unique constraint's columns.
    pub uniques: &'static [&'static [&'static str]],
    /// Its relations.
    pub relations: &'static [RelationMeta],
    /// Where its rows belong: a tenant, every tenant, or (the root) a tenant itself.
    pub tenancy: TenancyMeta,
    /// `@@audit`: writes through repositories record an audit row in the same statement.
    pub audited: bool,
    /// The `@softDelete` column: `delete` sets it, reads skip rows where it is set.
    pub soft_delete: Option<&'static str>,
    /// `@@writableBy`: the membership roles that may write this model (empty: any writer). Checked by the
    /// repositories and, with restrictive policies, by the database.
    pub write_roles: &'static [&'static str],
}

impl ModelMeta {
    /// Its table as SQL names it: `"table"`, or `"schema"."table"`.
    pub fn sql_table(&self) -> String {
        let mut sql = String::with_capacity(self.table.len() + 8);
        self.push_table(&mut sql);
        sql
    }

    /// Appends [`ModelMeta::sql_table`] to `sql`.
    pub(crate) fn push_table(&self, sql: &mut String) {
        if let Some(schema) = self.schema {
            crate::query::push_q(sql, schema);
            sql.push('.');
        }
        crate::query::push_q(sql, self.table);
    }

    /// The tenant key column of a tenant-owned model.
    pub fn tenant_key(&self) -> Option<&'static str> {
        match self.tenancy {
            TenancyMeta::Owned { key } => Some(key),
            _ => None,
        }
    }

    /// The column named `column` (its database name).
    pub fn column(&self, column: &str) -> Option<&ColumnMeta> {
        self.columns.iter().find(|c| c.column == column)
    }

    /// The relation whose field is `field`.
    pub fn relation(&self, field: &str) -> Option<&RelationMeta> {
        self.relations.iter().find(|r| r.field == field)
    }
}

/// The error of `FromStr` on a generated enum: the text is not one of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEnumValue {
    /// The enum's name.
    pub enum_name: &'static str,
    /// The text that is not one of its values.
    pub value: String,
}

impl fmt::Display for UnknownEnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a value of enum {}", self.value, self.enum_name)
    }
}

impl std::error::Error for UnknownEnumValue {}

/// The input types of the stub `Model` impl emitted beside derive errors.
#[doc(hidden)]
#[derive(Debug)]
pub struct NoInput;

impl CreateInput for NoInput {
    fn into_values(self) -> Vec<(&'static str, crate::query::Param)> {
        Vec::new()
    }
}

impl UpdateInput for NoInput {
    fn into_values(self) -> Vec<(&'static str, crate::query::Param)> {
        Vec::new()
    }
}

#[doc(hidden)]
pub fn enum_from_str_error(enum_name: &'static str, value: &str) -> UnknownEnumValue {
    UnknownEnumValue {
        enum_name,
        value: value.to_string(),
    }
}
