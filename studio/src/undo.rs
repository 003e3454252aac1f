//! Undo of Studio's last batch in an organization (a record's save, or a grid page's), from its audit
//! rows (those of its transaction, which share its `xmin`): the fields it changed get their before-values
//! back, in one transaction with one more audit row per row (`"undoes"`: the undone row's id). Refused when
//! any row changed since (the undo would overwrite someone's later write); without an audit log there is
//! nothing to undo from. Rows a batch created are not removed by its undo.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::data::{cell, q, Sql};
use crate::edit::{self, BatchSaved, Edit};
use crate::{fail, scope, App, Page};

/// The newest Studio edit of `org` not undone yet: `(audit row id, metadata)`.
async fn last_batch(app: &App, org: &str) -> Result<Vec<(String, serde_json::Value)>, Page> {
    let Some(a) = &app.catalog.audit else {
        return Ok(Vec::new());
    };
    let Some(am) = app.catalog.model(&a.model) else {
        return Ok(Vec::new());
    };
    let (Some(id), Some(tenant), Some(meta)) = (
        am.key.first().and_then(|k| am.column(k)),
        am.column(&a.tenant),
        am.column(&a.metadata),
    ) else {
        return Ok(Vec::new());
    };
    // Newest first: by the audit log's first timestamp column (its creation time), else the id.
    let order = am
        .columns
        .iter()
        .find(|c| c.sql_type.starts_with("timestamp"))
        .unwrap_or(id);
    let sql = Sql {
        text: format!(
            "WITH open AS (
               SELECT t.xmin AS x, t.{order} AS o, t.{id} AS i, t.{id}::text AS id, t.{meta} AS meta FROM {table} t
                WHERE t.{tenant}::text = $1 AND t.{meta}->>'source' = 'studio' AND t.{meta}->>'action' = 'update'
                  AND t.{meta}->>'undoes' IS NULL
                  AND NOT EXISTS (SELECT 1 FROM {table} u WHERE u.{tenant} = t.{tenant} AND u.{meta}->>'undoes' = t.{id}::text))
             SELECT open.id, open.meta::text FROM open
              WHERE open.x = (SELECT x FROM open ORDER BY o DESC, i DESC LIMIT 1)",
            id = q(&id.column),
            meta = q(&meta.column),
            tenant = q(&tenant.column),
            table = am.table_sql,
            order = q(&order.column),
        ),
        params: vec![org.to_string()],
    };
    let s = scope(app, org).await?;
    let rows = crate::data::in_scope(&s, vec![sql]).await.map_err(fail)?;
    Ok(rows
        .first()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| Some((cell(r, 0)?, serde_json::from_str(&cell(r, 1)?).ok()?)))
                .collect()
        })
        .unwrap_or_default())
}

/// `POST /o/{org}/undo`.
pub(crate) async fn undo(State(app): State<Arc<App>>, Path(org): Path<String>, body: Bytes) -> Response {
    let run = async {
        crate::form(&app, &body)?;
        let batch = last_batch(&app, &org).await?;
        if batch.is_empty() {
            return Err(Page::Status(
                StatusCode::NOT_FOUND,
                "no Studio edit to undo in this organization".into(),
            ));
        }
        // One model per batch (a record's save, or a grid page's).
        let model_name = batch[0].1["model"].as_str().unwrap_or("").to_string();
        let m = crate::model(&app, &model_name, true)?;
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let s = scope(&app, &org).await?;
        let mut rows: Vec<(String, Edit)> = Vec::new();
        for (audit_id, meta) in &batch {
            let key = meta["id"].as_str().unwrap_or("").to_string();
            let changed = meta["changed"].as_object().cloned().unwrap_or_default();
            // Each row must still hold what the edit wrote; its version is what the undo edits from.
            let read = crate::data::record_sql(m, Some(&org), &key)
                .ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, "a model without a key".into()))?;
            let version =
                edit::version_sql(m, &org, &key).ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, "no key".into()))?;
            let found = crate::data::in_scope(&s, vec![read, version]).await.map_err(fail)?;
            let (Some(row), Some(v)) = (found[0].first(), found[1].first().and_then(|r| cell(r, 0))) else {
                return Err(Page::Status(
                    StatusCode::NOT_FOUND,
                    format!("{model_name} `{key}` is gone: nothing to undo"),
                ));
            };
            for (field, pair) in &changed {
                let i = m.columns.iter().position(|c| c.field == *field).unwrap_or(usize::MAX);
                let now = (i != usize::MAX).then(|| cell(row, i)).flatten();
                if now != text(&pair[1]) {
                    return Err(Page::Status(
                        StatusCode::CONFLICT,
                        format!(
                            "`{field}` of {model_name} `{key}` changed since Studio's edit: undoing would overwrite it"
                        ),
                    ));
                }
            }
            rows.push((
                key,
                Edit {
                    values: changed.iter().map(|(f, pair)| (f.clone(), text(&pair[0]))).collect(),
                    version: v,
                    undoes: Some(audit_id.clone()),
                },
            ));
        }
        let key = rows[0].0.clone();
        let saved = with_write_scope!(&app, &org, |s, actor| {
            edit::save_batch(&s, &app.catalog, m, &org, &rows, &[], actor.as_deref()).await
        });
        match saved.map_err(crate::write_error)? {
            BatchSaved::Saved(done) => {
                // One row: back to its record; several (a grid page): back to the grid.
                let location = match done.len() {
                    1 => format!(
                        "{}?saved=undone",
                        crate::pages::record_url(Some(&org), &model_name, &key)
                    ),
                    n => format!("{}?saved={n}", crate::pages::grid_url(Some(&org), &model_name)),
                };
                Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
            }
            BatchSaved::Conflict(..) => Err(Page::Status(
                StatusCode::CONFLICT,
                "a row changed while undoing: nothing was written".into(),
            )),
        }
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}
