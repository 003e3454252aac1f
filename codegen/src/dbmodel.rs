//! The database a schema describes, lowered from the validated model: tables, columns with their SQL
//! types and defaults, keys, indexes, foreign keys, enums, and (for tenant-aware schemas) row-level
//! security. Migrations are diffs between two of these; from-empty DDL is the diff from nothing.
//!
//! For a plain schema this is the database Prisma Migrate creates: Prisma's types, defaults and constraint
//! names. For a tenant-aware schema, tenant-owned tables also get: a primary key led by the tenant key, the
//! tenant key in every unique index, composite foreign keys `(key, x) -> (key, id)` between tenant tables
//! (`SET NULL` only on `x`, no `ON UPDATE` action: ids are immutable), and a forced RLS policy.

use crate::model::*;

/// PostgreSQL's identifier limit.
const MAX_IDENT: usize = 63;

/// The group role the application's login roles are members of; it owns nothing and cannot bypass RLS.
pub const APP_ROLE: &str = "trato_app";
/// The transaction-local setting holding the current tenant, bound by [`SET_TENANT_FN`].
pub const TENANT_SETTING: &str = "trato.tenant_id";
/// `SELECT trato_set_tenant($1)`: binds the tenant with `SET LOCAL` (forwarded by Citus to its workers).
pub const SET_TENANT_FN: &str = "trato_set_tenant";
/// The tenant the current transaction is bound to, or NULL.
pub const CURRENT_TENANT_FN: &str = "trato_current_tenant";
/// The name of every tenant policy (policy names are per table).
pub const POLICY_NAME: &str = "tenant_isolation";
/// `SELECT trato_bind($1, $2, $3)`: binds tenant, role and member with `SET LOCAL` (schemas with a
/// membership model).
pub const BIND_FN: &str = "trato_bind";
/// The membership role bound to the current transaction (`trato.role`), or NULL; `SYSTEM` for the system
/// scope.
pub const CURRENT_ROLE_FN: &str = "trato_current_role";
/// The user bound to the current transaction (`trato.user_id`), or NULL.
pub const CURRENT_USER_FN: &str = "trato_current_user";
/// The role the system scope binds: it may write what any role may.
pub const SYSTEM_ROLE: &str = "SYSTEM";

/// Between a PostgreSQL schema and a name in a qualified name ([`qualified`]). PostgreSQL identifiers
/// cannot contain NUL, so the split is never ambiguous, whatever `@@map` says.
pub const SCHEMA_SEP: char = '\0';

/// The name of a table, type, sequence or index in `schema` (multi-schema): `schema` NUL `name`, which
/// the SQL emitter writes `"schema"."name"`; just `name` in the connection's schema (no `@@schema`, or
/// `public`, which Prisma writes unqualified too).
pub fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) if s != "public" => format!("{s}{SCHEMA_SEP}{name}"),
        _ => name.to_string(),
    }
}

/// `(schema, name)` of a [`qualified`] name.
pub fn split_qualified(name: &str) -> (Option<&str>, &str) {
    match name.split_once(SCHEMA_SEP) {
        Some((s, n)) => (Some(s), n),
        None => (None, name),
    }
}

/// A [`qualified`] name as people read it: `schema.name`.
pub fn shown(name: &str) -> String {
    name.replace(SCHEMA_SEP, ".")
}

/// A [`qualified`] name quoted for SQL: `"name"` or `"schema"."name"`.
pub fn quote_name(name: &str) -> String {
    name.split(SCHEMA_SEP)
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

/// The database a schema describes: what migrations diff, and what `migrate diff --from-empty` creates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbSchema {
    /// Its enum types.
    pub enums: Vec<DbEnum>,
    /// Its tables, join tables included.
    pub tables: Vec<Table>,
    /// True when the schema uses tenancy: the role and the tenant functions exist.
    pub tenancy: bool,
    /// The membership model's table, when the schema marks one.
    pub membership: Option<DbMembership>,
    /// The datasource's `extensions`, created before anything else.
    pub extensions: Vec<DbExtension>,
    /// The datasource's `schemas` (multi-schema), created first.
    pub schemas: Vec<String>,
}

/// A PostgreSQL extension the schema asks for (`extensions = [...]` in the datasource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbExtension {
    /// Its name in PostgreSQL (`map:`, else the name in the list).
    pub name: String,
    /// `schema:`: where its objects go.
    pub schema: Option<String>,
    /// `version:`.
    pub version: Option<String>,
}

