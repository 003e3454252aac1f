//! New rows and deletes, each in one transaction of the organization's scope with its audit row. A new
//! row gets what the runtime's create gives it: the tenant key of the scope, client-side ids (`cuid()`,
//! `uuid()`, ...) made by the runtime's own generators, `@updatedAt` set, database defaults left to the
//! database. A delete first shows its plan (what each relation's `onDelete` does to how many rows), and
//! sets `@softDelete` instead of deleting when the model has one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use trato_hive_runtime::{Access, Error, TenantScope, TxOptions};

use crate::catalog::{Column, Model};
use crate::data::{q, Sql, View};
use crate::edit::{audit_row, cast, editable, row_condition};
use crate::pages::{self, Place};
use crate::{fail, model, scope, App, Page};

/// The id a client-side default makes, with the runtime's generators (as its create does).
fn client_id(kind: &str) -> String {
    match kind {
        "uuid" => trato_hive_runtime::ids::uuid(),
        "nanoid" => trato_hive_runtime::ids::nanoid(21),
        "ulid" => trato_hive_runtime::ids::ulid(),
        _ => trato_hive_runtime::ids::cuid(),
    }
}

/// Whether the new-row form asks for `c`: editable fields, and a key the client does not make.
pub(crate) fn asked(m: &Model, c: &Column) -> bool {
    editable(m, c) || (m.key.contains(&c.field) && c.client_default.is_none() && !c.sql_type.is_empty())
}

/// A write's form: the CSRF field checked, and an audit log to record it in.
fn check_form(app: &App, body: &[u8]) -> Result<Vec<(String, String)>, Page> {
    let pairs = crate::form(app, body)?;
    crate::audit_ready(app)?;
    Ok(pairs)
}

/// A new row's values from a form (`<prefix><field>`, `<null_prefix><field>`), checked like an edit's, with
/// what the client fills in: ids by the runtime's generators, the organization. Empty fields are left to
/// the database's defaults.
pub(crate) fn new_values(
    m: &Model,
    org: &str,
    pairs: &[(String, String)],
    prefix: &str,
    null_prefix: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut values: Vec<(String, Option<String>)> = Vec::new();
    for (k, v) in pairs {
        let Some(field) = k.strip_prefix(prefix) else { continue };
        let c = m
            .column(field)
            .filter(|c| asked(m, c))
            .ok_or_else(|| format!("`{field}` is not a field of a new {}", m.name))?;
        let null = pairs.iter().any(|(n, _)| *n == format!("{null_prefix}{field}")) && v.is_empty();
        if v.is_empty() && !null {
            continue; // left to the database's default
        }
        let edit = crate::edit::parse(m, &[("version".into(), "0".into()), (format!("f.{field}"), v.clone())]);
        if let (Err(e), false) = (edit, m.key.contains(&c.field)) {
            return Err(e);
        }
        values.push((field.to_string(), (!null).then(|| v.clone())));
    }
    if values.is_empty() {
        return Ok(values);
    }
    for c in &m.columns {
        if let (Some(kind), false) = (c.client_default, values.iter().any(|(f, _)| *f == c.field)) {
            values.push((c.field.clone(), Some(client_id(kind))));
        }
    }
    if let Some(t) = &m.tenant_field {
        values.retain(|(f, _)| f != t);
        values.push((t.clone(), Some(org.to_string())));
    }
    Ok(values)
}

/// `GET .../new`: the form of a new row.
pub(crate) async fn new_form(State(app): State<Arc<App>>, Path((org, name)): Path<(String, String)>) -> Response {
    let run = async {
        let m = model(&app, &name, true)?;
        scope(&app, &org).await?;
        let action = format!("{}/new", pages::grid_url(Some(&org), &m.name));
        let body = html! {
            h1 { "New " (m.name) }
            p { "The organization, client-side ids (" code { "cuid()" } ", " code { "uuid()" } "…) and " code { "@updatedAt" } " are filled in as the application's create fills them; database defaults apply to what is left empty." }
            form.edit method="post" action=(action) {
                input type="hidden" name="csrf" value=(app.csrf);
                dl.record {
                    @for c in m.columns.iter().filter(|c| asked(m, c)) {
                        dt title=(c.docs) { (c.field) small { " " (c.type_name) @if c.nullable { "?" } } }
                        dd { (pages::input(c, None)) }
                    }
                }
                div.actions { button type="submit" { "Create" } a href=(pages::grid_url(Some(&org), &m.name)) { "Cancel" } }
            }
        };
        let place = Place {
            org: Some(&org),
            model: Some(&m.name),
        };
        Ok::<_, Page>(pages::layout(&app, &place, &[], &format!("New {}", m.name), body).into_response())
    };
    run.await.unwrap_or_else(|p| p.into_response())
}

