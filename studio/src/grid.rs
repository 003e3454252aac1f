//! A model's grid: the view of the query string, its rows and bounded count, the page's follow-up
//! statements (back-relation counts, foreign-key labels, row versions) in one transaction, and the CSV and
//! JSON exports of the view.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::data::{self, cell, View};
use crate::pages::{self, Place};
use crate::{catalog, counts, model, pairs, run, scope, writable, App, Kind, Page};

/// The index of the model's key among its columns.
fn key_index(m: &catalog::Model) -> Option<usize> {
    m.key.first().and_then(|k| m.columns.iter().position(|c| &c.field == k))
}

pub(crate) async fn tenant_grid(
    State(app): State<Arc<App>>,
    Path((org, name)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    grid(&app, Some(org), &name, q).await.into_response()
}

pub(crate) async fn global_grid(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    grid(&app, None, &name, q).await.into_response()
}

async fn grid(app: &App, org: Option<String>, name: &str, q: Option<String>) -> Result<Response, Page> {
    let m = model(app, name, org.is_some())?;
    let pairs = pairs(q)?;
    let view = View::parse(m, &pairs).map_err(|e| Page::Status(StatusCode::BAD_REQUEST, e))?;
    let scope = match &org {
        Some(o) => Some(scope(app, o).await?),
        None => None,
    };
    let format = pairs.iter().find(|(k, _)| k == "format").map(|(_, v)| v.as_str());
    let tenant = org.as_deref();
    let rows_sql = match format {
        // An export takes the whole view, up to the count limit.
        Some(_) => data::rows_sql(
            m,
            tenant,
            &View {
                size: data::COUNT_LIMIT,
                page: 1,
                ..view.clone()
            },
            0,
        ),
        // Edit mode: whole values (they are edited, not shown cut).
        None if view.edit => data::rows_sql(m, tenant, &view, 0),
        None => data::rows_sql(m, tenant, &view, 200),
    };
    let mut results = run(app, scope.as_ref(), vec![rows_sql, data::count_sql(m, tenant, &view)]).await?;
    let total = results
        .pop()
        .and_then(|r| r.first().map(|r| r.get::<_, i64>(0)))
        .unwrap_or(0);
    let rows: Vec<Vec<Option<String>>> = results
        .pop()
        .unwrap_or_default()
        .iter()
        .map(|r| (0..m.columns.len()).map(|i| cell(r, i)).collect())
        .collect();
    match format {
        Some("csv") => return Ok(csv(m, &rows)),
        Some("json") => return Ok(json(m, &rows)),
        Some(other) => {
            return Err(Page::Status(
                StatusCode::BAD_REQUEST,
                format!("`{other}` is not an export format (csv, json)"),
            ))
        }
        None => {}
    }
    // The page's other statements, run together in one transaction: each back relation's counts (one
    // grouped statement for the page), each foreign key's labels, and in edit mode each row's version.
    let mut extra: Vec<data::Sql> = Vec::new();
    let mut slot = |sql: Option<data::Sql>| {
        sql.map(|sql| {
            extra.push(sql);
            extra.len() - 1
        })
    };
    let column_keys = |i: usize| -> Vec<String> { rows.iter().filter_map(|r| r[i].clone()).collect() };
    let reachable = |target: &catalog::Model| target.kind == Kind::Global || scope.is_some();
    let child_slots: Vec<Option<usize>> = m
        .back_relations
        .iter()
        .map(|r| {
            let child = app.catalog.model(&r.child).filter(|c| reachable(c))?;
            let pi = m.columns.iter().position(|c| c.field == r.parent_field)?;
            slot(data::children_count_sql(
                child,
                &r.child_field,
                tenant,
                &column_keys(pi),
            ))
        })
        .collect();
    let label_slots: Vec<Option<usize>> = m
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let target = c
                .references
                .as_ref()
                .and_then(|(t, _)| app.catalog.model(t))
                .filter(|t| reachable(t))?;
            let keys = column_keys(i);
            if keys.is_empty() {
                return None;
            }
            slot(data::labels_sql(target, tenant, &keys))
        })
        .collect();
    let version_slot = match (view.edit && writable(app, tenant, m), key_index(m)) {
        (true, Some(ki)) => slot(data::versions_sql(m, tenant, &column_keys(ki))),
        _ => None,
    };
    let results = if extra.is_empty() {
        Vec::new()
    } else {
        run(app, scope.as_ref(), extra).await?
    };
    let pairs_of = |slot: &Option<usize>| -> Vec<(String, String)> {
        slot.and_then(|i| results.get(i))
            .map(|rows| {
                rows.iter()
                    .map(|r| (cell(r, 0).unwrap_or_default(), cell(r, 1).unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let children: Vec<Vec<(String, i64)>> = child_slots
        .iter()
        .map(|s| {
            s.and_then(|i| results.get(i))
                .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
                .unwrap_or_default()
        })
        .collect();
    let labels: Vec<Vec<(String, String)>> = label_slots.iter().map(pairs_of).collect();
    let versions = version_slot.map(|s| pairs_of(&Some(s)));
    let counts = match &scope {
        Some(s) => counts(app, s, tenant.unwrap_or("")).await?,
        None => Vec::new(),
    };
    let place = Place {
        org: tenant,
        model: Some(&m.name),
    };
    let body = pages::grid(&pages::Grid {
        model: m,
        org: tenant,
        view: &view,
        rows,
        total,
        children,
        labels,
        writable: writable(app, tenant, m),
        edit: versions.map(|v| (app.csrf.as_str(), v)),
    });
    let saved = pairs.iter().find(|(k, _)| k == "saved").map(|(_, n)| n.clone());
    let body = maud::html! {
        @if let Some(n) = saved { div.banner.saved { "Saved: " (n) " row(s) changed, in one transaction, audited." } }
        (body)
    };
    Ok(pages::layout(app, &place, &counts, &m.name, body).into_response())
}

fn csv(m: &catalog::Model, rows: &[Vec<Option<String>>]) -> Response {
    let field = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let mut out = m.columns.iter().map(|c| field(&c.field)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for r in rows {
        out.push_str(
            &r.iter()
                .map(|v| v.as_deref().map(field).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    let disposition = format!("attachment; filename=\"{}.csv\"", m.name);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response()
}

fn json(m: &catalog::Model, rows: &[Vec<Option<String>>]) -> Response {
    let list: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|r| {
            m.columns
                .iter()
                .zip(r)
                .map(|(c, v)| {
                    (
                        c.field.clone(),
                        v.clone().map_or(serde_json::Value::Null, serde_json::Value::String),
                    )
                })
                .collect()
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(&list).unwrap_or_default(),
    )
        .into_response()
}
