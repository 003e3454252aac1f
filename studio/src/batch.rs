//! A grid page edited as one form: every row's changed fields saved in one transaction, each row checked
//! against the version the page showed (any row changed since: nothing is written), one audit row per
//! changed row.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::edit::{self, BatchSaved, Edit};
use crate::{model, pages, scope, App, Page};

/// `POST /o/{org}/m/{model}/batch`.
pub(crate) async fn save(
    State(app): State<Arc<App>>,
    Path((org, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let run = async {
        let pairs = crate::form(&app, &body)?;
        let field = |k: &str| crate::field(&pairs, k);
        crate::audit_ready(&app)?;
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
        let saved = with_write_scope!(&app, &org, |s, actor| {
            edit::save_batch(&s, &app.catalog, m, &org, &rows, &create, actor.as_deref()).await
        });
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
            Err(e) => Err(crate::write_error(e)),
        }
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}
