//! Undo of Studio's last edit in an organization, from its audit row: the fields it changed get their
//! before-values back, in one transaction with one more audit row (`"undoes"`: the undone row's id).
//! Refused when the row changed since the edit (the undo would overwrite someone's later write), and
//! without an audit log there is nothing to undo from.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::data::{cell, q, Sql};
use crate::edit::{self, Edit, Saved};
use crate::{fail, scope, App, Page};

/// The newest Studio edit of `org` not undone yet: `(audit row id, metadata)`.
async fn last_edit(app: &App, org: &str) -> Result<Option<(String, serde_json::Value)>, Page> {
    let Some(a) = &app.catalog.audit else { return Ok(None) };
    let Some(am) = app.catalog.model(&a.model) else {
        return Ok(None);
    };
    let (Some(id), Some(tenant), Some(meta)) = (
        am.key.first().and_then(|k| am.column(k)),
        am.column(&a.tenant),
        am.column(&a.metadata),
    ) else {
        return Ok(None);
    };
    // Newest first: by the audit log's first timestamp column (its creation time), else the id.
    let order = am
        .columns
        .iter()
        .find(|c| c.sql_type.starts_with("timestamp"))
        .unwrap_or(id);
    let sql = Sql {
        text: format!(
            "SELECT t.{id}::text, t.{meta}::text FROM {table} t
              WHERE t.{tenant}::text = $1 AND t.{meta}->>'source' = 'studio' AND t.{meta}->>'action' = 'update'
                AND t.{meta}->>'undoes' IS NULL
                AND NOT EXISTS (SELECT 1 FROM {table} u WHERE u.{tenant} = t.{tenant} AND u.{meta}->>'undoes' = t.{id}::text)
              ORDER BY t.{order} DESC, t.{id} DESC LIMIT 1",
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
        .and_then(|r| r.first())
        .and_then(|r| Some((cell(r, 0)?, serde_json::from_str(&cell(r, 1)?).ok()?))))
}

/// `POST /o/{org}/undo`.
pub(crate) async fn undo(State(app): State<Arc<App>>, Path(org): Path<String>, body: Bytes) -> Response {
    let run = async {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| Page::Status(StatusCode::BAD_REQUEST, "an unreadable form".into()))?;
        let csrf = pairs.iter().find(|(k, _)| k == "csrf").map_or("", |(_, v)| v.as_str());
        if !crate::guard::same_secret(csrf, &app.csrf) {
            return Err(Page::Status(
                StatusCode::FORBIDDEN,
                "a write needs the form's CSRF field: reload the page".into(),
            ));
        }
        let Some((audit_id, meta)) = last_edit(&app, &org).await? else {
            return Err(Page::Status(
                StatusCode::NOT_FOUND,
                "no Studio edit to undo in this organization".into(),
            ));
        };
        let (model_name, key) = (meta["model"].as_str().unwrap_or(""), meta["id"].as_str().unwrap_or(""));
        let m = crate::model(&app, model_name, true)?;
        let changed = meta["changed"].as_object().cloned().unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        // The row must still hold what the edit wrote, and its version is what the undo edits from.
        let read = crate::data::record_sql(m, Some(&org), key)
            .ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, "a model without a key".into()))?;
        let version =
            edit::version_sql(m, &org, key).ok_or_else(|| Page::Status(StatusCode::NOT_FOUND, "no key".into()))?;
        let s = scope(&app, &org).await?;
        let rows = crate::data::in_scope(&s, vec![read, version]).await.map_err(fail)?;
        let (Some(row), Some(v)) = (rows[0].first(), rows[1].first().and_then(|r| cell(r, 0))) else {
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
        let undo = Edit {
            values: changed.iter().map(|(f, pair)| (f.clone(), text(&pair[0]))).collect(),
            version: v,
            undoes: Some(audit_id),
        };
        // The same scope as any write: the member's when acting as one (a read-only role writes nothing),
        // a read-only one when Studio is, else the system scope.
        let actor = crate::acting::current(&app, &org).map(|(u, _)| u);
        let saved = match crate::acting::member_scope(&app, &org).await? {
            Some(trato_hive_runtime::MemberScope::Reader(s)) => {
                return Err(Page::Status(
                    StatusCode::FORBIDDEN,
                    format!("acting as a member whose role `{}` reads only", s.role()),
                ))
            }
            _ if app.read_only => {
                let s = crate::acting::read_scope(&app, &org).await?;
                edit::save(&s, &app.catalog, m, &org, key, &undo, actor.as_deref()).await
            }
            Some(trato_hive_runtime::MemberScope::Writer(s)) => {
                edit::save(&s, &app.catalog, m, &org, key, &undo, actor.as_deref()).await
            }
            Some(trato_hive_runtime::MemberScope::Manager(s)) => {
                edit::save(&s, &app.catalog, m, &org, key, &undo, actor.as_deref()).await
            }
            None => {
                let s = app.system.tenant(&org).await.map_err(fail)?;
                edit::save(&s, &app.catalog, m, &org, key, &undo, None).await
            }
        };
        match saved.map_err(|e| match e.code() {
            Some("25006") => Page::Status(
                StatusCode::FORBIDDEN,
                "Studio is read-only: the database refused the write".into(),
            ),
            _ => fail(e),
        })? {
            Saved::Changed(_) => {
                let location = format!("{}?saved=undone", crate::pages::record_url(Some(&org), model_name, key));
                Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
            }
            Saved::Conflict(_) => Err(Page::Status(
                StatusCode::CONFLICT,
                "the row changed while undoing: nothing was written".into(),
            )),
            Saved::Missing => Err(Page::Status(StatusCode::NOT_FOUND, "the row is gone".into())),
        }
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}
