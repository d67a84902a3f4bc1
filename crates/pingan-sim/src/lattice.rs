//! A jittered lattice over the city's extent; every lattice cell becomes one grid.
//!
//! The lattice starts as a regular `cols × rows` raster of lon/lat cells. Every
//! corner is then moved a little at random, and some edges get an extra vertex
//! near their middle. Corners and edge vertices are *shared* by the cells on both
//! sides, so the cells still tile the extent exactly: no gaps, no overlaps, and the
//! union of any set of cells is the region they form (this is what makes the
//! hierarchy of villages, townships and counties tile as well).
//!
//! Cell and corner indices are row-major from the north-west corner: row 0 is the
//! northernmost, column 0 the westernmost.

use rand::Rng;

/// The city's extent (DOMAIN §1).
pub(crate) const MIN_LON: f64 = 115.77;
pub(crate) const MAX_LON: f64 = 117.60;
pub(crate) const MIN_LAT: f64 = 36.40;
pub(crate) const MAX_LAT: f64 = 38.00;

/// Kilometres per degree of latitude.
const KM_PER_DEG_LAT: f64 = 111.2;
/// Latitude at which a degree of longitude is measured for the planar approximation.
const MID_LAT_DEG: f64 = 37.2;

/// Largest corner displacement, as a share of the cell's width (or height).
/// Below 0.25 a jittered quadrilateral stays convex (each corner stays in its own
/// quarter of the cell); 0.18 leaves room for the edge vertices below.
const CORNER_JITTER: f64 = 0.18;
/// Share of interior edges that get an extra vertex, so that cells have 4–8 sides.
const EDGE_SPLIT_PROBABILITY: f64 = 0.35;
/// The extra vertex lies this far along the edge (as a share of its length)…
const EDGE_VERTEX_ALONG: std::ops::RangeInclusive<f64> = 0.4..=0.6;
/// …and at most this far across it (as a share of the cell size across the edge).
/// Small enough that the dent never reaches another edge of either cell: the
/// nearest other edge is at least `0.5 - CORNER_JITTER` away from an edge's middle.
const EDGE_VERTEX_ACROSS: f64 = 0.12;

/// The jittered lattice; see the module documentation.
pub(crate) struct Lattice {
    cols: usize,
    rows: usize,
    /// `(cols + 1) × (rows + 1)` corners as `[lon, lat]`.
    corners: Vec<[f64; 2]>,
    /// Extra vertex on the edge from corner `(i, r)` to `(i + 1, r)`; index `r * cols + i`.
    horizontal_split: Vec<Option<[f64; 2]>>,
    /// Extra vertex on the edge from corner `(i, r)` to `(i, r + 1)`; index `r * (cols + 1) + i`.
    vertical_split: Vec<Option<[f64; 2]>>,
    cell_w_km: f64,
    cell_h_km: f64,
}

impl Lattice {
    pub(crate) fn new(cols: usize, rows: usize, rng: &mut impl Rng) -> Self {
        let dx = (MAX_LON - MIN_LON) / cols as f64;
        let dy = (MAX_LAT - MIN_LAT) / rows as f64;
        // The outermost corners sit exactly on the extent, so that the cells'
        // areas add up to the extent's area without rounding drift.
        let lon_at = |i: usize| if i == cols { MAX_LON } else { MIN_LON + i as f64 * dx };
        let lat_at = |r: usize| if r == rows { MIN_LAT } else { MAX_LAT - r as f64 * dy };

        let mut corners = Vec::with_capacity((cols + 1) * (rows + 1));
        for r in 0..=rows {
            for i in 0..=cols {
                // Always draw both offsets so that the random stream does not depend on
                // which corners are on the border.
                let jx = rng.gen_range(-CORNER_JITTER..=CORNER_JITTER) * dx;
                let jy = rng.gen_range(-CORNER_JITTER..=CORNER_JITTER) * dy;
                // Border corners slide along the border only, and the extent's own
                // corners stay put, so the union of all cells is exactly the extent.
                let on_ew_border = i == 0 || i == cols;
                let on_ns_border = r == 0 || r == rows;
                let lon = lon_at(i) + if on_ew_border { 0.0 } else { jx };
                let lat = lat_at(r) + if on_ns_border { 0.0 } else { jy };
                corners.push([lon, lat]);
            }
        }

        let mut lattice = Lattice {
            cols,
            rows,
            corners,
            horizontal_split: Vec::with_capacity(cols * (rows + 1)),
            vertical_split: Vec::with_capacity((cols + 1) * rows),
            cell_w_km: dx * KM_PER_DEG_LAT * MID_LAT_DEG.to_radians().cos(),
            cell_h_km: dy * KM_PER_DEG_LAT,
        };
        for r in 0..=rows {
            for i in 0..cols {
                let interior = r > 0 && r < rows;
                let split = split_edge(rng, lattice.corner(i, r), lattice.corner(i + 1, r), [0.0, dy]);
                lattice.horizontal_split.push(split.filter(|_| interior));
            }
        }
        for r in 0..rows {
            for i in 0..=cols {
                let interior = i > 0 && i < cols;
                let split = split_edge(rng, lattice.corner(i, r), lattice.corner(i, r + 1), [dx, 0.0]);
                lattice.vertical_split.push(split.filter(|_| interior));
            }
        }
        lattice
    }

