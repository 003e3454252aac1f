//! A record's page (its fields, its relations, and the edit form) and the form's save.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use crate::data::{cell, View};
use crate::edit::{self, Saved};
use crate::pages::{self, Place};
use crate::{counts, model, run, scope, App, Page};

pub(crate) async fn tenant_record(
    State(app): State<Arc<App>>,
    Path((org, name, key)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let saved = q.as_deref().and_then(|q| q.strip_prefix("saved=")).map(str::to_string);
    let undo = format!("/o/{}/undo", pages::enc(&org));
    // The undo button only where Studio writes (not read-only, not as a read-only member).
    let can_undo = crate::model(&app, &name, true).is_ok_and(|m| crate::writable(&app, Some(&org), m));
    let notice = saved.map(|n| {
        html! {
            div.banner.saved {
                "Saved: " (n) ", in one transaction, audited. "
                @if can_undo {
                    form.inline method="post" action=(undo) {
                        input type="hidden" name="csrf" value=(app.csrf);
                        button { "Undo the last edit" }
                    }
                }
            }
        }
    });
    match page(&app, Some(org), &name, &key, notice).await {
        Ok(m) => m.into_response(),
        Err(p) => p.into_response(),
    }
}

pub(crate) async fn global_record(State(app): State<Arc<App>>, Path((name, key)): Path<(String, String)>) -> Response {
    match page(&app, None, &name, &key, None).await {
        Ok(m) => m.into_response(),
        Err(p) => p.into_response(),
    }
}

/// The record page, with `notice` above it (saved, or a conflict).
async fn page(app: &App, org: Option<String>, name: &str, key: &str, notice: Option<Markup>) -> Result<Markup, Page> {
    let m = model(app, name, org.is_some())?;
    let scope = match &org {
        Some(o) => Some(scope(app, o).await?),
        None => None,
    };
    let tenant = org.as_deref();
    let sql = crate::data::record_sql(m, tenant, key)
        .ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, "a model without a key".into()))?;
    let mut statements = vec![sql];
    let version = tenant.and_then(|t| edit::version_sql(m, t, key));
    statements.extend(version.clone());
    let mut kids = Vec::new();
    for r in &m.back_relations {
        if let Some(child) = app.catalog.model(&r.child) {
            kids.push(r);
            let view = View {
                filters: vec![(r.child_field.clone(), crate::data::Op::Eq, key.to_string())],
                page: 1,
                size: 1,
                ..View::default()
            };
            statements.push(crate::data::count_sql(child, tenant, &view));
        }
    }
    let results = run(app, scope.as_ref(), statements).await?;
    let Some(row) = results.first().and_then(|r| r.first()) else {
        return Err(Page::Status(StatusCode::NOT_FOUND, format!("no {name} `{key}` here")));
    };
    let values: Vec<Option<String>> = (0..m.columns.len()).map(|i| cell(row, i)).collect();
    let skip = if version.is_some() { 2 } else { 1 };
    let row_version = (skip == 2)
        .then(|| results.get(1).and_then(|r| r.first()).and_then(|r| cell(r, 0)))
        .flatten();
    let children: Vec<(String, String, i64)> = kids
        .iter()
        .zip(results.iter().skip(skip))
        .map(|(r, rows)| {
            let href = format!(
                "{}?w={}.eq.{}",
                pages::grid_url(tenant, &r.child),
                pages::enc(&r.child_field),
                pages::enc(key)
            );
            (r.field.clone(), href, rows.first().map_or(0, |x| x.get::<_, i64>(0)))
        })
        .collect();
    let counts = match &scope {
        Some(s) => counts(app, s, tenant.unwrap_or("")).await?,
        None => Vec::new(),
    };
    // The form: tenant data of a writable model, unless Studio is read-only.
    let writable = crate::writable(app, tenant, m);
    let form = match (&row_version, writable) {
        (Some(v), true) => Some(pages::Form {
            csrf: &app.csrf,
            version: v,
            action: pages::record_url(tenant, &m.name, key),
        }),
        _ => None,
    };
    let place = Place {
        org: tenant,
        model: Some(&m.name),
    };
    // Each foreign key's label, and in the form its choices (the target's rows in this scope, up to 200;
    // more: typed), read together in one transaction.
    let mut extra: Vec<crate::data::Sql> = Vec::new();
    let mut slot = |sql: Option<crate::data::Sql>| {
        sql.map(|sql| {
            extra.push(sql);
            extra.len() - 1
        })
    };
    let target = |c: &crate::catalog::Column| {
        c.references
            .as_ref()
            .and_then(|(t, _)| app.catalog.model(t))
            .filter(|t| t.kind == crate::Kind::Global || scope.is_some())
    };
    let label_slots: Vec<Option<usize>> = m
        .columns
        .iter()
        .zip(&values)
        .map(|(c, v)| {
            slot(crate::data::labels_sql(
                target(c)?,
                tenant,
                std::slice::from_ref(v.as_ref()?),
            ))
        })
        .collect();
    let choice_slots: Vec<Option<usize>> = m
        .columns
        .iter()
        .map(|c| match form {
            Some(_) if crate::edit::editable(m, c) => slot(crate::data::choices_sql(target(c)?, tenant)),
            _ => None,
        })
        .collect();
    let results = if extra.is_empty() {
        Vec::new()
    } else {
        run(app, scope.as_ref(), extra).await?
    };
    let labels: Vec<Option<String>> = label_slots
        .iter()
        .map(|s| {
            s.and_then(|i| results.get(i))
                .and_then(|rows| rows.first())
                .and_then(|r| cell(r, 1))
        })
        .collect();
    let choices: Vec<Option<Vec<(String, String)>>> = choice_slots
        .iter()
        .map(|s| {
            s.and_then(|i| results.get(i))
                .map(|rows| {
                    rows.iter()
                        .map(|r| (cell(r, 0).unwrap_or_default(), cell(r, 1).unwrap_or_default()))
                        .collect::<Vec<_>>()
                })
                .filter(|rows| rows.len() <= 200)
        })
        .collect();
    let body = html! {
        @if let Some(n) = notice { (n) }
        (pages::record(m, tenant, &values, &labels, &choices, &children, form.as_ref()))
    };
    Ok(pages::layout(app, &place, &counts, &format!("{name} {key}"), body))
}

