//! Candidates for merging (并单): a new case near an open one of the same category, within a
//! configurable radius and period. The store finds the open cases in the box
//! [`DuplicatePolicy::search_box`] gives; this decides which of them to offer.

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::category::CategoryCode;

/// *(configurable default)*: 200 m and 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePolicy {
    pub radius_m: f64,
    pub window_days: u32,
}

impl Default for DuplicatePolicy {
    fn default() -> Self {
        DuplicatePolicy { radius_m: 200.0, window_days: 7 }
    }
}

/// Where and when a case was reported, and what about.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CaseSite {
    pub category: CategoryCode,
    pub lon: f64,
    pub lat: f64,
    pub received_at: NaiveDateTime,
}

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres (haversine), accurate to well under a metre at city scale.
pub fn distance_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

impl DuplicatePolicy {
    /// Whether `new` should be offered for merging into the open case `open`.
    pub fn is_candidate(&self, new: &CaseSite, open: &CaseSite) -> bool {
        let window = TimeDelta::days(i64::from(self.window_days));
        new.category == open.category
            && (new.received_at - open.received_at).abs() <= window
            && distance_m(new.lon, new.lat, open.lon, open.lat) <= self.radius_m
    }

    /// A longitude/latitude box around (`lon`, `lat`) that holds every point within the radius:
    /// `(min_lon, min_lat, max_lon, max_lat)`, for an indexed pre-selection.
    pub fn search_box(&self, lon: f64, lat: f64) -> (f64, f64, f64, f64) {
        let dlat = (self.radius_m / EARTH_RADIUS_M).to_degrees();
        let dlon = dlat / lat.to_radians().cos().abs().max(1e-6);
        (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    }
}
