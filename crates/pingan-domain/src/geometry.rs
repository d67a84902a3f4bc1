//! Grid polygons and the point → grid lookup.
//!
//! Grids tile each village without gaps or overlap, so a point lies inside
//! exactly one grid, or on a border shared by several. Border points are given to
//! the grid with the smallest code, so every point of the city resolves to
//! exactly one grid.

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{BoundingRect, Coord, LineString, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// A validated lon/lat ring: at least three distinct corners, closed, inside the
/// WGS84 range. Stored as a JSON array of `[lon, lat]` pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Ring(Vec<[f64; 2]>);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("polygon needs at least 3 distinct corners, got {0}")]
    TooFewPoints(usize),
    #[error("coordinate ({0}, {1}) is not a longitude/latitude pair")]
    OutOfRange(f64, f64),
    #[error("polygon is not valid JSON of [lon, lat] pairs: {0}")]
    Malformed(String),
}

impl Ring {
    pub fn new(mut points: Vec<[f64; 2]>) -> Result<Self, GeometryError> {
        for p in &points {
            if !p[0].is_finite() || !p[1].is_finite() || p[0].abs() > 180.0 || p[1].abs() > 90.0 {
                return Err(GeometryError::OutOfRange(p[0], p[1]));
            }
        }
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        let mut distinct = points.clone();
        distinct.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(GeometryError::TooFewPoints(distinct.len()));
        }
        let first = points[0];
        points.push(first);
        Ok(Ring(points))
    }

    pub fn from_json(s: &str) -> Result<Self, GeometryError> {
        let pts: Vec<[f64; 2]> = serde_json::from_str(s).map_err(|e| GeometryError::Malformed(e.to_string()))?;
        Ring::new(pts)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("numbers serialise")
    }

    pub fn points(&self) -> &[[f64; 2]] {
        &self.0
    }

    pub fn to_polygon(&self) -> Polygon<f64> {
        Polygon::new(LineString::from(self.0.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()), vec![])
    }

    /// A point inside the ring (not merely in its box): `(lon, lat)`, as a phone standing in
    /// the grid would report it.
    pub fn interior_point(&self) -> Option<(f64, f64)> {
        use geo::InteriorPoint;
        self.to_polygon().interior_point().map(|p| (p.x(), p.y()))
    }

    pub fn bbox(&self) -> BBox {
        let mut b = BBox::empty();
        for p in &self.0 {
            b.extend(p[0], p[1]);
        }
        b
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub fn empty() -> Self {
        BBox { min_lon: f64::INFINITY, min_lat: f64::INFINITY, max_lon: f64::NEG_INFINITY, max_lat: f64::NEG_INFINITY }
    }

    pub fn extend(&mut self, lon: f64, lat: f64) {
        self.min_lon = self.min_lon.min(lon);
        self.min_lat = self.min_lat.min(lat);
        self.max_lon = self.max_lon.max(lon);
        self.max_lat = self.max_lat.max(lat);
    }

    pub fn union(&mut self, other: &BBox) {
        self.extend(other.min_lon, other.min_lat);
        self.extend(other.max_lon, other.max_lat);
    }

    pub fn is_empty(&self) -> bool {
        self.min_lon > self.max_lon
    }
}

/// Equirectangular projection onto an SVG canvas, with longitude scaled by
/// cos(latitude) so that shapes keep their proportions at Dezhou's latitude.
#[derive(Debug, Clone, Copy)]
pub struct SvgProjection {
    bbox: BBox,
    scale: f64,
    kx: f64,
    pub width: f64,
    pub height: f64,
}

impl SvgProjection {
    pub fn fit(bbox: BBox, width: f64) -> Self {
        let mid_lat = ((bbox.min_lat + bbox.max_lat) / 2.0).to_radians();
        let kx = mid_lat.cos();
        let w = ((bbox.max_lon - bbox.min_lon) * kx).max(1e-9);
        let h = (bbox.max_lat - bbox.min_lat).max(1e-9);
        let scale = width / w;
        SvgProjection { bbox, scale, kx, width, height: (h * scale).ceil() }
    }

    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.bbox.min_lon) * self.kx * self.scale, (self.bbox.max_lat - lat) * self.scale)
    }

    /// An SVG path `d` attribute for a ring, in whole pixels of a 1000-px-wide
    /// canvas (finer detail is invisible and only makes pages heavier).
    pub fn path(&self, ring: &Ring) -> String {
        let mut d = String::with_capacity(ring.points().len() * 14);
        for (i, p) in ring.points().iter().enumerate() {
            let (x, y) = self.project(p[0], p[1]);
            d.push(if i == 0 { 'M' } else { 'L' });
            d.push_str(&format!("{x:.0} {y:.0}"));
        }
        d.push('Z');
        d
    }
}

