//! The pages, as maud markup: every value goes through maud's escaping (no `PreEscaped` on data, a test
//! greps for it), links are plain GETs so every view is a URL, and there is no inline script.

use maud::{html, Markup, DOCTYPE};

use crate::catalog::{Kind, Model};
use crate::data::{bounded, Op, View};
use crate::App;

/// Where a page is: the organization chosen (for tenant data) and the model shown.
pub struct Place<'a> {
    pub org: Option<&'a str>,
    pub model: Option<&'a str>,
}

/// The URL of `model`'s grid in the place's organization.
pub fn grid_url(org: Option<&str>, model: &str) -> String {
    match org {
        Some(o) => format!("/o/{}/m/{}", enc(o), enc(model)),
        None => format!("/m/{}", enc(model)),
    }
}

/// The URL of one record.
pub fn record_url(org: Option<&str>, model: &str, key: &str) -> String {
    format!("{}/r/{}", grid_url(org, model), enc(key))
}

/// A path segment, percent-encoded.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page around `body`: the sidebar of models (with their counts in this scope, when known), the scope
/// banner, the body.
pub fn layout(app: &App, place: &Place<'_>, counts: &[(String, i64)], title: &str, body: Markup) -> Markup {
    let group =
        |kind: &[Kind]| -> Vec<&Model> { app.catalog.models.iter().filter(|m| kind.contains(&m.kind)).collect() };
    let tenant = group(&[Kind::Root, Kind::Tenant]);
    let global = group(&[Kind::Global]);
    let link = |m: &Model| {
        let class = match m.kind {
            Kind::Global => "global",
            _ => "tenant",
        };
        let current = place.model == Some(m.name.as_str());
        let count = counts.iter().find(|(n, _)| *n == m.name).map(|(_, c)| bounded(*c));
        let href = match (m.kind, place.org) {
            (Kind::Global, _) => grid_url(place.org, &m.name),
            (_, Some(o)) => grid_url(Some(o), &m.name),
            (_, None) => "/".to_string(),
        };
        html! {
            a.(class) .current[current] href=(href) title=(m.docs) {
                span { (m.name) }
                @if let Some(c) = count { span.count { (c) } }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · Studio" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/studio.css";
                script src="/assets/studio.js" defer {}
            }
            body {
                nav {
                    h1 { a href="/" { "Studio" } }
                    input #model-search type="search" placeholder="Models (Ctrl/⌘ K)" aria-label="find a model";
                    @if app.catalog.root.is_some() {
                        h2 { "Tenant" @if let Some(o) = place.org { " · " (o) } }
                        @if place.org.is_some() {
                            @for m in &tenant { (link(m)) }
                        } @else {
                            p { "Pick an organization to browse its data." }
                        }
                    }
                    h2 { "Global" }
                    @for m in &global { (link(m)) }
                    h2 { "Database" }
                    @if let Some(o) = place.org { a href=(format!("/o/{}/sql", enc(o))) { "SQL console" } }
                    a href=(match place.org { Some(o) => format!("/o/{}/diagram", enc(o)), None => "/diagram".to_string() }) { "Schema diagram" }
                    a href="/health" { "Tenancy health" }
                    a href="/migrations" {
                        span { "Migrations" }
                        @if let Some(b) = app.badge.lock().ok().and_then(|b| b.clone()) { span.badge title="the migrations against the database's history" { (b) } }
                    }
                    a href="/log" { "Query log" }
                }
                main {
                    @if app.forced {
                        div.banner.danger { "Not a development database: Studio was forced to open it, read-only." }
                    } @else if app.read_only {
                        div.banner.readonly { "Read-only: every transaction is READ ONLY." }
                    }
                    @if let Some(o) = place.org {
                        @match crate::acting::current(app, o) {
                            Some((user, role)) => div.banner.acting { "Scope: organization " strong { (o) } ", acting as member " strong { (user) } " (" (role) "): what their scope in the application reads and writes." },
                            None => div.banner { "Scope: organization " strong { (o) } ", as the application role under row-level security (system scope, reason “studio”)." },
                        }
                    }
                    (body)
                    div #keys hidden {
                        h2 { "Keys" }
                        ul {
                            li { kbd { "Ctrl/⌘ S" } " save the record" }
                            li { kbd { "Esc" } " discard the changes" }
                            li { kbd { "Ctrl/⌘ K" } " find a model" }
                            li { kbd { "↑" } " " kbd { "↓" } " the same column, one row up or down (a page being edited)" }
                            li { kbd { "?" } " this list" }
                        }
                    }
                }
            }
        }
    }
}