/// The membership table, as the role and self-service policies need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbMembership {
    /// The membership table.
    pub table: String,
    /// Its tenant key column.
    pub tenant: String,
    /// Its user id column.
    pub user: String,
    /// Its role column.
    pub role: String,
    /// The role enum's values, highest first.
    pub ranks: Vec<String>,
    /// The tenant root's table and key: a user outside any tenant sees the tenants they belong to.
    pub root_table: String,
    /// The tenant root's key column.
    pub root_id: String,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbEnum {
    /// The type's name in the database.
    pub name: String,
    /// Its values, in declared order.
    pub values: Vec<String>,
    /// The schema's enum name (for rename hints and messages).
    pub source: String,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Its name in the database.
    pub name: String,
    /// The model it comes from (`_AToB` for implicit join tables).
    pub model: String,
    /// Its previous name (`@@renamedFrom`), to rename rather than drop and create.
    pub renamed_from: Option<String>,
    /// Its columns, in order.
    pub columns: Vec<Column>,
    /// Its primary key.
    pub primary_key: Option<PrimaryKeyDef>,
    /// Its indexes, unique ones included.
    pub indexes: Vec<IndexDef>,
    /// Its foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// `Some(column)`: RLS enabled and forced, with the tenant policy on this column.
    pub rls: Option<String>,
    /// Grant the application role what it needs on this table.
    pub grant_app: bool,
    /// `@@writableBy`: the roles that may insert, update and delete (restrictive policies); empty: any.
    pub write_roles: Vec<String>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name in the database.
    pub name: String,
    /// The schema field it comes from (for rename hints and messages).
    pub field: String,
    /// Its previous name (`@renamedFrom`).
    pub renamed_from: Option<String>,
    /// As written in DDL: `TEXT`, `VARCHAR(3)`, `"DealStage"`, `SERIAL`, `TEXT[]`.
    pub ty: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// As written in DDL after `DEFAULT`.
    pub default: Option<String>,
}

/// A primary key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKeyDef {
    /// The constraint's name (`<table>_pkey`).
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A column of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexColumn {
    /// The column.
    pub name: String,
    /// `DESC`.
    pub desc: bool,
    /// An operator class, e.g. `gin_trgm_ops`.
    pub ops: Option<String>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    /// Its name.
    pub name: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// Its columns.
    pub columns: Vec<IndexColumn>,
    /// `USING GIN` etc.; `None` for the default B-tree.
    pub using: Option<String>,
    /// `WHERE ...` of a partial index: unique indexes of soft-deleted models cover live rows only.
    pub predicate: Option<String>,
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Its name (`<table>_<column>_fkey`).
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// The table it references.
    pub ref_table: String,
    /// The columns it references.
    pub ref_columns: Vec<String>,
    /// `ON DELETE ...` as written (`RESTRICT`, `SET NULL ("company_id")`, ...).
    pub on_delete: String,
    /// `ON UPDATE ...` as written, or `None` to leave PostgreSQL's NO ACTION implicit.
    pub on_update: Option<String>,
}

