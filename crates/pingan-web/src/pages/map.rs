//! The grid map: a region's grids drawn from their polygons as inline SVG, and its red
//! stations (红色驿站) as markers over them. No tile server and no script library: the page
//! works on an intranet and without JavaScript.

use super::{PageActor, Ui, render, visible_ancestors};
use crate::AppState;
use crate::error::PageResult;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Html;
use pingan_domain::access::{Action, Resource};
use pingan_domain::geometry::{BBox, SvgProjection};
use pingan_domain::org::OrgKind;
use pingan_store::orgs::{Org, OrgFilter};
use pingan_store::regions::{GridShape, Region};
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    ui: Ui,
    region: Region,
    ancestors: Vec<Region>,
    grid_count: usize,
    svg: String,
}

/// Muted, distinguishable fills for neighbouring subdivisions.
const PALETTE: [&str; 12] = [
    "#8fb8de", "#f4a582", "#a6d96a", "#d4b9da", "#fdd49e", "#80cdc1", "#c2a5cf", "#fee08b", "#92c5de", "#f1b6da",
    "#b8e186", "#dfc27d",
];

pub async fn map_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    current.actor.require(Action::Read, Resource::Region)?;
    let region = state.store.region(&current.actor.scope, id).await?;
    let ancestors = visible_ancestors(&state, &current.actor, &region).await?;
    let grids = state.store.grid_shapes(&current.actor.scope, id).await?;
    let children = state.store.children(&current.actor.scope, id).await?;
    let names: HashMap<i64, &str> = children.iter().map(|c| (c.region.id, c.region.name.as_str())).collect();
    // Stations link to their pages, which only those who read grassroots forces may open.
    let stations = if current.actor.permits(Action::Read, Resource::Forces) {
        let f = OrgFilter { kind: Some(OrgKind::RedStation), region_id: Some(id), limit: 5000, ..Default::default() };
        state.store.orgs(&current.actor.scope, &f).await?.0
    } else {
        vec![]
    };
    let ui = Ui::for_actor(&headers, &current);
    let svg = draw(&region, &grids, &names, &stations, ui.t("station.on_map"));
    render(MapPage { ui, grid_count: grids.len(), region, ancestors, svg })
}

/// One `<path>` per grid, coloured by the subdivision of `region` it belongs to,
/// each linking to its grid page; over them a circle per red station with a position,
/// linking to the station's page.
fn draw(
    region: &Region,
    grids: &[GridShape],
    child_names: &HashMap<i64, &str>,
    stations: &[Org],
    station_word: &str,
) -> String {
    let mut bbox = BBox::empty();
    for g in grids {
        bbox.union(&g.ring.bbox());
    }
    if bbox.is_empty() {
        return String::from("<p class=\"muted\">—</p>");
    }
    let proj = SvgProjection::fit(bbox, 1000.0);
    let depth = region.path.ids().len();
    let mut colour_of: HashMap<i64, &str> = HashMap::new();
    let mut svg = String::with_capacity(grids.len() * 120);
    let _ = write!(
        svg,
        r#"<svg class="gridmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {:.0} {:.0}" role="img" aria-label="{}">"#,
        proj.width,
        proj.height,
        crate::html_escape(&region.name)
    );
    for g in grids {
        // The child of `region` that contains this grid: the next id on its path.
        let child = g.path.ids().get(depth).copied().unwrap_or(g.id);
        let next = colour_of.len();
        let fill = *colour_of.entry(child).or_insert(PALETTE[next % PALETTE.len()]);
        let label = match child_names.get(&child) {
            Some(n) if child != g.id => format!("{n} {} {}", g.name, g.code),
            _ => format!("{} {}", g.name, g.code),
        };
        let label = crate::html_escape(&label);
        let _ = write!(
            svg,
            r#"<a href="/regions/{id}"><path d="{d}" fill="{fill}"><title>{label}</title></path></a>"#,
            id = g.id,
            d = proj.path(&g.ring),
        );
    }
    // A marker keeps its size on the screen whatever the region's extent: a fixed share of
    // the 1000-unit-wide canvas.
    for s in stations {
        let (Some(lon), Some(lat)) = (s.lon, s.lat) else { continue };
        let (x, y) = proj.project(lon, lat);
        let label = match &s.opening_hours {
            Some(h) => format!("{station_word} {} · {h}", s.name),
            None => format!("{station_word} {}", s.name),
        };
        let _ = write!(
            svg,
            r#"<a href="/stations/{id}"><circle class="station" cx="{x:.1}" cy="{y:.1}" r="6"><title>{label}</title></circle></a>"#,
            id = s.id,
            label = crate::html_escape(&label),
        );
    }
    svg.push_str("</svg>");
    svg
}
