//! Editing a record: one form, saved in one transaction of the tenant's scope (the application role under
//! RLS, the tenant in every statement). The row version (`xmin`) captured when the page was rendered must
//! still be the row's, else nothing is written and the page shows the current values beside the ones
//! sent (Prisma Studio overwrites). Values are text cast by the database to the column's type (Decimal,
//! BigInt and timestamps round-trip exactly); enums and JSON are checked here first. Only the fields that
//! differ are written, `@updatedAt` fields are set to now, and the audit log (`@@auditLog`) gets one row
//! in the same transaction, with each field's before and after.

use std::collections::BTreeMap;

use trato_hive_runtime::{Access, Error, TenantScope, TxOptions};

use crate::catalog::{AuditLog, Catalog, Column, Kind, Model};
use crate::data::{q, text_of, Sql};

/// A submitted form: each field's new value (`None`: NULL) and the row version it was edited from.
#[derive(Debug, Clone)]
pub struct Edit {
    pub values: Vec<(String, Option<String>)>,
    pub version: String,
    /// The audit row this edit undoes (Studio's undo), recorded in its own audit row.
    pub undoes: Option<String>,
}

/// What a save did.
#[derive(Debug)]
pub enum Saved {
    /// These fields changed: `(field, before, after)`.
    Changed(Vec<(String, Option<String>, Option<String>)>),
    /// Someone changed the row since the page was rendered: its current values, nothing written.
    Conflict(Vec<(String, Option<String>)>),
    /// No such row in this tenant.
    Missing,
}

/// The form's fields (`f.<field>`, `null.<field>`, `version`) checked against the model: unknown or
/// read-only fields, an enum value outside the enum, JSON that does not parse, a boolean that is not one
/// are refused with a message naming the field.
pub fn parse(model: &Model, pairs: &[(String, String)]) -> Result<Edit, String> {
    let mut values: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut version = None;
    let mut nulls: Vec<&str> = Vec::new();
    for (k, v) in pairs {
        if let Some(field) = k.strip_prefix("f.") {
            values.insert(field.to_string(), Some(v.clone()));
        } else if let Some(field) = k.strip_prefix("null.") {
            nulls.push(field);
        } else if k == "version" {
            version = Some(v.clone());
        } else if k != "csrf" {
            return Err(format!("`{k}` is not a field of the form"));
        }
    }
    // A ticked NULL box means NULL unless a value was typed into its field (typing wins: the box was
    // ticked when the page showed NULL).
    for field in nulls {
        let typed = values
            .get(field)
            .is_some_and(|v| v.as_deref().is_some_and(|v| !v.is_empty()));
        if !typed {
            values.insert(field.to_string(), None);
        }
    }
    for (field, value) in &values {
        let c = model
            .column(field)
            .filter(|c| editable(model, c))
            .ok_or_else(|| format!("`{field}` is not an editable field of {}", model.name))?;
        match value {
            None if !c.nullable => return Err(format!("`{field}` is required: it cannot be NULL")),
            None => {}
            Some(v) => check_value(c, v)?,
        }
    }
    Ok(Edit {
        values: values.into_iter().collect(),
        version: version.ok_or("the form carries no row version")?,
        undoes: None,
    })
}

/// Whether the record form offers `c`: not the key, not the tenant key, not `@updatedAt`, not a list,
/// bytes or `Unsupported`.
pub fn editable(model: &Model, c: &Column) -> bool {
    c.editable && !c.updated_at && !model.key.contains(&c.field) && model.tenant_field.as_deref() != Some(&c.field)
}

fn check_value(c: &Column, v: &str) -> Result<(), String> {
    if !c.enum_values.is_empty() && !c.enum_values.iter().any(|e| e == v) {
        return Err(format!(
            "`{}`: `{v}` is not one of {}",
            c.field,
            c.enum_values.join(", ")
        ));
    }
    match c.type_name.as_str() {
        "Json" => serde_json::from_str::<serde_json::Value>(v)
            .map(|_| ())
            .map_err(|e| format!("`{}` is not JSON: {e}", c.field)),
        "Boolean" if v != "true" && v != "false" => Err(format!("`{}` is true or false", c.field)),
        _ => Ok(()),
    }
}

pub(crate) fn cast(c: &Column, n: usize) -> String {
    if c.sql_type.is_empty() {
        format!("${n}::text")
    } else {
        format!("${n}::text::{}", c.sql_type)
    }
}

/// `WHERE` of the edited row: the tenant and the key (`$1`, `$2`).
pub(crate) fn row_condition(model: &Model, tenant: &str, key: &str, sql: &mut Sql) -> Option<String> {
    let k = model.key.first().and_then(|k| model.column(k))?;
    sql.params.push(tenant.to_string());
    sql.params.push(key.to_string());
    let tenant_cond = match model.kind {
        Kind::Tenant => {
            let tk = model.tenant_field.as_deref().and_then(|f| model.column(f))?;
            format!("t.{} = {}", q(&tk.column), cast(tk, 1))
        }
        _ => format!("t.{}::text = $1", q(&k.column)),
    };
    Some(format!("{tenant_cond} AND t.{} = {}", q(&k.column), cast(k, 2)))
}

