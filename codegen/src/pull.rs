//! `db pull`: a schema from what a live database holds, following Prisma's introspection conventions
//! (model and field names from tables and columns, `@map`/`@@map` where a name is not an identifier,
//! native types as `@db.*`, relations on both sides named after their models, Prisma's default constraint
//! names left out and others kept with `map:`, enums), recognising this library's tenancy DDL and writing
//! its markers back. Pure: the CLI reads the catalog into a [`Catalog`] and writes the text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the database holds, as read from its catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Tables of the connection's schema (the migrator's history table left out), by name.
    pub tables: Vec<PulledTable>,
    /// Enums, by name.
    pub enums: Vec<PulledEnum>,
    /// The tenancy functions exist (`trato_current_tenant`).
    pub tenancy: bool,
}

/// A table.
#[derive(Debug, Clone, Default)]
pub struct PulledTable {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<PulledColumn>,
    /// The primary key: name and columns.
    pub primary_key: Option<(String, Vec<String>)>,
    /// Indexes, unique ones included (not the primary key's).
    pub indexes: Vec<PulledIndex>,
    /// Foreign keys.
    pub foreign_keys: Vec<PulledForeignKey>,
    /// Its row-level security policies: name, and `USING` then `WITH CHECK` expressions (as `pg_policies`
    /// shows them).
    pub policies: Vec<(String, String)>,
}

/// A column.
#[derive(Debug, Clone, Default)]
pub struct PulledColumn {
    /// Its name.
    pub name: String,
    /// `format_type()` of its type, element type for arrays (`text`, `character varying(3)`).
    pub ty: String,
    /// An enum's name when the (element) type is an enum.
    pub enum_name: Option<String>,
    /// An array.
    pub array: bool,
    /// `NOT NULL`.
    pub not_null: bool,
    /// Its default as `pg_get_expr` shows it.
    pub default: Option<String>,
}

/// An index.
#[derive(Debug, Clone, Default)]
pub struct PulledIndex {
    /// Its name.
    pub name: String,
    /// Columns with descending order.
    pub columns: Vec<(String, bool)>,
    /// Unique.
    pub unique: bool,
    /// The access method (`btree`, `gin`, ...).
    pub method: String,
}

/// A foreign key.
#[derive(Debug, Clone, Default)]
pub struct PulledForeignKey {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// The table referenced.
    pub ref_table: String,
    /// The columns referenced.
    pub ref_columns: Vec<String>,
    /// `pg_constraint.confdeltype` (`a` no action, `r` restrict, `c` cascade, `n` set null, `d` set default).
    pub on_delete: char,
    /// `pg_constraint.confupdtype`.
    pub on_update: char,
}

/// An enum.
#[derive(Debug, Clone, Default)]
pub struct PulledEnum {
    /// Its name.
    pub name: String,
    /// Its values in order.
    pub values: Vec<String>,
}

/// Names to keep from an existing schema: table → model name, (table, column) → field name.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Model names by table.
    pub models: BTreeMap<String, String>,
    /// Field names by table and column.
    pub fields: BTreeMap<(String, String), String>,
    /// Enum names by database name.
    pub enums: BTreeMap<String, String>,
}

/// The whole schema's blocks (no datasource or generator): models in table order, then enums.
pub fn render(catalog: &Catalog, names: &Names) -> String {
    let mut out = String::new();
    for t in catalog.tables.iter().filter(|t| join_table(catalog, t).is_none()) {
        out.push_str(&render_model(catalog, t, names));
        out.push('\n');
    }
    for e in &catalog.enums {
        out.push_str(&render_enum(e, names));
        out.push('\n');
    }
    out
}

/// One enum block.
pub fn render_enum(e: &PulledEnum, names: &Names) -> String {
    let (name, map) = ident(names.enums.get(&e.name).map_or(&e.name, |n| n));
    let mut s = format!("enum {name} {{\n");
    for v in &e.values {
        let (value, vmap) = ident(v);
        match vmap {
            Some(m) => writeln!(s, "  {value} @map({})", lit(m)).ok(),
            None => writeln!(s, "  {value}").ok(),
        };
    }
    if let Some(m) = map.filter(|_| !names.enums.contains_key(&e.name)) {
        writeln!(s, "\n  @@map({})", lit(m)).ok();
    } else if names.enums.get(&e.name).is_some_and(|n| *n != e.name) {
        writeln!(s, "\n  @@map({})", lit(&e.name)).ok();
    }
    s.push_str("}\n");
    s
}