    pub(crate) fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// `(row, column)` of a cell; row 0 is the northernmost.
    pub(crate) fn row_col(&self, cell: usize) -> (usize, usize) {
        (cell / self.cols, cell % self.cols)
    }

    /// The cells that share an edge with `cell` (north, west, east, south).
    pub(crate) fn edge_neighbours(&self, cell: usize) -> impl Iterator<Item = usize> {
        let (r, c) = self.row_col(cell);
        let (cols, rows) = (self.cols, self.rows);
        [
            (r > 0).then(|| cell - cols),
            (c > 0).then(|| cell - 1),
            (c + 1 < cols).then(|| cell + 1),
            (r + 1 < rows).then(|| cell + cols),
        ]
        .into_iter()
        .flatten()
    }

    fn corner(&self, i: usize, r: usize) -> [f64; 2] {
        self.corners[r * (self.cols + 1) + i]
    }

    /// Planar kilometre coordinates (x east, y south) of the cell's undistorted
    /// centre. Partitioning measures distances here, where they are isotropic.
    pub(crate) fn center_km(&self, cell: usize) -> [f64; 2] {
        let (r, c) = self.row_col(cell);
        [(c as f64 + 0.5) * self.cell_w_km, (r as f64 + 0.5) * self.cell_h_km]
    }

    /// Area of one undistorted cell in km².
    pub(crate) fn cell_area_km2(&self) -> f64 {
        self.cell_w_km * self.cell_h_km
    }

    /// The cell of the undistorted raster that contains a lon/lat point (clamped to the extent).
    pub(crate) fn cell_at(&self, [lon, lat]: [f64; 2]) -> usize {
        let fx = (lon - MIN_LON) / (MAX_LON - MIN_LON) * self.cols as f64;
        let fy = (MAX_LAT - lat) / (MAX_LAT - MIN_LAT) * self.rows as f64;
        let c = (fx.max(0.0) as usize).min(self.cols - 1);
        let r = (fy.max(0.0) as usize).min(self.rows - 1);
        r * self.cols + c
    }

    /// The cell's outline, counter-clockwise from its south-west corner, not closed.
    pub(crate) fn ring(&self, cell: usize) -> Vec<[f64; 2]> {
        let (r, c) = self.row_col(cell);
        let (nw, ne, se, sw) =
            (self.corner(c, r), self.corner(c + 1, r), self.corner(c + 1, r + 1), self.corner(c, r + 1));
        let south = self.horizontal_split[(r + 1) * self.cols + c];
        let east = self.vertical_split[r * (self.cols + 1) + c + 1];
        let north = self.horizontal_split[r * self.cols + c];
        let west = self.vertical_split[r * (self.cols + 1) + c];
        [Some(sw), south, Some(se), east, Some(ne), north, Some(nw), west].into_iter().flatten().collect()
    }

    /// A point well inside the cell: the bilinear blend of its four corners at
    /// `(u, v)` (0 = west/south, 1 = east/north). For `u, v` in `[0.3, 0.7]` the point
    /// is farther from every edge than any edge vertex reaches into the cell.
    pub(crate) fn interior_point(&self, cell: usize, u: f64, v: f64) -> [f64; 2] {
        let (r, c) = self.row_col(cell);
        let (nw, ne, se, sw) =
            (self.corner(c, r), self.corner(c + 1, r), self.corner(c + 1, r + 1), self.corner(c, r + 1));
        let blend = |k: usize| {
            let south = sw[k] + (se[k] - sw[k]) * u;
            let north = nw[k] + (ne[k] - nw[k]) * u;
            south + (north - south) * v
        };
        [blend(0), blend(1)]
    }
}

/// Maybe an extra vertex for the edge `a`–`b`, displaced across the edge by up to
/// [`EDGE_VERTEX_ACROSS`] of `across` (the cell size perpendicular to the edge).
/// Draws the same amount of randomness whether or not the edge is split.
fn split_edge(rng: &mut impl Rng, a: [f64; 2], b: [f64; 2], across: [f64; 2]) -> Option<[f64; 2]> {
    let split = rng.gen_bool(EDGE_SPLIT_PROBABILITY);
    let t = rng.gen_range(EDGE_VERTEX_ALONG);
    let s = rng.gen_range(-EDGE_VERTEX_ACROSS..=EDGE_VERTEX_ACROSS);
    split.then(|| [a[0] + (b[0] - a[0]) * t + s * across[0], a[1] + (b[1] - a[1]) * t + s * across[1]])
}
