//! Grassroots forces (基层力量): the people and units the programme rests on — city units
//! paired with townships (`liaison`), party members reporting to their communities (`party`),
//! residents' small wishes that members and units fulfil (`wish`), red stations (`station`),
//! and, as they are built, volunteers and red property management. Their follow-ups are
//! [`crate::task`]s.

pub mod elders;
pub mod liaison;
pub mod meeting;
pub mod party;
pub mod property;
pub mod station;
pub mod wish;