impl DbSchema {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// `{table}_{columns}_{suffix}`, shortened like Prisma's so that it fits PostgreSQL's 63 characters.
pub fn constraint_name(table: &str, columns: &[&str], suffix: &str) -> String {
    let mut base = if columns.is_empty() {
        table.to_string()
    } else {
        format!("{table}_{}", columns.join("_"))
    };
    let max = MAX_IDENT - suffix.len() - 1;
    if base.len() > max {
        let mut cut = max;
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        base.truncate(cut);
    }
    format!("{base}_{suffix}")
}

/// A `Bytes` default's base64 (standard alphabet, padded), decoded; `None` when it is not base64.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn sql_base_type(schema: &Schema, field: &Field) -> String {
    if let Some(n) = &field.native {
        let args = n.args.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let with_args = |name: &str| {
            if args.is_empty() {
                name.to_string()
            } else {
                format!("{name}({args})")
            }
        };
        return match n.name.as_str() {
            "Text" => "TEXT".into(),
            "Char" => with_args("CHAR"),
            "VarChar" => with_args("VARCHAR"),
            "Bit" => with_args("BIT"),
            "VarBit" => with_args("VARBIT"),
            "Uuid" => "UUID".into(),
            "Xml" => "XML".into(),
            "Inet" => "INET".into(),
            "Citext" => "CITEXT".into(),
            "Boolean" => "BOOLEAN".into(),
            "Integer" => "INTEGER".into(),
            "SmallInt" => "SMALLINT".into(),
            "Oid" => "OID".into(),
            "BigInt" => "BIGINT".into(),
            "DoublePrecision" => "DOUBLE PRECISION".into(),
            "Real" => "REAL".into(),
            "Decimal" => with_args("DECIMAL"),
            "Money" => "MONEY".into(),
            "Timestamp" => with_args("TIMESTAMP"),
            "Timestamptz" => with_args("TIMESTAMPTZ"),
            "Date" => "DATE".into(),
            "Time" => with_args("TIME"),
            "Timetz" => with_args("TIMETZ"),
            "Json" => "JSON".into(),
            "JsonB" => "JSONB".into(),
            "ByteA" => "BYTEA".into(),
            other => other.to_uppercase(),
        };
    }
    match &field.ty {
        FieldType::Scalar(s) => match s {
            Scalar::String => "TEXT",
            Scalar::Int => "INTEGER",
            Scalar::BigInt => "BIGINT",
            Scalar::Float => "DOUBLE PRECISION",
            Scalar::Decimal => "DECIMAL(65,30)",
            Scalar::Boolean => "BOOLEAN",
            Scalar::DateTime => "TIMESTAMP(3)",
            Scalar::Json => "JSONB",
            Scalar::Bytes => "BYTEA",
        }
        .to_string(),
        FieldType::Enum(id) => {
            let e = schema.enum_(*id);
            quote_name(&qualified(e.schema.as_deref(), &e.db_name))
        }
        FieldType::Unsupported(t) => t.clone(),
        FieldType::Relation(_) => String::new(),
    }
}

/// The column's type as written in DDL (`SERIAL` for autoincrement, `TEXT[]` for lists).
pub fn column_type(schema: &Schema, field: &Field) -> String {
    let base = sql_base_type(schema, field);
    if matches!(
        field.default.as_ref().map(|d| &d.value),
        Some(DefaultValue::Autoincrement)
    ) {
        return match base.as_str() {
            "BIGINT" => "BIGSERIAL".into(),
            "SMALLINT" => "SMALLSERIAL".into(),
            _ => "SERIAL".into(),
        };
    }
    if field.arity == Arity::List {
        format!("{base}[]")
    } else {
        base
    }
}

fn default_sql(schema: &Schema, field: &Field, value: &DefaultValue) -> Option<String> {
    Some(match value {
        DefaultValue::Autoincrement
        | DefaultValue::Cuid
        | DefaultValue::Uuid
        | DefaultValue::Nanoid
        | DefaultValue::Ulid => return None,
        DefaultValue::Now => "CURRENT_TIMESTAMP".into(),
        DefaultValue::DbGenerated(expr) if expr.is_empty() => return None,
        DefaultValue::DbGenerated(expr) => expr.clone(),
        // A Decimal's default written as a string (`@default("12.50")`) is a number to Prisma.
        DefaultValue::Literal(Literal::Str(s))
            if field.scalar() == Some(Scalar::Decimal) && s.parse::<f64>().is_ok_and(f64::is_finite) =>
        {
            s.clone()
        }
        // As Prisma writes them: a date-time as chrono displays it, bytes in PostgreSQL's hex format.
        DefaultValue::Literal(Literal::Str(s)) if field.scalar() == Some(Scalar::DateTime) => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => quote_literal(&t.to_string()),
                Err(_) => quote_literal(s),
            }
        }
        DefaultValue::Literal(Literal::Str(s)) if field.scalar() == Some(Scalar::Bytes) => match decode_base64(s) {
            Some(bytes) => format!("'\\x{}'", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            None => quote_literal(s),
        },
        DefaultValue::Literal(Literal::Str(s)) => quote_literal(s),
        DefaultValue::Literal(Literal::Number(n)) => n.clone(),
        DefaultValue::Literal(Literal::Bool(b)) => b.to_string(),
        DefaultValue::EnumValue(i) => match &field.ty {
            FieldType::Enum(e) => quote_literal(&schema.enum_(*e).values[*i].db_name),
            _ => return None,
        },
        DefaultValue::List(items) => {
            let rendered: Vec<String> = items.iter().filter_map(|v| default_sql(schema, field, v)).collect();
            format!("ARRAY[{}]::{}", rendered.join(", "), column_type(schema, field))
        }
    })
}