/// The row version (`xmin`) of the row `key`, for the form to carry.
pub fn version_sql(model: &Model, tenant: &str, key: &str) -> Option<Sql> {
    let mut sql = Sql::default();
    let cond = row_condition(model, tenant, key, &mut sql)?;
    sql.text = format!("SELECT t.xmin::text FROM {} t WHERE {cond}", model.table_sql);
    Some(sql)
}

/// What a save needs beyond the row: where audit rows go, and who acts.
#[derive(Clone)]
struct Ctx {
    audit: Option<(AuditLog, Model)>,
    actor: Option<String>,
}

fn ctx(catalog: &Catalog, model: &Model, actor: Option<&str>) -> Ctx {
    let audit = catalog
        .audit
        .as_ref()
        .filter(|_| model.kind == Kind::Tenant || model.kind == Kind::Root)
        .and_then(|a| catalog.model(&a.model).map(|am| (a.clone(), am.clone())));
    Ctx {
        audit,
        actor: actor.map(str::to_string),
    }
}

/// The row, locked, with its version and, for each submitted field, whether the value differs.
fn read_sql(model: &Model, tenant: &str, key: &str, edit: &Edit) -> Option<Sql> {
    let mut read = Sql::default();
    let cond = row_condition(model, tenant, key, &mut read)?;
    let columns: Vec<&Column> = edit.values.iter().filter_map(|(f, _)| model.column(f)).collect();
    let mut list = vec!["t.xmin::text".to_string()];
    list.extend(columns.iter().map(|c| text_of(c, 0)));
    for (c, (_, v)) in columns.iter().zip(&edit.values) {
        let value = match v {
            Some(v) => {
                read.params.push(v.clone());
                cast(c, read.params.len())
            }
            None => "NULL".to_string(),
        };
        list.push(format!("({value}) IS DISTINCT FROM t.{}", q(&c.column)));
    }
    read.text = format!(
        "SELECT {} FROM {} t WHERE {cond} FOR UPDATE",
        list.join(", "),
        model.table_sql
    );
    Some(read)
}

/// One row's save inside a transaction: compare, update what changed, record it.
async fn apply<A: Access>(
    tx: &trato_hive_runtime::ScopedTx<'_, '_, A>,
    ctx: &Ctx,
    model: &Model,
    tenant: &str,
    key: &str,
    edit: &Edit,
) -> Result<Saved, Error> {
    let Some(read) = read_sql(model, tenant, key, edit) else {
        return Ok(Saved::Missing);
    };
    let rows = tx.raw(read.raw()).await?;
    let Some(row) = rows.first() else {
        return Ok(Saved::Missing);
    };
    let version: String = row.try_get(0).unwrap_or_default();
    let n = edit.values.len();
    let current: Vec<Option<String>> = (0..n).map(|i| crate::data::cell(row, 1 + i)).collect();
    if version != edit.version {
        let fields = edit.values.iter().map(|(f, _)| f.clone()).zip(current).collect();
        return Ok(Saved::Conflict(fields));
    }
    let changed: Vec<(String, Option<String>, Option<String>)> = edit
        .values
        .iter()
        .enumerate()
        .filter(|(i, _)| row.try_get::<_, bool>(1 + n + i).unwrap_or(true))
        .map(|(i, (f, v))| (f.clone(), current[i].clone(), v.clone()))
        .collect();
    if changed.is_empty() {
        return Ok(Saved::Changed(changed));
    }
    tx.raw(update_sql(model, tenant, key, &changed).raw()).await?;
    if let Some((a, am)) = &ctx.audit {
        let row = audit_row(
            a,
            am,
            model,
            tenant,
            key,
            "update",
            &changed,
            edit.undoes.as_deref(),
            ctx.actor.as_deref(),
        );
        tx.raw(row.raw()).await?;
    }
    Ok(Saved::Changed(changed))
}

/// Saves `edit` to the row `key` of `model` in `tenant`, in one transaction of `scope`.
pub async fn save<A: Access>(
    scope: &TenantScope<A>,
    catalog: &Catalog,
    model: &Model,
    tenant: &str,
    key: &str,
    edit: &Edit,
    actor: Option<&str>,
) -> Result<Saved, Error> {
    let ctx = ctx(catalog, model, actor);
    let (model, tenant, key, edit) = (model.clone(), tenant.to_string(), key.to_string(), edit.clone());
    scope
        .transaction_boxed(TxOptions::default(), |tx| {
            let (ctx, model, tenant, key, edit) =
                (ctx.clone(), model.clone(), tenant.clone(), key.clone(), edit.clone());
            Box::pin(async move { apply(tx, &ctx, &model, &tenant, &key, &edit).await })
        })
        .await
}