/// `name` as an identifier, and the original when it had to change.
fn ident(name: &str) -> (String, Option<&str>) {
    let valid =
        name.chars().next().is_some_and(|c| c.is_alphabetic()) && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if valid {
        return (name.to_string(), None);
    }
    let mut s: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if !s.chars().next().is_some_and(|c| c.is_alphabetic()) {
        s.insert(0, 'c');
    }
    (s, Some(name))
}

fn lit(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn model_name(names: &Names, table: &str) -> String {
    names.models.get(table).cloned().unwrap_or_else(|| ident(table).0)
}

fn field_name(names: &Names, table: &str, column: &str) -> (String, bool) {
    match names.fields.get(&(table.to_string(), column.to_string())) {
        Some(f) => (f.clone(), f != column),
        None => {
            let (f, map) = ident(column);
            (f, map.is_some())
        }
    }
}

/// The tenant key of a table our tenancy DDL isolates (from its `tenant_isolation` policy).
fn tenant_key(t: &PulledTable) -> Option<String> {
    let (_, using) = t.policies.iter().find(|(n, _)| n == "tenant_isolation")?;
    let at = using.find(" = ( SELECT trato_current_tenant()")?;
    let col = using[..at].trim_start_matches('(').trim();
    Some(col.trim_matches('"').to_string())
}

/// Whether `t` is an implicit many-to-many join table, written as list fields on both sides, not as a model.
pub fn is_join_table(catalog: &Catalog, t: &PulledTable) -> bool {
    join_table(catalog, t).is_some()
}

/// An implicit many-to-many join table (`_AToB` with columns `A` and `B`): the two tables it links.
fn join_table<'a>(catalog: &'a Catalog, t: &PulledTable) -> Option<(&'a PulledTable, &'a PulledTable)> {
    if !t.name.starts_with('_') || t.columns.len() != 2 || t.columns[0].name != "A" || t.columns[1].name != "B" {
        return None;
    }
    let target = |col: &str| {
        let fk = t.foreign_keys.iter().find(|f| f.columns == [col])?;
        catalog.tables.iter().find(|x| x.name == fk.ref_table)
    };
    Some((target("A")?, target("B")?))
}

fn scalar_type(c: &PulledColumn, names: &Names) -> (String, Option<String>) {
    if let Some(e) = &c.enum_name {
        return (ident(names.enums.get(e).map_or(e, |n| n)).0, None);
    }
    let ty = c.ty.as_str();
    let args = |t: &str| {
        t.find('(')
            .map(|i| t[i + 1..t.find(')').unwrap_or(t.len())].replace(',', ", "))
    };
    let native = |name: &str, t: &str| match args(t) {
        Some(a) => format!("@db.{name}({a})"),
        None => format!("@db.{name}"),
    };
    let (base, db) = match ty {
        "text" => ("String", None),
        "integer" => ("Int", None),
        "smallint" => ("Int", Some("@db.SmallInt".to_string())),
        "oid" => ("Int", Some("@db.Oid".into())),
        "bigint" => ("BigInt", None),
        "double precision" => ("Float", None),
        "real" => ("Float", Some("@db.Real".into())),
        "numeric(65,30)" => ("Decimal", None),
        "money" => ("Decimal", Some("@db.Money".into())),
        "boolean" => ("Boolean", None),
        "timestamp(3) without time zone" => ("DateTime", None),
        "date" => ("DateTime", Some("@db.Date".into())),
        "jsonb" => ("Json", None),
        "json" => ("Json", Some("@db.Json".into())),
        "bytea" => ("Bytes", None),
        "uuid" => ("String", Some("@db.Uuid".into())),
        "inet" => ("String", Some("@db.Inet".into())),
        "citext" => ("String", Some("@db.Citext".into())),
        "xml" => ("String", Some("@db.Xml".into())),
        t if t.starts_with("character varying") => ("String", Some(native("VarChar", t))),
        t if t.starts_with("character(") || t == "character" => ("String", Some(native("Char", t))),
        t if t.starts_with("bit varying") => ("String", Some(native("VarBit", t))),
        t if t.starts_with("bit(") => ("String", Some(native("Bit", t))),
        t if t.starts_with("numeric") => ("Decimal", Some(native("Decimal", t))),
        t if t.starts_with("timestamp") && t.ends_with("with time zone") && !t.ends_with("without time zone") => {
            ("DateTime", Some(native("Timestamptz", t)))
        }
        t if t.starts_with("timestamp") => ("DateTime", Some(native("Timestamp", t))),
        t if t.starts_with("time") && t.ends_with("with time zone") && !t.ends_with("without time zone") => {
            ("DateTime", Some(native("Timetz", t)))
        }
        t if t.starts_with("time") => ("DateTime", Some(native("Time", t))),
        other => return (format!("Unsupported({})", lit(other)), None),
    };
    (base.to_string(), db)
}