pub(crate) async fn tenant_save(
    State(app): State<Arc<App>>,
    Path((org, name, key)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    match save(&app, org, &name, &key, &body).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn save(app: &App, org: String, name: &str, key: &str, body: &[u8]) -> Result<Response, Page> {
    let pairs = crate::form(app, body)?;
    let m = model(app, name, true)?;
    if m.view {
        return Err(Page::Status(
            StatusCode::FORBIDDEN,
            format!("{name} is a view: nothing to write"),
        ));
    }
    crate::audit_ready(app)?;
    let edit = edit::parse(m, &pairs).map_err(|e| Page::Status(StatusCode::BAD_REQUEST, e))?;
    // The organization must exist (as for reads); then the write scope.
    scope(app, &org).await?;
    let saved = with_write_scope!(app, &org, |s, actor| edit::save(
        &s,
        &app.catalog,
        m,
        &org,
        key,
        &edit,
        actor.as_deref()
    )
    .await);
    match saved {
        Ok(Saved::Changed(changed)) => {
            let location = format!("{}?saved={}", pages::record_url(Some(&org), name, key), changed.len());
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
        }
        Ok(Saved::Missing) => Err(Page::Status(StatusCode::NOT_FOUND, format!("no {name} `{key}` here"))),
        Ok(Saved::Conflict(current)) => {
            let mine: Vec<(String, Option<String>)> = edit.values.clone();
            let notice = html! {
                div.banner.danger { "Not saved: this row changed since the page was shown. Its current values are below; yours were:" }
                table.grid.wrap {
                    thead { tr { th { "field" } th { "now" } th { "yours" } } }
                    tbody {
                        @for ((f, now), (_, yours)) in current.iter().zip(&mine) {
                            @if now != yours {
                                tr { td { (f) } td { (now.as_deref().unwrap_or("NULL")) } td { (yours.as_deref().unwrap_or("NULL")) } }
                            }
                        }
                    }
                }
            };
            let page = page(app, Some(org), name, key, Some(notice)).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(crate::write_error(e)),
    }
}
