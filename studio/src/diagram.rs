//! The schema diagram, drawn on the server as SVG: the tenant root on top, each tenant model one layer
//! below the deepest model it points at, global models in a column of their own; boxes of a layer ordered
//! by the mean position of what they point at (fewer crossings), on a grid so that no two overlap. One edge
//! per foreign key, from the row holding it to the row it names, with a crow's foot at the many end.
//! Every box links to its table.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::catalog::{Catalog, Kind, Model};
use crate::pages::{enc, grid_url};

const W: f64 = 200.0;
const LINE: f64 = 16.0;
const GAP_X: f64 = 60.0;
const GAP_Y: f64 = 70.0;
const FIELDS: usize = 6;

/// A box: where, and how tall.
struct Placed<'a> {
    model: &'a Model,
    x: f64,
    y: f64,
    h: f64,
}

fn height(m: &Model) -> f64 {
    LINE * 1.8 + LINE * m.columns.len().min(FIELDS + 1) as f64
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG document for `catalog`; boxes link into organization `org` when one is chosen.
pub fn svg(catalog: &Catalog, org: Option<&str>) -> String {
    // Layers: the root at 0, then each model one below the deepest model it references.
    let targets = |m: &Model| -> Vec<String> {
        m.columns
            .iter()
            .filter_map(|c| c.references.as_ref().map(|(t, _)| t.clone()))
            .filter(|t| *t != m.name)
            .collect()
    };
    let mut layer: HashMap<&str, usize> = HashMap::new();
    let tenant: Vec<&Model> = catalog.models.iter().filter(|m| m.kind != Kind::Global).collect();
    for m in &tenant {
        layer.insert(&m.name, usize::from(m.kind != Kind::Root));
    }
    for _ in 0..tenant.len() {
        for m in &tenant {
            let deepest = targets(m)
                .iter()
                .filter_map(|t| layer.get(t.as_str()).copied())
                .max()
                .map_or(layer[m.name.as_str()], |d| d + 1);
            let here = layer[m.name.as_str()].max(deepest);
            layer.insert(&m.name, here.min(tenant.len()));
        }
    }
    let depth = layer.values().copied().max().unwrap_or(0);
    let mut rows: Vec<Vec<&Model>> = (0..=depth)
        .map(|d| tenant.iter().copied().filter(|m| layer[m.name.as_str()] == d).collect())
        .collect();
    // Barycentre ordering, top down.
    let mut slot: HashMap<String, f64> = HashMap::new();
    for row in rows.iter_mut() {
        let mean = |m: &Model| -> f64 {
            let xs: Vec<f64> = targets(m).iter().filter_map(|t| slot.get(t).copied()).collect();
            if xs.is_empty() {
                f64::MAX
            } else {
                xs.iter().sum::<f64>() / xs.len() as f64
            }
        };
        row.sort_by(|a, b| mean(a).total_cmp(&mean(b)).then(a.name.cmp(&b.name)));
        for (i, m) in row.iter().enumerate() {
            slot.insert(m.name.clone(), i as f64);
        }
    }
    let mut placed: Vec<Placed<'_>> = Vec::new();
    let mut y = 20.0;
    let widest = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for row in &rows {
        let h = row.iter().map(|m| height(m)).fold(0.0, f64::max);
        for (i, m) in row.iter().enumerate() {
            placed.push(Placed {
                model: m,
                x: 20.0 + i as f64 * (W + GAP_X),
                y,
                h: height(m),
            });
        }
        y += h + GAP_Y;
    }
    // Global models: a column to the right.
    let gx = 20.0 + widest as f64 * (W + GAP_X) + GAP_X;
    let mut gy = 20.0;
    for m in catalog.models.iter().filter(|m| m.kind == Kind::Global) {
        placed.push(Placed {
            model: m,
            x: gx,
            y: gy,
            h: height(m),
        });
        gy += height(m) + 24.0;
    }
    let width = gx + W + 20.0;
    let height_all = y.max(gy) + 20.0;
    let at: HashMap<&str, &Placed<'_>> = placed.iter().map(|p| (p.model.name.as_str(), p)).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width:.0}" height="{height_all:.0}" viewBox="0 0 {width:.0} {height_all:.0}" font-family="system-ui, sans-serif" font-size="12"><defs><marker id="many" viewBox="0 0 12 12" refX="1" refY="6" markerWidth="12" markerHeight="12" orient="auto-start-reverse"><path d="M1 6 L11 1 M1 6 L11 6 M1 6 L11 11" stroke="#687083" fill="none"/></marker><marker id="one" viewBox="0 0 12 12" refX="11" refY="6" markerWidth="12" markerHeight="12" orient="auto"><path d="M6 1 L6 11" stroke="#687083"/></marker></defs>"##
    );
    // Edges first, under the boxes.
    for p in &placed {
        for c in &p.model.columns {
            let Some((target, _)) = &c.references else { continue };
            let Some(t) = at.get(target.as_str()) else { continue };
            let (x1, y1) = (p.x + W / 2.0, p.y);
            let (x2, y2) = (t.x + W / 2.0, t.y + t.h);
            let _ = write!(
                out,
                r##"<path class="edge" data-from="{}" data-to="{}" d="M{x1:.0} {y1:.0} C{x1:.0} {:.0}, {x2:.0} {:.0}, {x2:.0} {y2:.0}" stroke="#9aa1b1" fill="none" marker-start="url(#many)" marker-end="url(#one)"><title>{}.{} → {}</title></path>"##,
                xml(&p.model.name),
                xml(target),
                (y1 + y2) / 2.0,
                (y1 + y2) / 2.0,
                xml(&p.model.name),
                xml(&c.field),
                xml(target)
            );
        }
    }
    for p in &placed {
        let m = p.model;
        let colour = match m.kind {
            Kind::Global => "#7a4fc4",
            _ => "#2f6fdb",
        };
        let href = match (m.kind, org) {
            (Kind::Global, _) | (_, Some(_)) => grid_url(org, &m.name),
            _ => format!("/?model={}", enc(&m.name)),
        };
        let _ = write!(
            out,
            r##"<g id="model-{}" class="model" data-x="{:.0}" data-y="{:.0}" data-w="{W:.0}" data-h="{:.0}"><a href="{}"><rect x="{:.0}" y="{:.0}" width="{W:.0}" height="{:.0}" rx="4" fill="#fff" stroke="{colour}" stroke-width="1.5"/><rect x="{:.0}" y="{:.0}" width="{W:.0}" height="{:.0}" rx="4" fill="{colour}"/><text x="{:.0}" y="{:.0}" fill="#fff" font-weight="600">{}</text>"##,
            xml(&m.name),
            p.x,
            p.y,
            p.h,
            xml(&href),
            p.x,
            p.y,
            p.h,
            p.x,
            p.y,
            LINE * 1.4,
            p.x + 8.0,
            p.y + LINE,
            xml(&m.name),
        );
        for (i, c) in m.columns.iter().take(FIELDS).enumerate() {
            let _ = write!(
                out,
                r##"<text x="{:.0}" y="{:.0}" fill="#1d2330">{}<tspan fill="#687083"> {}{}</tspan></text>"##,
                p.x + 8.0,
                p.y + LINE * (2.4 + i as f64),
                xml(&c.field),
                xml(&c.type_name),
                if c.nullable { "?" } else { "" }
            );
        }
        if m.columns.len() > FIELDS {
            let _ = write!(
                out,
                r##"<text x="{:.0}" y="{:.0}" fill="#687083">… {} more</text>"##,
                p.x + 8.0,
                p.y + LINE * (2.4 + FIELDS as f64),
                m.columns.len() - FIELDS
            );
        }
        out.push_str("</a></g>");
    }
    out.push_str("</svg>");
    out
}

/// The diagram page's body: the SVG inline (its text is schema names only, never database data, each
/// escaped by `xml` above: the one place Studio writes markup itself).
pub fn page(catalog: &Catalog, org: Option<&str>) -> maud::Markup {
    maud::html! {
        h1 { "Schema" }
        p { "Tenant models in blue (the root on top), global ones in purple; each box opens its table." }
        div.diagram { (maud::PreEscaped(svg(catalog, org))) }
    }
}
