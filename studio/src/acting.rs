//! "Act as member": the organization's pages seen and written through the scope a member of it gets in the
//! application (`Db::scope_untyped`, the schema's `@@membership` described at run time): a VIEWER's scope
//! reads only, whatever the page sends; writes are recorded with that member as their actor.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use trato_hive_runtime::{MemberScope, ReadOnly, TenantScope};

use crate::{fail, App, Page};

/// Who Studio acts as in `org`, when it acts as a member: `(user id, role)`.
pub fn current(app: &App, org: &str) -> Option<(String, String)> {
    app.acting.lock().ok().and_then(|m| m.get(org).cloned())
}

/// The member scope of whoever Studio acts as in `org`, if anyone.
pub async fn member_scope(app: &App, org: &str) -> Result<Option<MemberScope>, Page> {
    let (Some((user, _)), Some((_, spec))) = (current(app, org), &app.catalog.members) else {
        return Ok(None);
    };
    Ok(Some(app.app.scope_untyped(spec, &user, org).await.map_err(fail)?))
}

/// The read scope of `org`: the member's when acting as one, else the system scope's (reason "studio").
pub async fn read_scope(app: &App, org: &str) -> Result<TenantScope<ReadOnly>, Page> {
    Ok(match member_scope(app, org).await? {
        Some(m) => m.read(),
        None => app.system.tenant(org).await.map_err(fail)?.read_only(),
    })
}

/// `POST /o/{org}/act`: act as `user` (a member of `org`), or as nobody (`user` empty).
pub(crate) async fn act(State(app): State<Arc<App>>, Path(org): Path<String>, body: Bytes) -> Response {
    let run = async {
        let pairs = crate::form(&app, &body)?;
        let field = |k: &str| crate::field(&pairs, k);
        crate::scope(&app, &org).await?;
        let user = field("user");
        if user.is_empty() {
            if let Ok(mut m) = app.acting.lock() {
                m.remove(&org);
            }
        } else {
            let Some((_, spec)) = &app.catalog.members else {
                return Err(Page::Status(
                    StatusCode::BAD_REQUEST,
                    "the schema has no @@membership".into(),
                ));
            };
            // Only a member of this organization: the same check the application's scope makes.
            let scope = app.app.scope_untyped(spec, user, &org).await.map_err(|e| match e {
                trato_hive_runtime::Error::Forbidden { reason } => Page::Status(StatusCode::FORBIDDEN, reason),
                other => fail(other),
            })?;
            if let Ok(mut m) = app.acting.lock() {
                m.insert(org.clone(), (user.to_string(), scope.role().to_string()));
            }
        }
        Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/o/{}", crate::pages::enc(&org)))],
        )
            .into_response())
    };
    run.await.unwrap_or_else(|p: Page| p.into_response())
}

/// The members of `org` with an "act as" button each, read through the org's scope.
pub async fn members(app: &App, org: &str) -> Result<Markup, Page> {
    let Some((name, spec)) = &app.catalog.members else {
        return Ok(html! {});
    };
    let scope = app.system.tenant(org).await.map_err(fail)?.read_only();
    let sql = crate::data::Sql {
        text: format!(
            "SELECT t.{user}::text, t.{role}::text FROM {table} t WHERE t.{key}::text = $1 ORDER BY 2, 1 LIMIT 200",
            user = crate::data::q(&spec.user_column),
            role = crate::data::q(&spec.role_column),
            table = spec.table,
            key = crate::data::q(&spec.tenant_column)
        ),
        params: vec![org.to_string()],
    };
    let rows = crate::data::in_scope(&scope, vec![sql]).await.map_err(fail)?;
    let acting = current(app, org);
    let action = format!("/o/{}/act", crate::pages::enc(org));
    Ok(html! {
        h2 { "Act as a member (" (name) ")" }
        p { "Pages then show and write what that member's scope in the application would: a read-only role writes nothing." }
        table.grid {
            tbody {
                @for r in rows.first().map(Vec::as_slice).unwrap_or_default() {
                    @let (user, role) = (crate::data::cell(r, 0).unwrap_or_default(), crate::data::cell(r, 1).unwrap_or_default());
                    tr {
                        td { (user) } td { (role) }
                        td {
                            @if acting.as_ref().is_some_and(|(u, _)| *u == user) {
                                form method="post" action=(action) { input type="hidden" name="csrf" value=(app.csrf); input type="hidden" name="user" value=""; button { "Stop acting" } }
                            } @else {
                                form method="post" action=(action) { input type="hidden" name="csrf" value=(app.csrf); input type="hidden" name="user" value=(user); button { "Act as" } }
                            }
                        }
                    }
                }
            }
        }
    })
}
