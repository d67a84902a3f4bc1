//! Grassroots forces (基层力量): the people and units the programme rests on — city units
//! paired with townships (`liaison`), party members reporting to their communities (`party`),
//! residents' small wishes that members and units fulfil (`wish`), volunteer teams
//! (`volunteer`), red stations (`station`), red property management (`property`),
//! self-governance and the 五老 (`elders`) and joint meetings (`meeting`). Their follow-ups are
//! [`crate::task`]s.

pub mod elders;
pub mod liaison;
pub mod meeting;
pub mod party;
pub mod property;
pub mod station;
pub mod volunteer;
pub mod wish;