/// A value the transaction's closure and its caller share.
type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

/// The row of a batch that changed since the page was shown, with its current values.
type Conflicted = (String, Vec<(String, Option<String>)>);

/// What a batch save did: every row saved (`(key, changed fields)`), or the first row that changed since
/// the page was shown (nothing written).
#[derive(Debug)]
pub enum BatchSaved {
    Saved(Vec<(String, usize)>),
    Conflict(String, Vec<(String, Option<String>)>),
}

/// Saves several rows' edits in one transaction: all of them, or (a row changed since, or vanished)
/// none.
pub async fn save_batch<A: Access>(
    scope: &TenantScope<A>,
    catalog: &Catalog,
    model: &Model,
    tenant: &str,
    rows: &[(String, Edit)],
    create: &[(String, Option<String>)],
    actor: Option<&str>,
) -> Result<BatchSaved, Error> {
    let ctx = ctx(catalog, model, actor);
    let create = create.to_vec();
    let conflict: Shared<Option<Conflicted>> = Default::default();
    let (model, tenant, rows) = (model.clone(), tenant.to_string(), rows.to_vec());
    let result = scope
        .transaction_boxed(TxOptions::default(), |tx| {
            let (ctx, model, tenant, rows, conflict) = (
                ctx.clone(),
                model.clone(),
                tenant.clone(),
                rows.clone(),
                conflict.clone(),
            );
            let create = create.clone();
            Box::pin(async move {
                let mut saved = Vec::new();
                for (key, edit) in &rows {
                    match apply(tx, &ctx, &model, &tenant, key, edit).await? {
                        Saved::Changed(c) => saved.push((key.clone(), c.len())),
                        Saved::Conflict(fields) => {
                            if let Ok(mut c) = conflict.lock() {
                                *c = Some((key.clone(), fields));
                            }
                            // An error rolls the transaction back: nothing of the batch is written.
                            return Err(Error::Config(format!("`{key}` changed since the page was shown")));
                        }
                        Saved::Missing => {
                            if let Ok(mut c) = conflict.lock() {
                                *c = Some((key.clone(), Vec::new()));
                            }
                            return Err(Error::Config(format!("`{key}` is gone")));
                        }
                    }
                }
                // The page's new row, in the same transaction.
                if !create.is_empty() {
                    let id =
                        crate::write::insert_in(tx, &ctx.audit, &model, &tenant, &create, ctx.actor.as_deref()).await?;
                    saved.push((id, create.len()));
                }
                Ok(saved)
            })
        })
        .await;
    match (result, conflict.lock().ok().and_then(|mut c| c.take())) {
        (Err(_), Some((key, fields))) => Ok(BatchSaved::Conflict(key, fields)),
        (Ok(saved), _) => Ok(BatchSaved::Saved(saved)),
        (Err(e), None) => Err(e),
    }
}

fn update_sql(model: &Model, tenant: &str, key: &str, changed: &[(String, Option<String>, Option<String>)]) -> Sql {
    let mut sql = Sql::default();
    let cond = row_condition(model, tenant, key, &mut sql).unwrap_or_else(|| "FALSE".into());
    let mut sets = Vec::new();
    for (field, _, after) in changed {
        let Some(c) = model.column(field) else { continue };
        match after {
            Some(v) => {
                sql.params.push(v.clone());
                sets.push(format!("{} = {}", q(&c.column), cast(c, sql.params.len())));
            }
            None => sets.push(format!("{} = NULL", q(&c.column))),
        }
    }
    sets.extend(
        model
            .columns
            .iter()
            .filter(|c| c.updated_at)
            .map(|c| format!("{} = now()", q(&c.column))),
    );
    sql.text = format!("UPDATE {} AS t SET {} WHERE {cond}", model.table_sql, sets.join(", "));
    sql
}