/// `POST .../new`: inserts the row, with its audit row, and opens it.
pub(crate) async fn create(
    State(app): State<Arc<App>>,
    Path((org, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let run = async {
        let pairs = check_form(&app, &body)?;
        let m = model(&app, &name, true)?;
        if m.view {
            return Err(Page::Status(
                StatusCode::FORBIDDEN,
                format!("{name} is a view: nothing to write"),
            ));
        }
        // The values: typed ones (checked like an edit's), then what the client fills in.
        let values =
            new_values(m, &org, &pairs, "f.", "null.").map_err(|e| Page::Status(StatusCode::BAD_REQUEST, e))?;
        if values.is_empty() {
            return Err(Page::Status(
                StatusCode::BAD_REQUEST,
                "nothing to create: every field was left empty".into(),
            ));
        }
        let key = m
            .key
            .first()
            .and_then(|k| values.iter().find(|(f, _)| f == k))
            .and_then(|(_, v)| v.clone());
        scope(&app, &org).await?;
        let saved: Result<String, Error> = with_write_scope!(&app, &org, |s, actor| insert(
            &app,
            &s,
            m,
            &org,
            &values,
            actor.as_deref()
        )
        .await);
        let id = saved.map_err(crate::write_error)?;
        let id = key.unwrap_or(id);
        let location = format!("{}?saved=created", pages::record_url(Some(&org), &name, &id));
        Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}

async fn insert<A: Access>(
    app: &App,
    scope: &TenantScope<A>,
    m: &Model,
    org: &str,
    values: &[(String, Option<String>)],
    actor: Option<&str>,
) -> Result<String, Error> {
    let audit = app
        .catalog
        .audit
        .as_ref()
        .and_then(|a| app.catalog.model(&a.model).map(|am| (a.clone(), am.clone())));
    let (m, org, values, actor) = (m.clone(), org.to_string(), values.to_vec(), actor.map(str::to_string));
    scope
        .transaction_boxed(TxOptions::default(), |tx| {
            let (m, org, values, actor, audit) = (m.clone(), org.clone(), values.clone(), actor.clone(), audit.clone());
            Box::pin(async move { insert_in(tx, &audit, &m, &org, &values, actor.as_deref()).await })
        })
        .await
}

/// Inserts a new row and its audit row in the transaction `tx`; returns its key.
pub(crate) async fn insert_in<A: Access>(
    tx: &trato_hive_runtime::ScopedTx<'_, '_, A>,
    audit: &Option<(crate::catalog::AuditLog, Model)>,
    m: &Model,
    org: &str,
    values: &[(String, Option<String>)],
    actor: Option<&str>,
) -> Result<String, Error> {
    let mut sql = Sql::default();
    let (mut cols, mut vals) = (Vec::new(), Vec::new());
    for (f, v) in values {
        let Some(c) = m.column(f) else { continue };
        cols.push(q(&c.column));
        match v {
            Some(v) => {
                sql.params.push(v.clone());
                vals.push(cast(c, sql.params.len()));
            }
            None => vals.push("NULL".into()),
        }
    }
    for c in m.columns.iter().filter(|c| c.updated_at) {
        cols.push(q(&c.column));
        vals.push("now()".into());
    }
    let key = m
        .key
        .first()
        .and_then(|k| m.column(k))
        .map_or("NULL".to_string(), |k| format!("{}::text", q(&k.column)));
    sql.text = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING {key}",
        m.table_sql,
        cols.join(", "),
        vals.join(", ")
    );
    let created: Vec<(String, Option<String>, Option<String>)> =
        values.iter().map(|(f, v)| (f.clone(), None, v.clone())).collect();
    let rows = tx.raw(sql.raw()).await?;
    let id = rows.first().and_then(|r| crate::data::cell(r, 0)).unwrap_or_default();
    if let Some((a, am)) = audit {
        tx.raw(audit_row(a, am, m, org, &id, "create", &created, None, actor).raw())
            .await?;
    }
    Ok(id)
}

/// What deleting the row would do to each relation's rows: `(relation, rows, onDelete)`.
async fn plan(app: &App, m: &Model, org: &str, key: &str) -> Result<Vec<(String, i64, String)>, Page> {
    let scope = scope(app, org).await?;
    let mut statements = Vec::new();
    let mut rels = Vec::new();
    for r in &m.back_relations {
        let Some(child) = app.catalog.model(&r.child) else {
            continue;
        };
        let view = View {
            filters: vec![(r.child_field.clone(), crate::data::Op::Eq, key.to_string())],
            page: 1,
            size: 1,
            ..View::default()
        };
        statements.push(crate::data::count_sql(child, Some(org), &view));
        rels.push(r);
    }
    let counts = crate::data::in_scope(&scope, statements).await.map_err(fail)?;
    Ok(rels
        .iter()
        .zip(counts)
        .map(|(r, rows)| {
            (
                r.field.clone(),
                rows.first().map_or(0, |x| x.get::<_, i64>(0)),
                r.on_delete.clone(),
            )
        })
        .collect())
}

/// `GET .../r/{key}/delete`: the plan, and the button.
pub(crate) async fn confirm(
    State(app): State<Arc<App>>,
    Path((org, name, key)): Path<(String, String, String)>,
) -> Response {
    let run = async {
        let m = model(&app, &name, true)?;
        let plan = plan(&app, m, &org, &key).await?;
        let blocked = plan
            .iter()
            .any(|(_, n, a)| *n > 0 && (a == "Restrict" || a == "NoAction"));
        let body: Markup = html! {
            h1 { "Delete " (m.name) " " (key) "?" }
            @if let Some(f) = &m.soft_delete { p { "This model has " code { "@softDelete" } ": the row stays, with " code { (f) } " set, and is hidden from reads." } }
            table.grid.wrap {
                thead { tr { th { "relation" } th { "rows" } th { "on delete" } } }
                tbody { @for (rel, n, action) in &plan { tr { td { (rel) } td { (n) } td { (action) } } } }
            }
            @if blocked && m.soft_delete.is_none() {
                div.banner.danger { "A relation restricts the delete while it has rows: the database will refuse it." }
            }
            form method="post" action=(format!("{}/delete", pages::record_url(Some(&org), &m.name, &key))) {
                input type="hidden" name="csrf" value=(app.csrf);
                div.actions { button type="submit" { "Delete" } a href=(pages::record_url(Some(&org), &m.name, &key)) { "Cancel" } }
            }
        };
        let place = Place {
            org: Some(&org),
            model: Some(&m.name),
        };
        Ok::<_, Page>(pages::layout(&app, &place, &[], "Delete", body).into_response())
    };
    run.await.unwrap_or_else(|p| p.into_response())
}

/// `POST .../r/{key}/delete`: deletes (or soft-deletes) the row, with its audit row.
pub(crate) async fn delete(
    State(app): State<Arc<App>>,
    Path((org, name, key)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let run = async {
        check_form(&app, &body)?;
        let m = model(&app, &name, true)?;
        let mut sql = Sql::default();
        let cond = row_condition(m, &org, &key, &mut sql)
            .ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, "no key".into()))?;
        sql.text = match m.soft_delete.as_deref().and_then(|f| m.column(f)) {
            Some(c) => format!(
                "UPDATE {} AS t SET {} = now() WHERE {cond} AND t.{} IS NULL RETURNING 1",
                m.table_sql,
                q(&c.column),
                q(&c.column)
            ),
            None => format!("DELETE FROM {} AS t WHERE {cond} RETURNING 1", m.table_sql),
        };
        let audit = app.catalog.audit.clone();
        let audit_model = audit.as_ref().and_then(|a| app.catalog.model(&a.model)).cloned();
        scope(&app, &org).await?;
        let deleted: Result<bool, Error> = with_write_scope!(&app, &org, |s, actor| {
            let (sql, m2, org2, key2, actor) = (sql.clone(), m.clone(), org.clone(), key.clone(), actor.clone());
            s.transaction_boxed(TxOptions::default(), |tx| {
                let (sql, m2, org2, key2, actor) = (sql.clone(), m2.clone(), org2.clone(), key2.clone(), actor.clone());
                let (audit, audit_model) = (audit.clone(), audit_model.clone());
                Box::pin(async move {
                    let gone = !tx.raw(sql.raw()).await?.is_empty();
                    if let (true, Some(a), Some(am)) = (gone, &audit, &audit_model) {
                        tx.raw(audit_row(a, am, &m2, &org2, &key2, "delete", &[], None, actor.as_deref()).raw())
                            .await?;
                    }
                    Ok(gone)
                })
            })
            .await
        });
        match deleted.map_err(crate::write_error)? {
            true => Ok((
                StatusCode::SEE_OTHER,
                [(header::LOCATION, pages::grid_url(Some(&org), &name))],
            )
                .into_response()),
            false => Err(Page::Status(StatusCode::NOT_FOUND, format!("no {name} `{key}` here"))),
        }
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}
