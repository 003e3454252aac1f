//! A grid page edited as one form: every row's changed fields saved in one transaction, each row checked
//! against the version the page showed (any row changed since: nothing is written), one audit row per
//! changed row.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use trato_hive_runtime::MemberScope;

use crate::edit::{self, BatchSaved, Edit};
use crate::{fail, model, pages, scope, App, Page};

/// `POST /o/{org}/m/{model}/batch`.
pub(crate) async fn save(
    State(app): State<Arc<App>>,
    Path((org, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let run = async {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| Page::Status(StatusCode::BAD_REQUEST, "an unreadable form".into()))?;
        let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.as_str());
        if !crate::guard::same_secret(field("csrf"), &app.csrf) {
            return Err(Page::Status(
                StatusCode::FORBIDDEN,
                "a write needs the form's CSRF field: reload the page".into(),
            ));
        }
        if app.catalog.audited && app.catalog.audit.is_none() {
            return Err(Page::Status(
                StatusCode::FORBIDDEN,
                "this schema's writes are audited but it names no audit log (@@auditLog): start Studio with --audit-log MODEL".into(),
            ));
        }
        let m = model(&app, &name, true)?;
        // Per row: its version and its fields, as one record form would carry them (and checked alike).
        let mut forms: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (k, v) in &pairs {
            let (key, pair) = if let Some(key) = k.strip_prefix("v.") {
                (key.to_string(), ("version".to_string(), v.clone()))
            } else if let Some((key, f)) = k.strip_prefix("r.").and_then(|r| r.rsplit_once('.')) {
                (key.to_string(), (format!("f.{f}"), v.clone()))
            } else if let Some((key, f)) = k.strip_prefix("rn.").and_then(|r| r.rsplit_once('.')) {
                (key.to_string(), (format!("null.{f}"), v.clone()))
            } else {
                continue;
            };
            forms.entry(key).or_default().push(pair);
        }
        let mut rows: Vec<(String, Edit)> = Vec::new();
        for (key, form) in &forms {
            let e = edit::parse(m, form).map_err(|e| Page::Status(StatusCode::BAD_REQUEST, format!("`{key}`: {e}")))?;
            rows.push((key.clone(), e));
        }
        let create = crate::write::new_values(m, &org, &pairs, "n.", "nn.")
            .map_err(|e| Page::Status(StatusCode::BAD_REQUEST, format!("the new row: {e}")))?;
        scope(&app, &org).await?;
        let actor = crate::acting::current(&app, &org).map(|(u, _)| u);
        let saved = match crate::acting::member_scope(&app, &org).await? {
            Some(MemberScope::Reader(s)) => {
                return Err(Page::Status(
                    StatusCode::FORBIDDEN,
                    format!("acting as a member whose role `{}` reads only", s.role()),
                ))
            }
            _ if app.read_only => {
                let s = crate::acting::read_scope(&app, &org).await?;
                edit::save_batch(&s, &app.catalog, m, &org, &rows, &create, actor.as_deref()).await
            }
            Some(MemberScope::Writer(s)) => {
                edit::save_batch(&s, &app.catalog, m, &org, &rows, &create, actor.as_deref()).await
            }
            Some(MemberScope::Manager(s)) => {
                edit::save_batch(&s, &app.catalog, m, &org, &rows, &create, actor.as_deref()).await
            }
            None => {
                let s = app.system.tenant(&org).await.map_err(fail)?;
                edit::save_batch(&s, &app.catalog, m, &org, &rows, &create, None).await
            }
        };
        match saved {
            Ok(BatchSaved::Saved(done)) => {
                let changed = done.iter().filter(|(_, n)| *n > 0).count();
                let back = field("back");
                let sep = if back.is_empty() { "" } else { "&" };
                let location = format!("{}?{back}{sep}saved={changed}", pages::grid_url(Some(&org), &name));
                Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
            }
            Ok(BatchSaved::Conflict(key, now)) => {
                let now: Vec<String> = now
                    .iter()
                    .map(|(f, v)| format!("{f} = {}", v.as_deref().unwrap_or("NULL")))
                    .collect();
                Err(Page::Status(
                    StatusCode::CONFLICT,
                    format!(
                        "not saved: {name} `{key}` changed since the page was shown (now: {}); nothing of the batch was written — reload the page",
                        if now.is_empty() { "gone".to_string() } else { now.join(", ") }
                    ),
                ))
            }
            Err(e) if e.code() == Some("25006") => Err(Page::Status(
                StatusCode::FORBIDDEN,
                "Studio is read-only: the database refused the write (READ ONLY transaction)".into(),
            )),
            Err(e) if e.code().is_some_and(|c| c.starts_with("22") || c.starts_with("23")) => {
                Err(Page::Status(StatusCode::BAD_REQUEST, format!("not saved: {e}")))
            }
            Err(e) => Err(fail(e)),
        }
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}