/// A default as Prisma writes it, from `pg_get_expr`.
fn default_attr(c: &PulledColumn, names: &Names) -> Option<String> {
    let d = c.default.as_deref()?;
    if d.starts_with("nextval(") {
        return Some("autoincrement()".into());
    }
    if d == "CURRENT_TIMESTAMP" || d == "now()" {
        return Some("now()".into());
    }
    if d == "true" || d == "false" {
        return Some(d.into());
    }
    if d.parse::<f64>().is_ok() {
        return Some(d.into());
    }
    if let Some(rest) = d.strip_prefix('\'') {
        if let Some(end) = rest.rfind("'::") {
            let value = rest[..end].replace("''", "'");
            let cast = &rest[end + 3..];
            if c.enum_name.is_some() && !c.array {
                return Some(ident(&value).0);
            }
            if ["integer", "bigint", "smallint", "numeric", "double precision", "real"].contains(&cast) {
                return Some(value);
            }
            if !c.array {
                return Some(lit(&value));
            }
        }
    }
    let _ = names;
    Some(format!("dbgenerated({})", lit(d)))
}

fn action(a: char) -> &'static str {
    match a {
        'c' => "Cascade",
        'r' => "Restrict",
        'n' => "SetNull",
        'd' => "SetDefault",
        _ => "NoAction",
    }
}

