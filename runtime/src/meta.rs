//! Model metadata: what the `Model` derive records about each generated struct (table, columns, keys,
//! relations, tenancy), read by the repository layer and by tests.

use std::fmt;

/// Implemented by `#[derive(Model)]` on each generated model struct.
pub trait Model {
    const META: ModelMeta;
}

/// How a model relates to tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenancyMeta {
    /// The schema uses no tenancy markers.
    Unmarked,
    /// The tenant root itself (e.g. Organization).
    Root,
    /// Tenant-owned; rows carry the tenant id in this column.
    Owned { key: &'static str },
    /// Shared by every tenant.
    Global,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKindMeta {
    ManyToOne,
    OneToMany,
    OneToOne,
    ManyToMany,
}

/// How the database fills a column the caller leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKind {
    Autoincrement,
    Now,
    Cuid,
    Uuid,
    Nanoid,
    Ulid,
    DbGenerated,
    Literal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    /// The Rust field name.
    pub field: &'static str,
    /// The column name in the database.
    pub column: &'static str,
    pub default: Option<DefaultKind>,
    pub updated_at: bool,
    pub nullable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationMeta {
    /// The relation's field name in the schema, snake_cased.
    pub field: &'static str,
    /// The target model's name.
    pub target: &'static str,
    pub kind: RelationKindMeta,
    /// The relation name (shared by both sides).
    pub name: &'static str,
    /// Columns of this table joining the relation.
    pub columns: &'static [&'static str],
    /// Columns of the target table they match.
    pub references: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelMeta {
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [ColumnMeta],
    pub primary_key: &'static [&'static str],
    pub uniques: &'static [&'static [&'static str]],
    pub relations: &'static [RelationMeta],
    pub tenancy: TenancyMeta,
}

impl ModelMeta {
    pub fn column(&self, column: &str) -> Option<&ColumnMeta> {
        self.columns.iter().find(|c| c.column == column)
    }

    pub fn relation(&self, field: &str) -> Option<&RelationMeta> {
        self.relations.iter().find(|r| r.field == field)
    }
}

/// The error of `FromStr` on a generated enum: the text is not one of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEnumValue {
    pub enum_name: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownEnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a value of enum {}", self.value, self.enum_name)
    }
}

impl std::error::Error for UnknownEnumValue {}

#[doc(hidden)]
pub fn enum_from_str_error(enum_name: &'static str, value: &str) -> UnknownEnumValue {
    UnknownEnumValue {
        enum_name,
        value: value.to_string(),
    }
}
