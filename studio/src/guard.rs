//! The security envelope, before any handler: the `Host` allow-list (DNS rebinding: 421), the one-time
//! token exchanged for an `HttpOnly; SameSite=Strict` session cookie (401 without it), the `Origin` check
//! on every write (403; the CSRF field is checked by the handlers, which read the form), and the headers
//! of every response (a strict CSP, no sniffing, no referrer to other sites, no caching). The referrer
//! policy is `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with a
//! form's POST, and the Origin check would refuse Studio's own pages (found by the browser test).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::App;

/// The session cookie's name.
pub const COOKIE: &str = "studio_session";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Equal, compared in constant time (no early exit that would tell how much of a secret matched).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// The hosts a request may name: this port on loopback, by address or as `localhost`.
fn allowed_host(app: &App, host: &str) -> bool {
    let port = app.port;
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
    .iter()
    .any(|h| h == host)
}

fn cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The query string without its `token` pair.
fn without_token(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| !kv.starts_with("token=") && !kv.is_empty())
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut response = check(&app, req, next).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Not `no-referrer`: a browser then sends `Origin: null` with a form's POST.
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn check(app: &App, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !allowed_host(app, &host) {
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            "Studio answers to 127.0.0.1, localhost and [::1] on its own port only",
        );
    }
    if matches!(req.uri().path(), "/assets/studio.css" | "/assets/studio.js") && req.method() == Method::GET {
        return next.run(req).await;
    }
    let query = req.uri().query().unwrap_or("").to_string();
    if let Some(token) = query.split('&').find_map(|kv| kv.strip_prefix("token=")) {
        if !same_secret(token, &app.token) {
            return plain(
                StatusCode::UNAUTHORIZED,
                "this Studio link's token is not valid: use the URL `trato studio` printed",
            );
        }
        // One use: a link that lingers in a history, a log or a chat opens nothing later.
        if app.token_spent.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return plain(
                StatusCode::UNAUTHORIZED,
                "this Studio link was used already (it works once): restart `trato studio` for a new one",
            );
        }
        // The token is spent on a cookie and leaves the address bar (history, Referer).
        let rest = without_token(&query);
        let location = if rest.is_empty() {
            req.uri().path().to_string()
        } else {
            format!("{}?{rest}", req.uri().path())
        };
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SEE_OTHER;
        if let (Ok(loc), Ok(set)) = (
            HeaderValue::from_str(&location),
            HeaderValue::from_str(&format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", app.session)),
        ) {
            response.headers_mut().insert(header::LOCATION, loc);
            response.headers_mut().insert(header::SET_COOKIE, set);
        }
        return response;
    }
    if !cookie(&req).is_some_and(|c| same_secret(&c, &app.session)) {
        return plain(
            StatusCode::UNAUTHORIZED,
            "open Studio with the URL `trato studio` printed (it carries a one-time token)",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok());
        let same = origin
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| allowed_host(app, o));
        if !same {
            return plain(StatusCode::FORBIDDEN, "a write must come from a Studio page (Origin)");
        }
    }
    next.run(req).await
}