/// The organization picker.
pub fn home(app: &App, orgs: &[(String, String)]) -> Markup {
    html! {
        h1 { "Organizations" }
        @if app.catalog.root.is_none() {
            p { "This schema has no tenant root: every model is global." }
        }
        ul {
            @for (id, label) in orgs {
                li { a href=(format!("/o/{}", enc(id))) { (label) } " " small { (id) } }
            }
        }
    }
}

/// The grid of a view: a filter form, the rows, paging, and links to export it.
pub struct Grid<'a> {
    pub model: &'a Model,
    pub org: Option<&'a str>,
    pub view: &'a View,
    pub rows: Vec<Vec<Option<String>>>,
    pub total: i64,
    /// For each back relation: each row's child count, by the parent's key.
    pub children: Vec<Vec<(String, i64)>>,
    /// For each column: the labels of the rows its foreign key values point at (empty for others).
    pub labels: Vec<Vec<(String, String)>>,
    /// Whether this scope may write (a form for new rows).
    pub writable: bool,
    /// Edit mode: the CSRF field and each row's version (`xmin`), when the grid is a form.
    pub edit: Option<(&'a str, Vec<(String, String)>)>,
}

pub fn grid(g: &Grid<'_>) -> Markup {
    let m = g.model;
    let base = grid_url(g.org, &m.name);
    let pages = (g.total.min(crate::data::COUNT_LIMIT) + g.view.size - 1) / g.view.size;
    let key_index = m.key.first().and_then(|k| m.columns.iter().position(|c| &c.field == k));
    let next_key = key_index.and_then(|i| g.rows.last().and_then(|r| r[i].clone()));
    let keyset = g.view.sort.as_ref().is_none_or(|(f, _)| m.key.first() == Some(f));
    // The columns shown, in order: the view's choice, else every column but the scope's tenant key.
    let order: Vec<usize> = if g.view.cols.is_empty() {
        (0..m.columns.len())
            .filter(|i| shown(m, g.org, &m.columns[*i].field))
            .collect()
    } else {
        g.view
            .cols
            .iter()
            .filter_map(|f| m.columns.iter().position(|c| c.field == *f))
            .collect()
    };
    html! {
        h1 title=(m.docs) { (m.name) }
        p { (bounded(g.total)) " rows" @if !m.docs.is_empty() { " · " (m.docs) } }
        form.filters method="get" action=(base) {
            select name="w-field" { @for c in &m.columns { option value=(c.field) { (c.field) } } }
            select name="w-op" { @for (_, name, label) in Op::ALL { option value=(name) { (label) } } }
            input name="w-value" placeholder="value";
            label { input type="checkbox" name="any" value="1" checked[g.view.any]; " any (OR)" }
            input name="cols" value=(g.view.cols.join(",")) placeholder="columns, in order" title="the columns to show, comma-separated, in order";
            button { "Apply" }
            @for (f, o, v) in &g.view.filters { input type="hidden" name="w" value=(format!("{f}.{}.{v}", o.name())); }
        }
        @if !g.view.filters.is_empty() {
            p { "Filters (" (if g.view.any { "any" } else { "all" }) "): "
                @for (f, o, v) in &g.view.filters { code { (f) " " (o.name()) " " (v) } " " }
                a href=(base) { "clear" }
            }
        }
        @let table = html! { table.grid {
            thead { tr {
                @for c in order.iter().map(|i| &m.columns[*i]) {
                    th title=(format!("{}{}{}", c.type_name, if c.nullable { "?" } else { "" }, if c.docs.is_empty() { String::new() } else { format!(" — {}", c.docs) })) {
                        a href=(format!("{base}?{}", View { sort: Some((c.field.clone(), g.view.sort.as_ref().is_some_and(|(f, d)| f == &c.field && !d))), page: 1, after: None, ..g.view.clone() }.query(None, None))) { (c.field) }
                    }
                }
                @for r in &m.back_relations { th { (r.field) } }
            } }
            tbody {
                @if g.edit.is_some() {
                    tr.new {
                        @for c in order.iter().map(|i| &m.columns[*i]) {
                            @if crate::write::asked(m, c) {
                                td.cell { (input_new(c, &format!("n.{}", c.field))) }
                            } @else {
                                td.null { @if m.key.contains(&c.field) { "new row" } }
                            }
                        }
                        @for _ in &m.back_relations { td {} }
                    }
                }
                @for row in &g.rows {
                    @let key = key_index.and_then(|i| row[i].clone()).unwrap_or_default();
                    tr {
                        @for ((c, v), labels) in order.iter().map(|i| ((&m.columns[*i], &row[*i]), &g.labels[*i])) {
                            @if g.edit.is_some() && crate::edit::editable(m, c) {
                                td.cell { (input_named(c, v.as_deref(), &format!("r.{key}.{}", c.field), &format!("rn.{key}.{}", c.field))) }
                            } @else {
                            @match v {
                                None => td.null { "NULL" },
                                Some(v) => {
                                    td {
                                        @if Some(&c.field) == m.key.first() {
                                            a href=(record_url(g.org, &m.name, v)) { (v) }
                                        } @else if let Some((target, _)) = &c.references {
                                            @let label = labels.iter().find(|(k, _)| k == v).map(|(_, l)| l.as_str());
                                            a href=(record_url(g.org, target, v)) title=(v) { (label.unwrap_or(v)) }
                                        } @else { (v) }
                                    }
                                }
                            }
                            }
                        }
                        @for (r, counts) in m.back_relations.iter().zip(&g.children) {
                            @let n = counts.iter().find(|(k, _)| *k == key).map_or(0, |(_, n)| *n);
                            td { a href=(format!("{}?w={}.eq.{}", grid_url(g.org, &r.child), enc(&r.child_field), enc(&key))) { (n) } }
                        }
                    }
                }
            }
        } };
        @if let Some((csrf, versions)) = &g.edit {
            form.batch method="post" action=(format!("{base}/batch")) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(View { edit: false, ..g.view.clone() }.query(Some(g.view.page), None));
                @for (k, v) in versions { input type="hidden" name=(format!("v.{k}")) value=(v); }
                (table)
                div.actions {
                    button type="submit" { "Save changes" }
                    a.discard href=(format!("{base}?{}", g.view.query(Some(g.view.page), None))) { "Discard" }
                }
            }
        } @else {
            (table)
        }
        div.pager {
            @if g.view.page > 1 { a href=(format!("{base}?{}", g.view.query(Some(g.view.page - 1), None))) { "← previous" } }
            span { "page " (g.view.page) " of " (pages.max(1)) @if g.total > crate::data::COUNT_LIMIT { "+" } }
            @if (g.rows.len() as i64) == g.view.size {
                a href=(format!("{base}?{}", g.view.query(Some(g.view.page + 1), None))) { "next →" }
                @if keyset { @if let Some(k) = &next_key {
                    a href=(format!("{base}?{}", g.view.query(None, Some(k)))) title="keyset: the rows after the last key, however deep" { "next (keyset) →" }
                } }
            }
            @if g.org.is_some() && g.writable {
                a href=(format!("{base}/new")) { "New row" }
                @if g.edit.is_none() {
                    a href=(format!("{base}?{}", View { edit: true, ..g.view.clone() }.query(Some(g.view.page), None))) title="every row of this page as a form, saved in one transaction" { "Edit this page" }
                }
            }
            @if g.org.is_some() {
                a href=(format!("{base}/inspect?{}", g.view.query(Some(g.view.page), None))) title="the SQL, the repository call and the plan" { "Inspect" }
            }
            @if m.soft_delete.is_some() {
                @if g.view.deleted {
                    a href=(format!("{base}?{}", View { deleted: false, ..g.view.clone() }.query(None, None))) { "Hide deleted" }
                } @else {
                    a href=(format!("{base}?{}", View { deleted: true, ..g.view.clone() }.query(None, None))) { "Show deleted" }
                }
            }
            a href=(format!("{base}?{}", with_format(g.view, "csv"))) { "CSV" }
            a href=(format!("{base}?{}", with_format(g.view, "json"))) { "JSON" }
        }
    }
}