/// One model block.
pub fn render_model(catalog: &Catalog, t: &PulledTable, names: &Names) -> String {
    let model = model_name(names, &t.name);
    let tenant = if catalog.tenancy { tenant_key(t) } else { None };
    // The tenancy DDL leads keys with the tenant column; the schema does not.
    let strip = |cols: &[String]| -> Vec<String> {
        match &tenant {
            Some(k) if cols.len() > 1 && cols[0] == *k => cols[1..].to_vec(),
            _ => cols.to_vec(),
        }
    };
    let mut lines: Vec<(String, String, Vec<String>)> = Vec::new();
    let pk = t.primary_key.as_ref().map(|(n, c)| (n.clone(), strip(c)));
    let single_pk = pk.as_ref().filter(|(_, c)| c.len() == 1).map(|(_, c)| c[0].clone());
    // The columns an index was declared with: without the tenant key the DDL leads it with, unless its
    // name says the key was declared too (`@@unique([teamId, userId])`).
    let declared = |i: &PulledIndex| -> Vec<String> {
        let all: Vec<String> = i.columns.iter().map(|(c, _)| c.clone()).collect();
        let suffix = if i.unique { "key" } else { "idx" };
        if i.name == format!("{}_{}_{suffix}", t.name, all.join("_")) {
            all
        } else {
            strip(&all)
        }
    };
    let single_unique = |col: &str| t.indexes.iter().find(|i| i.unique && declared(i) == [col]);
    for c in &t.columns {
        let (name, mapped) = field_name(names, &t.name, &c.name);
        let (ty, db) = scalar_type(c, names);
        let suffix = if c.array {
            "[]"
        } else if c.not_null {
            ""
        } else {
            "?"
        };
        let mut attrs = Vec::new();
        if single_pk.as_deref() == Some(c.name.as_str()) {
            match &pk {
                Some((n, _)) if *n != format!("{}_pkey", t.name) => attrs.push(format!("@id(map: {})", lit(n))),
                _ => attrs.push("@id".to_string()),
            }
        }
        if let Some(d) = default_attr(c, names) {
            attrs.push(format!("@default({d})"));
        }
        if let Some(u) = single_unique(&c.name).filter(|_| single_pk.as_deref() != Some(c.name.as_str())) {
            if u.name == format!("{}_{}_key", t.name, c.name) {
                attrs.push("@unique".into());
            } else {
                attrs.push(format!("@unique(map: {})", lit(&u.name)));
            }
        }
        if mapped {
            attrs.push(format!("@map({})", lit(&c.name)));
        }
        attrs.extend(db);
        lines.push((name, format!("{ty}{suffix}"), attrs));
    }
    let field_of = |col: &str| field_name(names, &t.name, col).0;
    // Relations from this table.
    for fk in &t.foreign_keys {
        let (cols, refs) = match &tenant {
            Some(k) if fk.columns.len() > 1 && fk.columns[0] == *k => {
                (fk.columns[1..].to_vec(), fk.ref_columns[1..].to_vec())
            }
            _ => (fk.columns.clone(), fk.ref_columns.clone()),
        };
        let target = model_name(names, &fk.ref_table);
        let optional = cols
            .iter()
            .any(|c| t.columns.iter().any(|x| x.name == *c && !x.not_null));
        let several =
            t.foreign_keys.iter().filter(|f| f.ref_table == fk.ref_table).count() > 1 || fk.ref_table == t.name;
        let relation = several.then(|| format!("{}_{}To{}", t.name, cols.join("_"), fk.ref_table));
        let field = match &relation {
            Some(r) => format!("{target}_{r}"),
            None => target.clone(),
        };
        let mut args = Vec::new();
        if let Some(r) = &relation {
            args.push(lit(r));
        }
        let fields: Vec<String> = cols.iter().map(|c| field_of(c)).collect();
        let references: Vec<String> = refs.iter().map(|c| field_name(names, &fk.ref_table, c).0).collect();
        args.push(format!("fields: [{}]", fields.join(", ")));
        args.push(format!("references: [{}]", references.join(", ")));
        let default_delete = if optional { 'n' } else { 'r' };
        if fk.on_delete != default_delete {
            args.push(format!("onDelete: {}", action(fk.on_delete)));
        }
        if fk.on_update != 'c' {
            args.push(format!("onUpdate: {}", action(fk.on_update)));
        }
        let default_name = format!("{}_{}_fkey", t.name, fk.columns.join("_"));
        if fk.name != default_name && fk.name != format!("{}_{}_fkey", t.name, cols.join("_")) {
            args.push(format!("map: {}", lit(&fk.name)));
        }
        let ty = if optional { format!("{target}?") } else { target.clone() };
        lines.push((field, ty, vec![format!("@relation({})", args.join(", "))]));
    }
    // Relations to this table.
    for other in &catalog.tables {
        if let Some((a, b)) = join_table(catalog, other) {
            let (this_side, far) = if a.name == t.name {
                (true, b)
            } else if b.name == t.name {
                (true, a)
            } else {
                (false, a)
            };
            if this_side {
                let far_model = model_name(names, &far.name);
                let default_name = format!("_{}To{}", model_name(names, &a.name), model_name(names, &b.name));
                let attrs = if other.name == default_name {
                    Vec::new()
                } else {
                    vec![format!("@relation({})", lit(&other.name[1..]))]
                };
                lines.push((far_model.clone(), format!("{far_model}[]"), attrs));
            }
            continue;
        }
        for fk in other.foreign_keys.iter().filter(|f| f.ref_table == t.name) {
            let other_tenant = if catalog.tenancy { tenant_key(other) } else { None };
            let cols = match &other_tenant {
                Some(k) if fk.columns.len() > 1 && fk.columns[0] == *k => fk.columns[1..].to_vec(),
                _ => fk.columns.clone(),
            };
            let source = model_name(names, &other.name);
            let several =
                other.foreign_keys.iter().filter(|f| f.ref_table == t.name).count() > 1 || other.name == t.name;
            let relation = several.then(|| format!("{}_{}To{}", other.name, cols.join("_"), t.name));
            let unique = other.indexes.iter().any(|i| {
                i.unique && {
                    let c: Vec<String> = i.columns.iter().map(|(c, _)| c.clone()).collect();
                    c == fk.columns || c == cols
                }
            }) || other.primary_key.as_ref().is_some_and(|(_, c)| *c == fk.columns);
            let ty = if unique {
                format!("{source}?")
            } else {
                format!("{source}[]")
            };
            let (field, attrs) = match &relation {
                Some(r) => (format!("{source}_{r}"), vec![format!("@relation({})", lit(r))]),
                None => (source.clone(), Vec::new()),
            };
            lines.push((field, ty, attrs));
        }
    }
    let mut s = format!("model {} {{\n", ident(&model).0);
    let width = lines.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    let twidth = lines.iter().map(|(_, t, _)| t.len()).max().unwrap_or(0);
    for (name, ty, attrs) in &lines {
        let line = format!("  {name:width$} {ty:twidth$} {}", attrs.join(" "));
        s.push_str(line.trim_end());
        s.push('\n');
    }
    let mut block = Vec::new();
    if let Some((name, cols)) = &pk {
        if cols.len() > 1 {
            let fields: Vec<String> = cols.iter().map(|c| field_of(c)).collect();
            if *name == format!("{}_pkey", t.name) {
                block.push(format!("@@id([{}])", fields.join(", ")));
            } else {
                block.push(format!("@@id([{}], map: {})", fields.join(", "), lit(name)));
            }
        }
    }
    for i in &t.indexes {
        let all: Vec<String> = i.columns.iter().map(|(c, _)| c.clone()).collect();
        let cols = declared(i);
        if i.unique && cols.len() == 1 {
            continue;
        }
        let desc_of = |c: &str| i.columns.iter().any(|(x, d)| x == c && *d);
        let fields: Vec<String> = cols
            .iter()
            .map(|c| {
                if desc_of(c) {
                    format!("{}(sort: Desc)", field_of(c))
                } else {
                    field_of(c)
                }
            })
            .collect();
        let (kind, default) = if i.unique {
            ("@@unique", format!("{}_{}_key", t.name, all.join("_")))
        } else {
            ("@@index", format!("{}_{}_idx", t.name, all.join("_")))
        };
        let mut args = vec![format!("[{}]", fields.join(", "))];
        if i.method != "btree" {
            let method = match i.method.as_str() {
                "gin" => "Gin",
                "gist" => "Gist",
                "brin" => "Brin",
                "hash" => "Hash",
                "spgist" => "SpGist",
                other => other,
            };
            args.push(format!("type: {method}"));
        }
        let stripped_default = if i.unique {
            format!("{}_{}_key", t.name, cols.join("_"))
        } else {
            format!("{}_{}_idx", t.name, cols.join("_"))
        };
        if i.name != default && i.name != stripped_default {
            args.push(format!("map: {}", lit(&i.name)));
        }
        block.push(format!("{kind}({})", args.join(", ")));
    }
    if model != t.name || ident(&model).1.is_some() {
        block.push(format!("@@map({})", lit(&t.name)));
    }
    if catalog.tenancy {
        match &tenant {
            Some(k) if single_pk.as_deref() == Some(k.as_str()) => block.push("@@tenantRoot".into()),
            Some(k) => block.push(format!("@@tenant({})", field_of(k))),
            None => block.push("@@global".into()),
        }
        let user = t
            .policies
            .iter()
            .find(|(n, _)| n == "member_self")
            .and_then(|(_, using)| column_before(using, " = ( SELECT trato_current_user()"));
        if let (Some(user), Some(role), Some(_)) = (user, membership_role(t), &tenant) {
            block.push(format!(
                "@@membership(user: {}, role: {})",
                field_of(&user),
                field_of(&role)
            ));
        }
        if let Some((_, check)) = t.policies.iter().find(|(n, _)| n == "role_insert") {
            let roles: Vec<String> = quoted_values(check).into_iter().filter(|r| r != "SYSTEM").collect();
            if !roles.is_empty() {
                block.push(format!("@@writableBy([{}])", roles.join(", ")));
            }
        }
    }
    if !block.is_empty() {
        s.push('\n');
        for b in block {
            writeln!(s, "  {b}").ok();
        }
    }
    s.push_str("}\n");
    s
}

