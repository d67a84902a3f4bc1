//! The synthetic Dezhou-scale city: regions, organisations and demo accounts.
//!
//! [`generate_city`] builds 德州市 with its 11 real counties and, at full scale,
//! the programme's figures: 134 townships, about 5,000 villages and communities,
//! about 13,000 grids (each with its party branch), 1,480 red stations and 50,500
//! social units over the 34 safe-creation industries.
//!
//! Grids are the cells of a jittered lattice over the city's extent (see
//! `lattice`), so they tile it without gaps or overlaps and none is a rectangle.
//! Villages, townships and counties are unions of grids cut out level by level
//! (see `plan`), so each region lies inside its parent. Grid numbers run
//! west→east along a row of lattice cells, rows north→south (row-major order of
//! the cells, rows counted from the north).
//!
//! Everything is decided by the seed except the demo password's hash, whose salt
//! is random (see [`generate_city`]).

pub mod appeals;
mod city;
mod lattice;
pub mod mediation;
mod names;
mod partition;
mod plan;
mod units;

#[cfg(test)]
mod tests;

use pingan_domain::{RegionLevel, Role};
use pingan_store::rows::CityRows;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How big a city to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// The same city and 11 counties, with 1–2 townships per county, about four
    /// villages per township and 288 grids: for tests and quick demos.
    Small,
    /// Dezhou's real scale: 134 townships, ~5,000 villages, ~13,000 grids.
    Full,
}

/// Password of every generated account (`pingan demo` prints it).
pub const DEMO_PASSWORD: &str = "Pingan2026demo";

/// Generate the city. The same seed and scale give the same rows, except for
/// the accounts' `password_hash`: it is one argon2 hash of [`DEMO_PASSWORD`]
/// with a random salt, shared by all accounts.
pub fn generate_city(seed: u64, scale: Scale) -> CityRows {
    city::build(seed, scale)
}

/// The demo accounts to show a visitor: the first account of each staff role
/// (admin, leader, supervisor, dept.gongan, the first township's dispatcher, the
/// first village's cadre and the first grid's worker), as
/// `(username, role, name of the region the account's scope starts at)`. A grid's
/// name is given with its village's (新湖社区第1网格), as 第1网格 alone says little.
pub fn demo_accounts(city: &CityRows) -> Vec<(String, Role, String)> {
    const SHOWN: [Role; 8] = [
        Role::Admin,
        Role::Leader,
        Role::Supervisor,
        Role::DeptHandler,
        Role::TownshipDispatcher,
        Role::VillageCadre,
        Role::GridWorker,
        Role::UnitContact,
    ];
    SHOWN
        .into_iter()
        .filter_map(|role| {
            let account = city.accounts.iter().find(|a| a.role == role)?;
            let region_named = |id| city.regions.iter().find(|r| r.id == id);
            let region = region_named(account.region_id)?;
            let name = match (region.level, region.parent_id.and_then(region_named)) {
                (RegionLevel::Grid, Some(village)) => format!("{}{}", village.name, region.name),
                _ => region.name.clone(),
            };
            Some((account.username.clone(), role, name))
        })
        .collect()
}

/// Independent random streams for the stages of generation, so that changing how
/// one stage draws numbers does not reshuffle the others.
#[derive(Debug, Clone, Copy)]
enum Stage {
    Lattice = 1,
    Hierarchy,
    Names,
    Households,
    Orgs,
    Accounts,
    Mediation,
    Brands,
}

fn stage_rng(seed: u64, stage: Stage) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage as u64);
    rng
}