/// Whether a grid shows the column of `field`: the tenant key is the scope's, the same on every row.
fn shown(m: &Model, org: Option<&str>, field: &str) -> bool {
    org.is_none() || m.tenant_field.as_deref() != Some(field)
}

fn with_format(view: &View, format: &str) -> String {
    let q = view.query(Some(view.page), view.after.as_deref());
    if q.is_empty() {
        format!("format={format}")
    } else {
        format!("{q}&format={format}")
    }
}

/// The edit form's context: where it posts, and what it must carry.
pub struct Form<'a> {
    pub csrf: &'a str,
    /// The row version (`xmin`) the values were read at.
    pub version: &'a str,
    pub action: String,
}

/// One record: each field (an input when the record can be edited, else its value; foreign keys link to
/// their row, under its label), and each to-many relation with its count.
pub fn record(
    m: &Model,
    org: Option<&str>,
    values: &[Option<String>],
    labels: &[Option<String>],
    choices: &[Option<Vec<(String, String)>>],
    children: &[(String, String, i64)],
    form: Option<&Form<'_>>,
) -> Markup {
    let fields = html! {
        dl.record {
            @for (((c, v), label), choice) in m.columns.iter().zip(values).zip(labels).zip(choices) {
                dt title=(c.docs) { (c.field) small { " " (c.type_name) @if c.nullable { "?" } } }
                @if form.is_some() && crate::edit::editable(m, c) {
                    @if let Some(options) = choice {
                        dd { (picker(c, v.as_deref(), options)) }
                    } @else {
                        dd { (input(c, v.as_deref())) }
                    }
                } @else {
                    @match v {
                        None => dd.null { "NULL" },
                        Some(v) => dd {
                            @if let Some((target, _)) = &c.references {
                                a href=(record_url(org, target, v)) title=(v) { (label.as_deref().unwrap_or(v)) }
                            } @else { (v) }
                        },
                    }
                }
            }
        }
    };
    html! {
        h1 { (m.name) }
        @if let Some(f) = form {
            form.edit method="post" action=(f.action) {
                input type="hidden" name="csrf" value=(f.csrf);
                input type="hidden" name="version" value=(f.version);
                (fields)
                div.actions {
                    button type="submit" { "Save" }
                    " "
                    a.discard href=(f.action) { "Discard" }
                    a href=(format!("{}/delete", f.action)) { "Delete…" }
                }
            }
        } @else {
            (fields)
        }
        @if !children.is_empty() {
            h2 { "Relations" }
            ul {
                @for (field, href, n) in children { li { a href=(href) { (field) ": " (bounded(*n)) } } }
            }
        }
    }
}