fn action_sql(a: ReferentialAction) -> &'static str {
    match a {
        ReferentialAction::Cascade => "CASCADE",
        ReferentialAction::Restrict => "RESTRICT",
        ReferentialAction::NoAction => "NO ACTION",
        ReferentialAction::SetNull => "SET NULL",
        ReferentialAction::SetDefault => "SET DEFAULT",
    }
}

fn tenant_key(model: &Model) -> Option<&Field> {
    match model.tenancy {
        Tenancy::Owned { key } => Some(model.field(key)),
        _ => None,
    }
}

/// Lowers a validated schema to the database it describes.
pub fn lower(schema: &Schema) -> DbSchema {
    let mut db = DbSchema {
        tenancy: schema.uses_tenancy(),
        ..DbSchema::default()
    };
    for e in &schema.enums {
        db.enums.push(DbEnum {
            name: qualified(e.schema.as_deref(), &e.db_name),
            values: e.values.iter().map(|v| v.db_name.clone()).collect(),
            source: e.name.clone(),
        });
    }
    // A view is the database's own (created by hand in a migration): no table of ours.
    for model in schema.models.iter().filter(|m| !m.view) {
        db.tables.push(lower_model(schema, model));
    }
    db.tables.extend(join_tables(schema));
    if let Some(ds) = &schema.datasource {
        // relationMode = "prisma": the client keeps relations; the database gets no foreign keys.
        if ds.relation_mode_prisma {
            for t in &mut db.tables {
                t.foreign_keys.clear();
            }
        }
        db.schemas = ds.schemas.clone();
        db.extensions = ds
            .extensions
            .iter()
            .map(|(name, schema, version)| DbExtension {
                name: name.clone(),
                schema: schema.clone(),
                version: version.clone(),
            })
            .collect();
    }
    db.membership = schema.membership.as_ref().and_then(|ms| {
        let m = schema.model(ms.model);
        let root = schema.model(schema.tenant_root?);
        Some(DbMembership {
            table: m.db_name.clone(),
            tenant: tenant_key(m)?.db_name.clone(),
            user: m.field(ms.user).db_name.clone(),
            role: m.field(ms.role).db_name.clone(),
            ranks: ms.ranks.clone(),
            root_table: root.db_name.clone(),
            root_id: root.field(*root.primary_key.fields.first()?).db_name.clone(),
        })
    });
    db
}