/// The audit row of a Studio write (`action`: create, update, delete): the schema's kind for
/// `(model, action)` when it names one (else the kind enum's `USER_ACTION`, else its first value),
/// `metadata.source = "studio"`, each field's before and after, the audit row an undo undoes, and the
/// member Studio acts as (none for the system scope).
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_row(
    a: &AuditLog,
    am: &Model,
    model: &Model,
    tenant: &str,
    key: &str,
    action: &str,
    changed: &[(String, Option<String>, Option<String>)],
    undoes: Option<&str>,
    actor: Option<&str>,
) -> Sql {
    let col = |f: &str| am.column(f);
    let kind_col = col(&a.kind);
    let kind = a
        .kinds
        .iter()
        .find(|(m, a, _)| *m == model.name && a == action)
        .map(|(_, _, v)| v.clone())
        .or_else(|| {
            kind_col.and_then(|k| {
                k.enum_values
                    .iter()
                    .find(|v| *v == "USER_ACTION")
                    .or(k.enum_values.first())
                    .cloned()
            })
        })
        .unwrap_or_else(|| "studio.update".into());
    let changes: serde_json::Map<String, serde_json::Value> = changed
        .iter()
        .map(|(f, before, after)| (f.clone(), serde_json::json!([before, after])))
        .collect();
    let mut metadata = serde_json::json!({
        "source": "studio",
        "model": model.name,
        "action": action,
        "id": key,
        "changed": changes,
    });
    if let Some(undone) = undoes {
        metadata["undoes"] = serde_json::Value::String(undone.to_string());
    }
    let mut sql = Sql::default();
    let mut cols = Vec::new();
    let mut vals = Vec::new();
    let mut push = |c: Option<&Column>, value: Option<String>, sql: &mut Sql| {
        let Some(c) = c else { return };
        cols.push(q(&c.column));
        match value {
            Some(v) => {
                sql.params.push(v);
                vals.push(cast(c, sql.params.len()));
            }
            None => vals.push("NULL".into()),
        }
    };
    for c in am
        .columns
        .iter()
        .filter(|c| c.client_default.is_some() && am.key.contains(&c.field))
    {
        let id = match c.client_default {
            Some("uuid") => trato_hive_runtime::ids::uuid(),
            Some("nanoid") => trato_hive_runtime::ids::nanoid(21),
            Some("ulid") => trato_hive_runtime::ids::ulid(),
            _ => trato_hive_runtime::ids::cuid(),
        };
        push(Some(c), Some(id), &mut sql);
    }
    push(col(&a.tenant), Some(tenant.to_string()), &mut sql);
    push(kind_col, Some(kind), &mut sql);
    push(
        col(&a.description),
        Some(format!("studio: updated {} {key}", model.name)),
        &mut sql,
    );
    push(col(&a.metadata), Some(metadata.to_string()), &mut sql);
    push(col(&a.actor), actor.map(str::to_string), &mut sql);
    for c in am.columns.iter().filter(|c| c.updated_at) {
        cols.push(q(&c.column));
        vals.push("now()".into());
    }
    sql.text = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        am.table_sql,
        cols.join(", "),
        vals.join(", ")
    );
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Org {
  id    String @id @default(cuid())
  notes Note[]

  @@tenantRoot
}

enum Mood {
  HAPPY
  SAD
}

model Note {
  id      String  @id @default(cuid())
  orgId   String
  title   String
  body    String?
  mood    Mood    @default(HAPPY)
  extra   Json?
  org     Org     @relation(fields: [orgId], references: [id])

  @@tenant(orgId)
}
"#;

    fn note() -> Model {
        let schema = trato_codegen::check(SRC).0.expect("valid schema");
        Catalog::from_schema(&schema).model("Note").expect("Note").clone()
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_ticked_null_box_is_null_unless_a_value_was_typed() {
        let m = note();
        let e = parse(&m, &form(&[("version", "7"), ("f.body", ""), ("null.body", "on")])).expect("form");
        assert_eq!(e.values, [("body".to_string(), None)]);
        let e = parse(&m, &form(&[("version", "7"), ("null.body", "on"), ("f.body", "typed")])).expect("form");
        assert_eq!(e.values, [("body".to_string(), Some("typed".to_string()))]);
        let e = parse(&m, &form(&[("version", "7"), ("f.body", "")])).expect("form");
        assert_eq!(
            e.values,
            [("body".to_string(), Some(String::new()))],
            "an empty text, not NULL"
        );
    }

    #[test]
    fn what_a_form_cannot_carry_is_named() {
        let m = note();
        let err = |pairs: &[(&str, &str)]| parse(&m, &form(pairs)).expect_err("refused");
        assert!(err(&[("version", "1"), ("f.mood", "ANGRY")]).contains("not one of HAPPY, SAD"));
        assert!(err(&[("version", "1"), ("f.extra", "{a:1}")]).contains("`extra` is not JSON"));
        assert!(err(&[("version", "1"), ("null.title", "on")]).contains("`title` is required"));
        assert!(err(&[("version", "1"), ("f.orgId", "other")]).contains("not an editable field"));
        assert!(err(&[("version", "1"), ("f.id", "other")]).contains("not an editable field"));
        assert!(err(&[("version", "1"), ("f.nope", "x")]).contains("not an editable field"));
        assert!(err(&[("f.title", "x")]).contains("no row version"));
        assert!(err(&[("version", "1"), ("sneaky", "x")]).contains("not a field of the form"));
        assert!(parse(&m, &form(&[("version", "1"), ("f.extra", "42"), ("f.mood", "SAD")])).is_ok());
    }
}