/// The column compared in `(<col> = ( SELECT ...` of a policy expression.
fn column_before(expr: &str, marker: &str) -> Option<String> {
    let at = expr.find(marker)?;
    let before = expr[..at].trim_end();
    let start = before.rfind(['(', ' ']).map_or(0, |i| i + 1);
    Some(before[start..].trim_matches('"').to_string())
}

/// The role column of a membership table (from `member_rank_insert`'s `array_position(..., (role)::text)`).
fn membership_role(t: &PulledTable) -> Option<String> {
    let (_, expr) = t.policies.iter().find(|(n, _)| n == "member_rank_insert")?;
    let at = expr.find(")::text")?;
    let before = &expr[..at];
    let start = before.rfind('(')? + 1;
    Some(before[start..].trim_matches('"').to_string())
}

/// The `'X'` strings of an expression.
fn quoted_values(expr: &str) -> Vec<String> {
    expr.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_policy_expressions() {
        assert_eq!(
            column_before(
                "(\"userId\" = ( SELECT trato_current_user() AS trato_current_user))",
                " = ( SELECT trato_current_user()"
            )
            .as_deref(),
            Some("userId")
        );
        assert_eq!(
            quoted_values("(ARRAY['OWNER'::text, 'SYSTEM'::text])"),
            ["OWNER", "SYSTEM"]
        );
        assert_eq!(ident("2fa-code"), ("c2fa_code".to_string(), Some("2fa-code")));
    }
}