fn lower_model(schema: &Schema, model: &Model) -> Table {
    let key = tenant_key(model);
    let columns: Vec<Column> = model
        .columns()
        .map(|(_, f)| Column {
            name: f.db_name.clone(),
            field: f.name.clone(),
            renamed_from: f.renamed_from.clone(),
            ty: column_type(schema, f),
            // Prisma leaves scalar lists nullable (`TEXT[]`, no NOT NULL).
            not_null: f.arity == Arity::Required,
            default: f.default.as_ref().and_then(|d| default_sql(schema, f, &d.value)),
        })
        .collect();
    let cols = |ids: &[FieldId]| -> Vec<String> { ids.iter().map(|f| model.field(*f).db_name.clone()).collect() };
    // Tenant-owned: the key leads the primary key and joins every unique index.
    let with_key = |mut c: Vec<String>| -> Vec<String> {
        if let Some(k) = key {
            if !c.contains(&k.db_name) {
                c.insert(0, k.db_name.clone());
            }
        }
        c
    };
    let primary_key = model.primary_key.declared.then(|| {
        let columns = with_key(cols(&model.primary_key.fields));
        PrimaryKeyDef {
            name: model
                .primary_key
                .map
                .clone()
                .unwrap_or_else(|| constraint_name(&model.db_name, &[], "pkey")),
            columns,
        }
    });
    // Prisma's order: a field's @unique, then @@index, then @@unique, each in declaration order.
    let (mut indexes, mut block_uniques) = (Vec::new(), Vec::new());
    for u in &model.uniques {
        let columns = with_key(cols(&u.field_ids()));
        let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
        let sorts: Vec<Option<Sort>> = u.fields.iter().map(|f| f.sort).collect();
        let mut idx_cols: Vec<IndexColumn> = columns
            .iter()
            .map(|c| IndexColumn {
                name: c.clone(),
                desc: false,
                ops: None,
            })
            .collect();
        let offset = idx_cols.len() - sorts.len();
        for (i, s) in sorts.iter().enumerate() {
            idx_cols[offset + i].desc = *s == Some(Sort::Desc);
        }
        let list = if u.from_field { &mut indexes } else { &mut block_uniques };
        list.push(IndexDef {
            name: u
                .map
                .clone()
                .unwrap_or_else(|| constraint_name(&model.db_name, &refs, "key")),
            unique: true,
            columns: idx_cols,
            using: None,
            // `where:`, else (soft-deleted models) the live rows only.
            predicate: u.predicate.clone().or_else(|| {
                model
                    .soft_delete
                    .map(|f| format!("\"{}\" IS NULL", model.field(f).db_name))
            }),
        });
    }
    for i in &model.indexes {
        let names: Vec<String> = i.fields.iter().map(|f| model.field(f.field).db_name.clone()).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let columns = i
            .fields
            .iter()
            .map(|f| IndexColumn {
                name: model.field(f.field).db_name.clone(),
                desc: f.sort == Some(Sort::Desc),
                ops: f.ops.clone(),
            })
            .collect();
        let using = i.algorithm.as_deref().filter(|a| *a != "BTree").map(|a| match a {
            "SpGist" => "SPGIST".to_string(),
            other => other.to_uppercase(),
        });
        indexes.push(IndexDef {
            // `map:`, else `name:` (Prisma takes either as an index's name), else Prisma's default.
            name: i
                .map
                .clone()
                .or_else(|| i.name.clone())
                .unwrap_or_else(|| constraint_name(&model.db_name, &refs, "idx")),
            unique: false,
            columns,
            using,
            predicate: i.predicate.clone(),
        });
    }
    indexes.extend(block_uniques);
    let mut foreign_keys = Vec::new();
    for f in &model.fields {
        let Some(rel) = f.ty.relation() else { continue };
        if rel.fields.is_empty() {
            continue;
        }
        let target = schema.model(rel.target);
        let fk_cols = cols(&rel.fields);
        let ref_cols: Vec<String> = rel
            .references
            .iter()
            .map(|r| target.field(*r).db_name.clone())
            .collect();
        let refs: Vec<&str> = fk_cols.iter().map(String::as_str).collect();
        let name = rel
            .map
            .clone()
            .unwrap_or_else(|| constraint_name(&model.db_name, &refs, "fkey"));
        let optional = rel.fields.iter().any(|x| model.field(*x).arity == Arity::Optional);
        let on_delete = rel.on_delete.unwrap_or(if optional {
            ReferentialAction::SetNull
        } else {
            ReferentialAction::Restrict
        });
        let on_update = rel.on_update.unwrap_or(ReferentialAction::Cascade);
        match (key, tenant_key(target)) {
            (Some(k), Some(tk)) if !fk_cols.contains(&k.db_name) => {
                // Composite tenant foreign key: a row can only reference a row of its own tenant.
                let delete = match on_delete {
                    ReferentialAction::SetNull => format!(
                        "SET NULL ({})",
                        fk_cols
                            .iter()
                            .map(|c| format!("\"{c}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    ReferentialAction::SetDefault => format!(
                        "SET DEFAULT ({})",
                        fk_cols
                            .iter()
                            .map(|c| format!("\"{c}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    other => action_sql(other).to_string(),
                };
                let mut columns = vec![k.db_name.clone()];
                columns.extend(fk_cols.clone());
                let mut ref_columns = vec![tk.db_name.clone()];
                ref_columns.extend(ref_cols);
                foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    ref_table: qualified(target.schema.as_deref(), &target.db_name),
                    ref_columns,
                    on_delete: delete,
                    on_update: None,
                });
            }
            _ => foreign_keys.push(ForeignKey {
                name,
                columns: fk_cols,
                ref_table: qualified(target.schema.as_deref(), &target.db_name),
                ref_columns: ref_cols,
                on_delete: action_sql(on_delete).to_string(),
                on_update: Some(action_sql(on_update).to_string()),
            }),
        }
    }
    let rls = match model.tenancy {
        Tenancy::Owned { key } => Some(model.field(key).db_name.clone()),
        Tenancy::Root => model
            .primary_key
            .fields
            .first()
            .map(|f| model.field(*f).db_name.clone()),
        _ => None,
    };
    Table {
        name: qualified(model.schema.as_deref(), &model.db_name),
        model: model.name.clone(),
        renamed_from: model.renamed_from.clone(),
        columns,
        primary_key,
        indexes,
        foreign_keys,
        rls,
        grant_app: schema.uses_tenancy(),
        write_roles: model.write_roles.clone(),
    }
}

/// Prisma's implicit many-to-many tables: `_{relation}` with columns `A` and `B` (A for the model whose name
/// sorts first), primary key `(A, B)`, an index on `B`, and cascading foreign keys.
fn join_tables(schema: &Schema) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::new();
    for model in &schema.models {
        for f in &model.fields {
            let Some(rel) = f.ty.relation() else { continue };
            if rel.kind != RelationKind::ManyToMany {
                continue;
            }
            let target = schema.model(rel.target);
            // Listed from the side whose model sorts first (column A), as Prisma lists them.
            if model.name > target.name {
                continue;
            }
            let name = format!("_{}", rel.name);
            let (a, b) = if model.name <= target.name {
                (model, target)
            } else {
                (target, model)
            };
            // In A's schema, as Prisma puts it.
            let table = qualified(a.schema.as_deref(), &name);
            if out.iter().any(|t| t.name == table) {
                continue;
            }
            let id_col = |m: &Model| {
                let pk = m.field(m.primary_key.fields[0]);
                let mut ty = sql_base_type(schema, pk);
                if matches!(pk.default.as_ref().map(|d| &d.value), Some(DefaultValue::Autoincrement)) && ty == "TEXT" {
                    ty = "INTEGER".into();
                }
                (pk.db_name.clone(), ty)
            };
            let (a_id, a_ty) = id_col(a);
            let (b_id, b_ty) = id_col(b);
            let col = |n: &str, ty: String| Column {
                name: n.into(),
                field: n.into(),
                renamed_from: None,
                ty,
                not_null: true,
                default: None,
            };
            // Between tenant-owned models the link belongs to a tenant too: the tenant key (A's, else B's)
            // leads the table, its keys and its indexes, each tenant-owned side is referenced through the
            // composite `(key, id)` (so a link cannot join two tenants, even though foreign key checks
            // bypass RLS), and RLS is forced on it like on every tenant table.
            let key = tenant_key(a)
                .or(tenant_key(b))
                .map(|k| (k.db_name.clone(), sql_base_type(schema, k)));
            let fk = |c: &str, t: &Model, id: &str| match (&key, tenant_key(t)) {
                (Some((k, _)), Some(tk)) => ForeignKey {
                    name: constraint_name(&name, &[c], "fkey"),
                    columns: vec![k.clone(), c.into()],
                    ref_table: qualified(t.schema.as_deref(), &t.db_name),
                    ref_columns: vec![tk.db_name.clone(), id.into()],
                    on_delete: "CASCADE".into(),
                    on_update: None,
                },
                _ => ForeignKey {
                    name: constraint_name(&name, &[c], "fkey"),
                    columns: vec![c.into()],
                    ref_table: qualified(t.schema.as_deref(), &t.db_name),
                    ref_columns: vec![id.into()],
                    on_delete: "CASCADE".into(),
                    on_update: Some("CASCADE".into()),
                },
            };
            let lead = |c: &[&str]| -> Vec<String> {
                key.iter()
                    .map(|(k, _)| k.clone())
                    .chain(c.iter().map(|c| c.to_string()))
                    .collect()
            };
            let mut columns = vec![col("A", a_ty), col("B", b_ty)];
            if let Some((k, ty)) = &key {
                columns.insert(0, col(k, ty.clone()));
            }
            out.push(Table {
                name: table,
                model: name.clone(),
                renamed_from: None,
                columns,
                primary_key: Some(PrimaryKeyDef {
                    name: constraint_name(&name, &["AB"], "pkey"),
                    columns: lead(&["A", "B"]),
                }),
                indexes: vec![IndexDef {
                    name: constraint_name(&name, &["B"], "index"),
                    unique: false,
                    columns: lead(&["B"])
                        .into_iter()
                        .map(|name| IndexColumn {
                            name,
                            desc: false,
                            ops: None,
                        })
                        .collect(),
                    using: None,
                    predicate: None,
                }],
                foreign_keys: vec![fk("A", a, &a_id), fk("B", b, &b_id)],
                rls: key.as_ref().map(|(k, _)| k.clone()),
                grant_app: schema.uses_tenancy(),
                write_roles: Vec::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::constraint_name;

    #[test]
    fn names_fit_postgres_limits() {
        assert_eq!(constraint_name("User", &["email"], "key"), "User_email_key");
        assert_eq!(constraint_name("User", &[], "pkey"), "User_pkey");
        let long = constraint_name(
            &"t".repeat(40),
            &["a_very_long_column_name", "another_long_one"],
            "fkey",
        );
        assert_eq!(long.len(), 63);
        assert!(long.ends_with("_fkey"));
    }
}
