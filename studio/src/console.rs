//! The SQL console of an organization: a statement typed by hand, run in that organization's scope (the
//! application role under RLS, the tenant bound, or the member Studio acts as) in a `READ ONLY`
//! transaction, through the SQL guard. Rows come back as JSON objects, at most 500.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use crate::pages::{self, Place};
use crate::{scope, App, Page};

const ROWS: usize = 500;

fn form(app: &App, org: &str, sql: &str) -> Markup {
    html! {
        h1 { "SQL" }
        p { "Runs in this organization's scope, in a READ ONLY transaction, under row-level security; the SQL guard applies." }
        form.console method="post" action=(format!("/o/{}/sql", pages::enc(org))) {
            input type="hidden" name="csrf" value=(app.csrf);
            textarea name="sql" rows="6" { (sql) }
            div.actions { button type="submit" { "Run" } }
        }
    }
}

pub(crate) async fn show(State(app): State<Arc<App>>, Path(org): Path<String>) -> Response {
    let run = async {
        scope(&app, &org).await?;
        let place = Place {
            org: Some(&org),
            model: None,
        };
        Ok::<_, Page>(pages::layout(&app, &place, &[], "SQL", form(&app, &org, "")).into_response())
    };
    run.await.unwrap_or_else(|p| p.into_response())
}

pub(crate) async fn run(State(app): State<Arc<App>>, Path(org): Path<String>, body: Bytes) -> Response {
    let run = async {
        let pairs = crate::form(&app, &body)?;
        let field = |k: &str| crate::field(&pairs, k);
        let sql = field("sql").trim().trim_end_matches(';').to_string();
        let scope = scope(&app, &org).await?;
        // Each row as one JSON object, whatever its columns' types; the newline keeps a trailing comment
        // from swallowing the closing parenthesis.
        let wrapped = crate::data::Sql {
            text: format!("SELECT to_jsonb(q)::text FROM (\n{sql}\n) q LIMIT {}", ROWS + 1),
            params: Vec::new(),
        };
        let result = crate::data::in_scope(&scope, vec![wrapped]).await;
        let place = Place {
            org: Some(&org),
            model: None,
        };
        let out = match result {
            Ok(rows) => {
                let rows: Vec<serde_json::Map<String, serde_json::Value>> = rows
                    .first()
                    .map(|r| {
                        r.iter()
                            .filter_map(|row| crate::data::cell(row, 0))
                            .filter_map(|t| serde_json::from_str(&t).ok())
                            .collect()
                    })
                    .unwrap_or_default();
                let columns: Vec<String> = rows.first().map(|r| r.keys().cloned().collect()).unwrap_or_default();
                html! {
                    p { (rows.len().min(ROWS)) " row(s)" @if rows.len() > ROWS { " (the first " (ROWS) ")" } }
                    table.grid {
                        thead { tr { @for c in &columns { th { (c) } } } }
                        tbody {
                            @for r in rows.iter().take(ROWS) {
                                tr { @for c in &columns {
                                    @match r.get(c) {
                                        None | Some(serde_json::Value::Null) => td.null { "NULL" },
                                        Some(serde_json::Value::String(s)) => td { (s) },
                                        Some(v) => td { (v.to_string()) },
                                    }
                                } }
                            }
                        }
                    }
                }
            }
            Err(e) => html! { div.banner.danger { (e.to_string()) } },
        };
        let body = html! { (form(&app, &org, &sql)) (out) };
        Ok::<_, Page>(pages::layout(&app, &place, &[], "SQL", body).into_response())
    };
    run.await.unwrap_or_else(|p| p.into_response())
}