struct Shape {
    polygon: Polygon<f64>,
    grid_id: i64,
}

/// R-tree of grid bounding boxes over exact polygons. Build once from all live
/// grids; rebuild when grids change (it takes milliseconds at city scale).
pub struct GridIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    /// Sorted by grid code, so a smaller position means a smaller code.
    shapes: Vec<Shape>,
}

impl GridIndex {
    /// `grids`: (grid id, grid code, ring). Codes decide ties on shared borders.
    pub fn new(mut grids: Vec<(i64, String, Ring)>) -> Self {
        grids.sort_by(|a, b| a.1.cmp(&b.1));
        let mut shapes = Vec::with_capacity(grids.len());
        let mut entries = Vec::with_capacity(grids.len());
        for (pos, (grid_id, _code, ring)) in grids.into_iter().enumerate() {
            let polygon = ring.to_polygon();
            if let Some(r) = polygon.bounding_rect() {
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                entries.push(GeomWithData::new(rect, pos as u32));
            }
            shapes.push(Shape { polygon, grid_id });
        }
        GridIndex { tree: RTree::bulk_load(entries), shapes }
    }

    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The grid id containing the point, or `None` outside every grid.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<i64> {
        let coord = Coord { x: lon, y: lat };
        let mut best_on_border: Option<u32> = None;
        for entry in self.tree.locate_in_envelope_intersecting(&AABB::from_point([lon, lat])) {
            let pos = entry.data;
            match self.shapes[pos as usize].polygon.coordinate_position(&coord) {
                // Interiors of a tiling are disjoint: an interior hit is the answer.
                CoordPos::Inside => return Some(self.shapes[pos as usize].grid_id),
                CoordPos::OnBoundary => {
                    best_on_border = Some(best_on_border.map_or(pos, |b| b.min(pos)));
                }
                CoordPos::Outside => {}
            }
        }
        best_on_border.map(|pos| self.shapes[pos as usize].grid_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64) -> Ring {
        Ring::new(vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.0], [x, y + 1.0]]).unwrap()
    }

    #[test]
    fn rings_are_validated_and_closed() {
        let r = square(0.0, 0.0);
        assert_eq!(r.points().len(), 5);
        assert_eq!(r.points()[0], r.points()[4]);
        assert_eq!(Ring::new(vec![[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), Err(GeometryError::TooFewPoints(2)));
        assert!(matches!(Ring::new(vec![[0.0, 0.0], [200.0, 0.0], [1.0, 1.0]]), Err(GeometryError::OutOfRange(..))));
        assert_eq!(Ring::from_json(&r.to_json()).unwrap(), r);
        assert!(matches!(Ring::from_json("[[1,2],"), Err(GeometryError::Malformed(_))));
    }

    #[test]
    fn shared_borders_resolve_to_exactly_one_grid() {
        // Four unit squares; ids chosen against code order to prove codes decide.
        let idx = GridIndex::new(vec![
            (40, "004".into(), square(1.0, 1.0)),
            (10, "001".into(), square(0.0, 0.0)),
            (20, "002".into(), square(1.0, 0.0)),
            (30, "003".into(), square(0.0, 1.0)),
        ]);
        assert_eq!(idx.locate(0.5, 0.5), Some(10));
        assert_eq!(idx.locate(1.5, 1.5), Some(40));
        // On the edge between 001 and 002, and the corner shared by all four.
        assert_eq!(idx.locate(1.0, 0.5), Some(10));
        assert_eq!(idx.locate(1.0, 1.0), Some(10));
        assert_eq!(idx.locate(1.5, 1.0), Some(20));
        assert_eq!(idx.locate(3.0, 3.0), None);
        assert_eq!(idx.locate(-0.0001, 0.5), None);
    }

    #[test]
    fn projection_keeps_north_up() {
        let mut b = BBox::empty();
        b.extend(116.0, 37.0);
        b.extend(117.0, 38.0);
        let p = SvgProjection::fit(b, 800.0);
        let (x0, y0) = p.project(116.0, 38.0);
        let (x1, y1) = p.project(117.0, 37.0);
        assert!((x0, y0) == (0.0, 0.0));
        assert!((x1 - 800.0).abs() < 1e-6 && y1 > 0.0);
        assert!(p.height > 800.0, "a degree of latitude is longer than one of longitude here");
    }
}