/// A foreign key's input: a list of the target's rows in this scope, by label (and NULL when optional).
fn picker(c: &crate::catalog::Column, v: Option<&str>, options: &[(String, String)]) -> Markup {
    html! {
        span.input {
            select name=(format!("f.{}", c.field)) {
                @if c.nullable { option value="" selected[v.is_none()] { "—" } }
                @for (k, label) in options { option value=(k) selected[v == Some(k.as_str())] { (label) " (" (k) ")" } }
            }
            @if c.nullable {
                label.null { input type="checkbox" name=(format!("null.{}", c.field)) checked[v.is_none()]; " NULL" }
            }
        }
    }
}

/// The input of an editable field: enums and booleans as a list, JSON as a text area, the rest as text
/// (Decimal, BigInt and dates typed as text, checked by the database), with a NULL box when optional.
pub fn input(c: &crate::catalog::Column, v: Option<&str>) -> Markup {
    input_named(c, v, &format!("f.{}", c.field), &format!("null.{}", c.field))
}

/// The input of a field of a grid's new row: empty unless typed or picked (an untouched new row creates
/// nothing), so lists start empty and there is no NULL box (empty is the database's default).
fn input_new(c: &crate::catalog::Column, name: &str) -> Markup {
    html! {
        span.input {
            @if !c.enum_values.is_empty() || c.type_name == "Boolean" {
                select name=(name) {
                    option value="" selected { "" }
                    @if c.enum_values.is_empty() {
                        option value="true" { "true" } option value="false" { "false" }
                    } @else {
                        @for e in &c.enum_values { option value=(e) { (e) } }
                    }
                }
            } @else {
                input name=(name) value="";
            }
        }
    }
}

/// [`input`] under other names (a grid's row `r.<key>.<field>`).
pub fn input_named(c: &crate::catalog::Column, v: Option<&str>, name: &str, null_name: &str) -> Markup {
    html! {
        span.input {
            @if !c.enum_values.is_empty() {
                select name=(name) {
                    @for e in &c.enum_values { option value=(e) selected[v == Some(e.as_str())] { (e) } }
                }
            } @else if c.type_name == "Boolean" {
                select name=(name) {
                    @for b in ["true", "false"] { option value=(b) selected[v == Some(b)] { (b) } }
                }
            } @else if c.type_name == "Json" {
                textarea name=(name) rows="3" { (v.unwrap_or("")) }
            } @else {
                input name=(name) value=(v.unwrap_or(""));
            }
            @if c.nullable {
                label.null { input type="checkbox" name=(null_name) checked[v.is_none()]; " NULL" }
            }
        }
    }
}
